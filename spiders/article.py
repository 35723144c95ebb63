"""Find release links and extract news articles (title, date, paragraphs) without relying on site markup."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura

from spiders.parsing import clean_text, parse_date

MIN_ARTICLE_CHARACTERS = 80
DATE_PARAMS = {"extensive_search": False, "original_date": True}  # a stated date only, never a guess


class ArticleError(ValueError):
    """A page that holds no usable article; the message says why."""


@dataclass
class Article:
    """What a news page says: title, date (if found), canonical URL (if given), paragraphs, linked PDFs."""

    title: str
    date: str | None
    canonical: str | None
    paragraphs: list[str]
    pdf_links: list[str] = field(default_factory=list)


def _html_tree(html: str | bytes) -> lxml.html.HtmlElement | None:
    """Parse a page leniently; None when there is nothing to parse."""
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def page_links(html: str | bytes, page_url: str) -> list[str]:
    """Every link on the page as an absolute URL without fragment, de-duplicated, in page order."""
    tree = _html_tree(html)
    if tree is None:
        return []
    found = (urljoin(page_url, href.strip()).split("#")[0] for href in tree.xpath("//a/@href"))
    return list(dict.fromkeys(u for u in found if u.startswith(("http://", "https://", "file:"))))


def matching_links(html: str | bytes, page_url: str, pattern: str) -> list[str]:
    """Links whose path matches `pattern` (e.g. `^/releases/[^/]+$`): how releases are found on a listing."""
    regex = re.compile(pattern)
    return [u for u in page_links(html, page_url) if regex.search(urlsplit(u).path)]


def pdf_links(html: str | bytes, page_url: str) -> list[str]:
    """Links to PDF files on a page."""
    return [u for u in page_links(html, page_url) if urlsplit(u).path.lower().endswith(".pdf")]


def feed_links(body: bytes) -> list[str]:
    """Item links of an RSS or Atom feed, in feed order."""
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError as error:
        raise ArticleError(f"not a feed: {error}") from error
    if root is None or lxml.etree.QName(root).localname not in ("rss", "feed", "RDF"):
        raise ArticleError("not a feed: no <rss>, <feed> or <rdf:RDF> root element")
    rss = root.xpath("//*[local-name()='item']/*[local-name()='link']/text()")
    atom = root.xpath("//*[local-name()='entry']/*[local-name()='link']"
                      "[not(@rel) or @rel='alternate']/@href")
    return list(dict.fromkeys(clean_text(u) for u in [*rss, *atom] if clean_text(u)))


def _paragraphs(text: str, title: str, date_line: str | None) -> list[str]:
    """The extracted text's lines as paragraphs, without the repeated title or a bare date line."""
    lines = [clean_text(line) for line in text.splitlines()]
    return [line for line in lines if line and line != title and line != date_line]


def extract_article(html: str | bytes, url: str) -> Article:
    """Extract an article with trafilatura; ArticleError if the page holds no article text."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        favor_precision=True, date_extraction_params=DATE_PARAMS,
    )
    text = (document.text if document is not None else "") or ""
    if len(clean_text(text)) < MIN_ARTICLE_CHARACTERS:
        raise ArticleError(f"no article text found: {len(clean_text(text))} characters extracted")
    title = clean_text(document.title)
    date = document.date if _is_iso_date(document.date) else None
    paragraphs = _paragraphs(text, title, _raw_date_line(text))
    canonical = document.url if document.url and document.url.startswith("http") else None
    links = pdf_links(html, canonical or url)
    return Article(title or paragraphs[0][:120], date, canonical, paragraphs, links)


def _is_iso_date(value: Any) -> bool:
    """Whether `value` is a YYYY-MM-DD date string."""
    try:
        return bool(parse_date(value)) and len(value) == 10
    except (TypeError, ValueError):
        return False


def _raw_date_line(text: str) -> str | None:
    """A short line near the top that is only a date (e.g. `01 Mar 2022`), to leave out of the paragraphs."""
    for line in text.splitlines()[:3]:
        line = clean_text(line)
        if re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", line):
            return line
    return None


def native_id(url: str) -> str:
    """A readable id from a URL: host and path (and query), without scheme or trailing slash."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rstrip('/')}" + (f"?{parts.query}" if parts.query else "")
