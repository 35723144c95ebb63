"""Police spider: NPCC and College of Policing news, extra URLs and feeds, by generic article extraction."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from db import store
from db.connect import open_db
from spiders.article import ArticleError, extract_article, feed_links, matching_links, native_id
from spiders.base import PursuitSpider
from spiders.items import DocumentBatch, Reject
from spiders.pdf_text import PdfError, pdf_document, pdf_pages
from spiders.sources.govuk import split_list
from spiders.work_tracker import WorkTracker

SOURCE = "police"
LICENCE = "unverified: the publisher's own terms (police.uk sites generally state OGL v3.0)"
NPCC, COLLEGE = "National Police Chiefs' Council", "College of Policing"


@dataclass(frozen=True)
class Listing:
    """A news listing: where it is, how its release links look, whether it pages with `?page=N`."""

    name: str
    publisher: str
    url: str
    link_pattern: str
    paged: bool

    def page_url(self, page: int) -> str:
        """The live URL of listing page `page` (1 is the bare listing)."""
        return self.url if page == 1 else f"{self.url}?page={page}"


LISTINGS = {
    "npcc": Listing("npcc", NPCC, "https://news.npcc.police.uk/releases", r"^/releases/[^/]+/?$", True),
    "college": Listing(
        "college", COLLEGE, "https://www.college.police.uk/news", r"^/article/[^/]+/?$", False
    ),
}
HOST_PUBLISHERS = {
    "news.npcc.police.uk": NPCC, "www.npcc.police.uk": NPCC, "npcc.police.uk": NPCC,
    "www.college.police.uk": COLLEGE, "college.police.uk": COLLEGE,
    "production.copweb.aws.college.police.uk": COLLEGE,
}
HTML_TYPES = (b"text/html", b"application/xhtml+xml")


def publisher_of(url: str) -> str:
    """The publisher of a URL, by its host."""
    host = urlsplit(url).hostname or ""
    return HOST_PUBLISHERS.get(host, host or "unknown")


class PoliceSpider(PursuitSpider):
    """Walks each listing page by page (a page's articles first), plus configured articles and feeds."""

    name = SOURCE
    default_base_url = "https://news.npcc.police.uk/"

    def __init__(self, *args, listings: str | None = None, urls: str | None = None,
                 feeds: str | None = None, max_pages: str | int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        names = split_list(listings) if listings is not None else list(LISTINGS)
        unknown = [n for n in names if n not in LISTINGS]
        if unknown:
            raise ValueError(f"unknown police listings {unknown}; known: {list(LISTINGS)}")
        self.listings = [LISTINGS[n] for n in names]
        self.urls, self.feeds, self.max_pages = split_list(urls), split_list(feeds), int(max_pages)
        self.work = WorkTracker()
        self.page_stats: dict[str, Counter[str]] = {}
        self.walk_broken: set[str] = set()
        self.seen_links: set[str] = set()
        self.known, self.walked = self._read_state()

    def _read_state(self) -> tuple[set[str], dict[str, str]]:
        """Stored police document ids and each listing's last walk state."""
        if self.load:
            return set(), {}
        db = open_db(self.db_path)
        try:
            known = store.document_ids(db, SOURCE)
            walked = {li.name: store.get_state(db, SOURCE, f"walk:{li.name}") or "" for li in self.listings}
        finally:
            db.close()
        return known, walked

    def local(self, url: str) -> str:
        """A live URL moved onto --base-url when one is given (test servers, mirrors)."""
        if not self.base_url_overridden:
            return url
        parts = urlsplit(url)
        return self.base_url + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")

    def live(self, url: str, like: str) -> str:
        """The live URL of a link found on a page fetched from --base-url (`like` gives the live origin)."""
        if not self.base_url_overridden or not url.startswith(self.base_url):
            return url
        return urljoin(like, "/" + url[len(self.base_url):])

    async def start(self):
        """Saved pages under --load, else each listing's first page, each feed and each extra URL."""
        if self.load:
            for request in self._local_requests():
                yield request
            return
        for listing in self.listings:
            yield self._listing_request(listing, 1)
        for feed in self.feeds:
            self.work.add(feed, [f"feed:{feed}"])
            yield Request(self.local(feed), callback=self.parse_feed, errback=self.failed,
                          meta={"work_key": feed}, cb_kwargs={"feed": feed}, dont_filter=True)
        for url in self.urls:
            if self.work.add(url, ["urls"]):
                yield self._article_request(url, "urls")

    def _local_requests(self) -> Iterator[Request]:
        """Parse every saved page (*.html) under --load; its canonical URL names it."""
        paths = [self.load] if self.load.is_file() else sorted(self.load.rglob("*.html"))
        for path in paths:
            url = path.resolve().as_uri()
            self.work.add(url, ["load"])
            yield self._article_request(url, "load")

    def _listing_request(self, listing: Listing, page: int) -> Request:
        """A listing page, tracked as the work of that page."""
        url = listing.page_url(page)
        self.work.add(url, [f"{listing.name}:{page}"])
        past_first = {"handle_httpstatus_list": [404]} if page > 1 else {}  # 404 past the last page
        return Request(self.local(url), callback=self.parse_listing, errback=self.failed,
                       meta={"work_key": url, **past_first}, cb_kwargs={"listing": listing, "page": page},
                       dont_filter=True)

    def _article_request(self, url: str, group: str) -> Request:
        """An article (or PDF) request; the callback sees every status so bodies can be judged."""
        return Request(self.local(url) if not url.startswith("file:") else url, callback=self.parse_page,
                       errback=self.failed, dont_filter=True, meta={"work_key": url},
                       cb_kwargs={"live_url": url, "group": group, "parent": None})

    def parse_listing(self, response: Response, listing: Listing, page: int):
        """Request the page's new release links (found by URL pattern) before deciding on the next page."""
        group = f"{listing.name}:{page}"
        if response.status == 404:
            self.logger.info("%s: page %d not found, taken as the end of the listing", listing.name, page)
            yield from self._finish(response.meta["work_key"])
            return
        links = [self.live(u, listing.url) for u in matching_links(response.body, response.url,
                                                                   listing.link_pattern)]
        stats = self.page_stats.setdefault(group, Counter())
        stats.update(links=len(links), known=sum(self._is_known(u) for u in links),
                     fresh=len(set(links) - self.seen_links))
        self.seen_links.update(links)
        for url in links:
            if self._is_known(url) and not self.full_refresh:
                continue
            if self.work.add(url, [group]):
                yield self._article_request(url, group)
        self.logger.info("%s page %d: %d release links, %d stored before", listing.name, page,
                         len(links), stats["known"])
        yield from self._finish(response.meta["work_key"])

    def _is_known(self, url: str) -> bool:
        """Whether a release URL is already stored."""
        return f"{SOURCE}/{native_id(url)}" in self.known

    def parse_feed(self, response: Response, feed: str):
        """Request every article a feed lists."""
        try:
            links = feed_links(response.body)
        except ArticleError as error:
            yield Reject(SOURCE, feed, "not a feed", str(error))
            yield from self._finish(feed, ok=False)
            return
        for url in links:
            if self._is_known(url) and not self.full_refresh:
                continue
            if self.work.add(url, [f"feed:{feed}"]):
                yield self._article_request(url, f"feed:{feed}")
        yield from self._finish(feed)

    def parse_page(self, response: Response, live_url: str, group: str, parent: dict | None):
        """Store an article or a PDF; reject anything else with the reason."""
        key = response.meta["work_key"]
        content_type = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        if parent is not None or content_type == b"application/pdf" or response.body[:5] == b"%PDF-":
            yield from self._pdf(response, live_url, group, parent)
        elif content_type and content_type not in HTML_TYPES and not response.url.startswith("file:"):
            yield Reject(SOURCE, live_url, "not an HTML page", f"Content-Type {content_type.decode()}")
            yield from self._finish(key, ok=False)
        else:
            yield from self._article(response, live_url, group)
        yield from self._finish(key)

    def _article(self, response: Response, live_url: str, group: str):
        """Extract, window-check and store one article, then request its linked PDFs."""
        try:
            article = extract_article(response.body, live_url)
        except ArticleError as error:
            yield Reject(SOURCE, live_url, "no article text found", str(error))
            self.work.broken.add(group)
            return
        if response.url.startswith("file:"):
            if not article.canonical:
                yield Reject(SOURCE, response.url, "saved page has no canonical URL",
                             "add <link rel=canonical> so the page can be named")
                return
            live_url = article.canonical
        if article.date and not self.in_window(dt.date.fromisoformat(article.date), self.since):
            self.page_stats.setdefault(group, Counter())["outside window"] += 1
            return
        self.page_stats.setdefault(group, Counter())["stored"] += 1
        document = self._article_document(article, live_url, response.url)
        yield DocumentBatch(SOURCE, response.url, [document])
        for pdf in article.pdf_links:
            yield from self._pdf_request(self.live(pdf, live_url), group, document)

    def _pdf_request(self, url: str, group: str, parent: dict) -> Iterator[Request]:
        """Request a linked PDF (a saved copy under --load), owned by the article's group."""
        if self.load:
            root = self.load if self.load.is_dir() else self.load.parent
            saved = [p for p in root.rglob(url.rsplit("/", 1)[-1]) if p.is_file()]
            if not saved:
                return
            url = saved[0].resolve().as_uri()
        if self.work.add(url, [group]):
            yield Request(self.local(url) if not url.startswith("file:") else url, callback=self.parse_page,
                          errback=self.failed, dont_filter=True, meta={"work_key": url},
                          cb_kwargs={"live_url": url, "group": group, "parent": parent})

    def _article_document(self, article, live_url: str, source_url: str) -> dict[str, Any]:
        """A police_release document with one passage per paragraph."""
        native = native_id(live_url)
        doc_id, url = f"{SOURCE}/{native}", article.canonical or live_url
        return {
            "id": doc_id, "source": SOURCE, "native_id": native, "kind": "police_release",
            "title": article.title, "date": article.date, "house": None, "chamber": None,
            "publisher": publisher_of(live_url), "url": url, "official_url": None,
            "source_url": source_url, "licence": LICENCE, "parent_id": None,
            "meta": {"canonical": article.canonical, "pdfs": article.pdf_links or None},
            "passages": [
                {"id": f"{doc_id}/p{n + 1}", "position": n, "kind": "paragraph", "text": text,
                 "permalink": url, "speaker_name": None, "meta": None}
                for n, text in enumerate(article.paragraphs)
            ],
        }

    def _pdf(self, response: Response, live_url: str, group: str, parent: dict | None):
        """Store a PDF's text page by page (as a child of the article that links it, if any)."""
        try:
            pages = pdf_pages(response.body)
        except PdfError as error:
            yield Reject(SOURCE, live_url, str(error).split(":")[0], str(error))
            return  # a bad file is kept as a reject; it does not stop the walk being complete
        native = native_id(live_url)
        base = {
            "id": f"{SOURCE}/{native}", "source": SOURCE, "native_id": native, "kind": "pdf_document",
            "title": f"{parent['title']} (PDF)" if parent else live_url.rsplit("/", 1)[-1],
            "date": (parent or {}).get("date"), "house": None, "chamber": None,
            "publisher": publisher_of(live_url), "official_url": None, "source_url": response.url,
            "licence": LICENCE, "parent_id": (parent or {}).get("id"), "meta": None,
        }
        yield DocumentBatch(SOURCE, response.url, [pdf_document(base, live_url, pages)])

    def failed(self, failure: Failure):
        """A request that failed after its retries is recorded; its listing walk is not marked complete."""
        yield self.failure_to_reject(failure)
        key = failure.request.meta.get("work_key", failure.request.url)
        yield from self._finish(key, ok=self.is_refused(failure))

    def _finish(self, key: str, ok: bool = True) -> Iterator[Request | DocumentBatch]:
        """Mark a request done; when a listing page's work is done, go to the next page or end the walk."""
        for group, complete in self.work.done(key, ok):
            name, _, page = group.partition(":")
            listing = LISTINGS.get(name)
            if listing is None or not page.isdigit() or group.startswith("feed:"):
                continue
            if not complete:
                self.walk_broken.add(name)
            if self._next_page_wanted(listing, int(page)):
                yield self._listing_request(listing, int(page) + 1)
            else:
                value = "" if name in self.walk_broken else dt.date.today().isoformat()
                yield DocumentBatch(SOURCE, f"(walk of {listing.url})",
                                    state={"key": f"walk:{name}", "value": value})

    def _next_page_wanted(self, listing: Listing, page: int) -> bool:
        """Go on while pages bring new links, no known release is reached and dated ones are in the window."""
        stats = self.page_stats.get(f"{listing.name}:{page}", Counter())
        stop_at_known = self.walked.get(listing.name) and not self.full_refresh
        all_too_old = stats["outside window"] > 0 and stats["stored"] == 0
        return (listing.paged and page < self.max_pages and stats["fresh"] > 0
                and not (stop_at_known and stats["known"]) and not all_too_old)
