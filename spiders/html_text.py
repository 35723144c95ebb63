"""Turn the HTML fragments of Parliament's APIs into clean paragraphs of text, safely."""

from __future__ import annotations

import lxml.html
from lxml import etree

from spiders.parsing import clean_text

BLOCK_TAGS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "question",
    "answer",
    "section",
    "article",
}
DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object")


def _fragment(html: str) -> lxml.html.HtmlElement:
    """Parse an HTML fragment into one wrapper element (no network, no external entities)."""
    return lxml.html.fragment_fromstring(html, create_parent="div")


def column_markers(html: str | None) -> list[str]:
    """Hansard column numbers marked inside a fragment (`data-column-number`), in order."""
    if not html or "column-number" not in html:
        return []
    root = _fragment(html)
    return [str(n) for n in root.xpath("//*[@data-column-number]/@data-column-number")]


def html_paragraphs(html: str | None) -> list[str]:
    """The fragment's text split into paragraphs at block elements and line breaks."""
    if not html or not html.strip():
        return []
    try:
        root = _fragment(html)
    except (etree.ParserError, ValueError):
        return [clean_text(html)] if clean_text(html) else []
    for element in root.xpath("|".join(f"//{tag}" for tag in DROP_TAGS) + "|//*[@data-column-number]"):
        element.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
        elif tag == "br":
            element.tail = " " + (element.tail or "")
    text = root.text_content()
    return [p for p in (clean_text(block) for block in text.split("\n\n")) if p]


def html_to_text(html: str | None) -> str:
    """The fragment as plain text, paragraphs separated by blank lines."""
    return "\n\n".join(html_paragraphs(html))
