"""GOV.UK spider: Search API by organisation and term, newest first; Content API items, HTML pages, PDFs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from db import store
from db.connect import open_db
from spiders.base import PursuitSpider
from spiders.govuk_content import (
    DEFAULT_ORGANISATIONS,
    HOSTS,
    SOURCE,
    Attachment,
    ContentError,
    attachment_document,
    document_id,
    london_date,
    parse_item,
    parse_search,
    search_url,
)
from spiders.items import DocumentBatch, Reject
from spiders.pdf_text import PdfError, pdf_document, pdf_pages
from spiders.work_tracker import WorkTracker


def split_list(value: str | None) -> list[str]:
    """A comma-separated argument as a list of non-empty, trimmed values."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class GovukSpider(PursuitSpider):
    """One search per term (all organisations at once); each hit's item, its HTML publications and PDFs."""

    name = SOURCE
    default_base_url = "https://www.gov.uk/"
    custom_settings: ClassVar[dict] = {"CONCURRENT_REQUESTS_PER_DOMAIN": 2}  # GOV.UK allows ~10/s

    def __init__(self, *args, organisations: str | None = None, terms: str | None = None,
                 page_size: str | int = 50, max_pages: str | int = 20, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = split_list(organisations) or list(DEFAULT_ORGANISATIONS)
        self.terms = split_list(terms) or self._taxonomy_terms()
        self.page_size, self.max_pages = int(page_size), int(max_pages)
        self.work = WorkTracker()
        self.newest: dict[str, str] = {}
        self.marks = {} if self.load else self._read_marks()
        self.pdf_files = self._local_pdfs()

    @staticmethod
    def _taxonomy_terms() -> list[str]:
        """The taxonomy's search terms (the default query list)."""
        from nlp.taxonomy import search_terms

        return search_terms()

    def query_key(self, term: str) -> str:
        """The crawl_state key of one term's newest fully stored result."""
        return f"newest:{term}|{','.join(sorted(self.organisations))}"

    def _read_marks(self) -> dict[str, str]:
        """Each term's stored high-water mark (a public timestamp)."""
        db = open_db(self.db_path)
        try:
            marks = {t: store.get_state(db, SOURCE, self.query_key(t)) for t in self.terms}
        finally:
            db.close()
        return {t: v for t, v in marks.items() if v}

    def _local_pdfs(self) -> dict[str, Path]:
        """Saved PDFs under --load, by file name, to stand in for attachment downloads."""
        if not self.load or self.load.is_file():
            return {}
        return {p.name: p for p in self.load.rglob("*") if p.suffix.lower() == ".pdf"}

    def local(self, url: str) -> str:
        """A GOV.UK URL, moved onto --base-url when one is given (test servers, mirrors)."""
        parts = urlsplit(url)
        if not self.base_url_overridden or parts.hostname not in HOSTS:
            return url
        return self.base_url + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")

    def api_url(self, base_path: str) -> str:
        """The Content API URL of a base path."""
        return f"{self.base_url}api/content{base_path}"

    async def start(self):
        """Saved items under --load, else the first search page of every term."""
        if self.load:
            for request in self._local_requests():
                yield request
            return
        for term in self.terms:
            request = self._search_request(term, 0)
            self.work.add(request.url, [term])
            yield request

    def _local_requests(self) -> Iterator[Request]:
        """Parse every saved content item (*.json) under --load with the same callbacks."""
        paths = [self.load] if self.load.is_file() else sorted(self.load.rglob("*.json"))
        for path in paths:
            url = path.resolve().as_uri()
            self.work.add(url, [])
            yield self._item_request(url, groups=(), parent_id=None)

    def _search_request(self, term: str, start: int) -> Request:
        """One page of a term's search results."""
        url = search_url(self.base_url, term, self.organisations, start, self.page_size,
                         self.since, self.until if self.until != dt.date.today() else None)
        return Request(url, callback=self.parse_search, errback=self.failed, meta={"work_key": url},
                       cb_kwargs={"term": term, "start": start}, dont_filter=True)

    def _item_request(self, url: str, groups, parent_id: str | None) -> Request:
        """A Content API item request; 404 and 410 bodies reach the callback."""
        return Request(url, callback=self.parse_content, errback=self.failed, dont_filter=True,
                       meta={"handle_httpstatus_list": [404, 410], "work_key": url},
                       cb_kwargs={"groups": tuple(groups), "parent_id": parent_id})

    def parse_search(self, response: Response, term: str, start: int):
        """Request each new hit's content item; page on until known items, the end or the page limit."""
        try:
            page = parse_search(response.body)
        except ContentError as error:
            yield Reject(SOURCE, response.url, str(error).split(":")[0], str(error))
            yield from self._finish(response.meta["work_key"], ok=False)
            return
        mark = None if self.full_refresh else self.marks.get(term)
        reached_known = False
        for hit in page.results:
            if mark and hit.public_timestamp <= mark:
                reached_known = True
                break
            self.newest[term] = max(self.newest.get(term, ""), hit.public_timestamp)
            url = self.api_url(hit.base_path)
            if self.work.add(url, [term]):
                yield self._item_request(url, [term], parent_id=None)
        following = start + self.page_size
        more = page.results and following < page.total and following < self.page_size * self.max_pages
        if more and not reached_known:
            request = self._search_request(term, following)
            self.work.add(request.url, [term])
            yield request
        yield from self._finish(response.meta["work_key"])

    def parse_content(self, response: Response, groups: tuple[str, ...], parent_id: str | None):
        """Store an item (or its gone/redirect record), then follow its HTML publications and PDFs."""
        key = response.meta["work_key"]
        if response.status == 404:
            yield Reject(SOURCE, response.url, "not found (HTTP 404)", "the Content API has no such item")
            yield from self._finish(key, ok=False)
            return
        try:
            parsed = parse_item(response.body, response.url, parent_id)
        except ContentError as error:
            yield Reject(SOURCE, response.url, str(error).split(":")[0], str(error))
            yield from self._finish(key, ok=False)
            return
        documents = [d for d in parsed.documents if not self.load or self._in_load_window(d)]
        redirects = parsed.redirects + self._moved(key, documents)
        yield DocumentBatch(SOURCE, response.url, documents, redirects)
        for document in documents:
            yield from self._follow(document, parsed, groups)
        yield from self._finish(key)

    def _moved(self, key: str, documents: list[dict]) -> list[dict[str, str]]:
        """A redirect row when the API answered a request for one path with an item at another."""
        requested = urlsplit(key).path.split("/api/content", 1)[-1]
        if self.load or not documents or not requested or documents[0]["id"] == document_id(requested):
            return []
        return [{"old_id": document_id(requested), "new_id": documents[0]["id"], "matchtype": "http"}]

    def _in_load_window(self, document: dict) -> bool:
        """Whether a loaded item's last public update lies in the --since/--until window."""
        day = london_date((document.get("meta") or {}).get("public_updated_at")) or document.get("date")
        return day is None or self.in_window(dt.date.fromisoformat(day), self.since)

    def _follow(self, document: dict, parsed, groups) -> Iterator[Request]:
        """Requests for an item's HTML publications and PDF attachments, owned by the same groups."""
        for base_path in parsed.children:
            url = self.api_url(base_path)
            if self.load:
                continue  # saved HTML publications are loaded as files of their own
            if self.work.add(url, groups):
                yield self._item_request(url, groups, parent_id=document["id"])
        for attachment in parsed.attachments:
            url = self._attachment_url(attachment)
            if url and self.work.add(url, groups):
                yield Request(url, callback=self.parse_pdf, errback=self.failed, dont_filter=True,
                              meta={"work_key": url},
                              cb_kwargs={"parent": document, "attachment": attachment})

    def _attachment_url(self, attachment: Attachment) -> str | None:
        """Where to fetch a PDF: the live (or --base-url) address, or a saved copy under --load."""
        if not self.load:
            return self.local(attachment.url)
        saved = self.pdf_files.get(attachment.url.rsplit("/", 1)[-1])
        return saved.resolve().as_uri() if saved else None

    def parse_pdf(self, response: Response, parent: dict, attachment: Attachment):
        """Store a PDF attachment's text page by page, or reject it with the reason."""
        key = response.meta["work_key"]
        try:
            pages = pdf_pages(response.body)
        except PdfError as error:  # a bad file is kept as a reject; it does not hold the mark back
            yield Reject(SOURCE, response.url, str(error).split(":")[0], str(error))
            yield from self._finish(key)
            return
        base = attachment_document(parent, attachment, response.url)
        yield DocumentBatch(SOURCE, response.url, [pdf_document(base, attachment.url, pages)])
        yield from self._finish(key)

    def failed(self, failure: Failure):
        """A request that failed after its retries: record it; its groups keep their marks."""
        reject = self.failure_to_reject(failure)
        response = getattr(failure.value, "response", None)
        if response is not None and response.status == 422:
            reject.reason = "query rejected by the API (HTTP 422)"
            reject.detail = response.text[:500] if hasattr(response, "text") else reject.detail
        yield reject
        key = failure.request.meta.get("work_key", failure.request.url)
        yield from self._finish(key, ok=self.is_refused(failure))

    def _finish(self, key: str, ok: bool = True) -> Iterator[DocumentBatch]:
        """Mark a request done; move the mark of every term whose results are now all stored."""
        for term, complete in self.work.done(key, ok):
            if not complete or not self._may_move_mark(term):
                continue
            newest, mark = self.newest.get(term), self.marks.get(term)
            if newest and (mark is None or newest > mark):
                state = {"key": self.query_key(term), "value": newest}
                yield DocumentBatch(SOURCE, f"(search mark for {term!r})", state=state)

    def _may_move_mark(self, term: str) -> bool:
        """A run moves a term's mark only if it searched down to it (no --since gap above the mark)."""
        mark = self.marks.get(term)
        return mark is None or self.since is None or self.since.isoformat() <= mark[:10]
