"""ParlParse spider: TheyWorkForYou's published Hansard XML, one sitting day per file."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from db import store
from db.connect import open_db
from spiders.base import DEFAULT_LOOKBACK_DAYS, PursuitSpider
from spiders.items import DocumentBatch, Reject
from spiders.parlparse_xml import (
    DIRECTORIES,
    SOURCE,
    DayFile,
    ParlParseError,
    match_file_name,
    parse_day,
)


def state_key(directory: str) -> str:
    """The crawl_state key holding a directory's last fully stored day."""
    return f"last_day:{directory}"


class ParlParseSpider(PursuitSpider):
    """Walks each directory's listing in date order; files of one directory are fetched in a chain."""

    name = SOURCE
    default_base_url = "https://www.theyworkforyou.com/pwdata/scrapedxml/"

    def __init__(self, *args, directories: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        names = directories.split(",") if directories else list(DIRECTORIES)
        unknown = [n for n in names if n not in DIRECTORIES]
        if unknown:
            raise ValueError(f"unknown ParlParse directories {unknown}; known: {list(DIRECTORIES)}")
        self.directories = names
        self.queues: dict[str, list[tuple[DayFile, str, bool]]] = {}
        self.broken: set[str] = set()
        self.marks = self._read_marks()

    def _read_marks(self) -> dict[str, dt.date]:
        """Each directory's high-water mark from crawl_state."""
        db = open_db(self.db_path)
        try:
            marks = {n: store.get_state(db, SOURCE, state_key(n)) for n in self.directories}
        finally:
            db.close()
        return {n: dt.date.fromisoformat(v) for n, v in marks.items() if v}

    def window_start(self, directory: str) -> dt.date | None:
        """Where this directory's crawl starts: --since, else its mark, else a short lookback."""
        if self.since or self.load:
            return self.since
        mark = self.marks.get(directory)
        return mark or self.until - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS)

    def advances_mark(self, directory: str) -> bool:
        """A run may move the mark only if it started at or before it (no gaps are skipped)."""
        mark, start = self.marks.get(directory), self.window_start(directory)
        return mark is None or (start is not None and start <= mark)

    async def start(self):
        """Local files when --load is given, else each directory's listing page."""
        if self.load:
            for request in self._local_requests():
                yield request
            return
        for directory in self.directories:
            yield Request(
                f"{self.base_url}{directory}/",
                callback=self.parse_listing,
                errback=self.listing_failed,
                cb_kwargs={"directory": directory},
            )

    def _local_requests(self) -> Iterator[Request]:
        """Queue saved files found under --load (a file or a folder) and start each chain."""
        paths = [self.load] if self.load.is_file() else sorted(self.load.rglob("*.xml"))
        found: dict[str, list[tuple[DayFile, str]]] = defaultdict(list)
        for path in paths:
            day = match_file_name(path.name)
            if day and day.directory.name in self.directories:
                found[day.directory.name].append((day, path.resolve().as_uri()))
        for directory, files in found.items():
            request = self._start_chain(directory, files)
            if request:
                yield request

    def parse_listing(self, response: Response, directory: str):
        """Find day files in a directory listing by their names, not by the page's layout."""
        hrefs = response.css("a::attr(href)").getall() or response.xpath("//@href").getall()
        files = []
        for href in dict.fromkeys(hrefs):
            day = match_file_name(href)
            if day and day.directory.name == directory:
                files.append((day, response.urljoin(href)))
        self.logger.info("%s: %d day files listed at %s", directory, len(files), response.url)
        request = self._start_chain(directory, files)
        if request:
            yield request

    def listing_failed(self, failure: Failure):
        """A listing that cannot be fetched is recorded; other directories go on."""
        yield self.failure_to_reject(failure)

    def _start_chain(self, directory: str, files: list[tuple[DayFile, str]]) -> Request | None:
        """Order a directory's files in the window by (day, version) and request the first."""
        start = self.window_start(directory)
        chosen = [
            (day, url) for day, url in files
            if self.in_window(dt.date.fromisoformat(day.date), start)
        ]
        chosen.sort(key=lambda pair: (pair[0].date, pair[0].version))
        last_version = {day.date: day.version for day, _ in chosen}
        self.queues[directory] = [
            (day, url, day.version == last_version[day.date]) for day, url in chosen
        ]
        return self._next_request(directory)

    def _next_request(self, directory: str) -> Request | None:
        """The next file of a directory's chain, or None when the chain is done."""
        if not self.queues.get(directory):
            return None
        day, url, is_last = self.queues[directory].pop(0)
        return Request(
            url,
            callback=self.parse_file,
            errback=self.file_failed,
            cb_kwargs={"day": day, "is_last": is_last},
            dont_filter=True,
        )

    def parse_file(self, response: Response, day: DayFile, is_last: bool):
        """Store one day file as a batch (or reject it), then request the directory's next file."""
        directory = day.directory.name
        try:
            parsed = parse_day(response.body, day, response.url)
        except ParlParseError as error:
            self.broken.add(directory)
            yield Reject(SOURCE, response.url, str(error).split(":")[0], str(error))
        else:
            if is_last and not parsed.latest:
                self.broken.add(directory)
                yield Reject(SOURCE, response.url, "no current version listed",
                             f'newest listed file for {day.date} has latest="no"')
            yield self._batch(response.url, day, parsed, is_last)
        following = self._next_request(directory)
        if following:
            yield following

    def _batch(self, url: str, day: DayFile, parsed, is_last: bool) -> DocumentBatch:
        """A batch of the file's documents, moving the mark when the day is now fully stored."""
        directory = day.directory.name
        state = None
        if parsed.latest and is_last and directory not in self.broken and self.advances_mark(
            directory
        ):
            mark = self.marks.get(directory)
            if mark is None or day.date > mark.isoformat():
                state = {"key": state_key(directory), "value": day.date}
        return DocumentBatch(SOURCE, url, parsed.documents, parsed.redirects, parsed.votes, state)

    def file_failed(self, failure: Failure):
        """A file that cannot be fetched stops the mark but not the chain."""
        day = failure.request.cb_kwargs["day"]
        self.broken.add(day.directory.name)
        yield self.failure_to_reject(failure)
        following = self._next_request(day.directory.name)
        if following:
            yield following
