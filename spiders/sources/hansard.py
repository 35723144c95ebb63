"""Hansard API spider: debates by sitting day (calendar, sections, trees) and by contribution search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from scrapy import Request
from scrapy.http import Response

from spiders.api import next_skip
from spiders.api_spider import ApiSpider, api_callback, split_list
from spiders.base import DEFAULT_LOOKBACK_DAYS
from spiders.hansard_json import (
    SOURCE,
    parse_debate,
    root_debate_ids,
    search_page,
    section_names,
    sitting_days,
)
from spiders.items import DocumentBatch, Reject

HOUSES = ("Commons", "Lords")
MODES = ("dates", "search")
SEARCH_KEY = "search:last_day"


def months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """Every (year, month) from `start` to `end`, inclusive."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def day_key(house: str) -> str:
    """The crawl_state key holding a house's last fully stored sitting day."""
    return f"last_day:{house}"


class HansardSpider(ApiSpider):
    """Walks sitting days house by house and searches contributions by term; each debate is fetched once."""

    name = SOURCE
    default_base_url = "https://hansard-api.parliament.uk/"
    default_page_size = 50

    def __init__(
        self,
        *args,
        houses: str | None = None,
        mode: str | None = None,
        contribution_types: str | None = None,
        **kwargs,
    ):
        self.houses = split_list(houses, ",") or list(HOUSES)
        self.modes = split_list(mode, ",") or list(MODES)
        self.contribution_types = split_list(contribution_types, ",") or ["Spoken"]
        bad = [h for h in self.houses if h not in HOUSES] + [m for m in self.modes if m not in MODES]
        if bad:
            raise ValueError(f"hansard: unknown house or mode {bad}; houses {HOUSES}, modes {MODES}")
        super().__init__(*args, **kwargs)
        self.requested: dict[str, dict] = {}

    def start_of(self, key: str) -> dt.date:
        """The first day a window asks for (a lookback when the window is open-ended)."""
        return self.window_start(key) or self.until - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS)

    async def start(self):
        """Calendar months per house, then one contribution search per term and type."""
        for item in self._start_requests():
            yield item

    def _start_requests(self) -> Iterator:
        """The first requests of every unit, each unit held open until all of them are out."""
        if "dates" in self.modes:
            for house in self.houses:
                unit = ("dates", house)
                self.progress.add(unit)
                for year, month in months(self.start_of(day_key(house)), self.until):
                    params = {"year": year, "month": month, "house": house}
                    yield from self.follow(
                        "overview/calendar.json", params, self.parse_calendar, unit, house=house
                    )
                yield from self.finish(unit)
        if "search" in self.modes:
            self.progress.add("search")
            for term in self.terms:
                for kind in self.contribution_types:
                    yield from self._search(term, kind, 0)
            yield from self.finish("search")

    def _search(self, term: str, kind: str, skip: int) -> Iterator:
        """One page of contributions of `kind` containing `term` in the search window."""
        params = {
            "queryParameters.searchTerm": term,
            "queryParameters.startDate": self.start_of(SEARCH_KEY).isoformat(),
            "queryParameters.endDate": self.until.isoformat(),
            "queryParameters.orderBy": "SittingDateAsc",
            "queryParameters.skip": skip,
            "queryParameters.take": self.page_size,
        }
        yield from self.follow(
            f"search/contributions/{kind}.json",
            params,
            self.parse_search,
            "search",
            term=term,
            kind=kind,
            skip=skip,
        )

    @api_callback
    def parse_calendar(self, response: Response, payload, house: str):
        """Sitting days of one month in the window: ask for each day's sections."""
        start = self.start_of(day_key(house))
        for day in sitting_days(payload):
            if self.in_window(dt.date.fromisoformat(day), start):
                yield from self.follow(
                    "overview/sectionsforday.json",
                    {"date": day, "house": house},
                    self.parse_sections,
                    response.meta["unit"],
                    house=house,
                    day=day,
                )

    @api_callback
    def parse_sections(self, response: Response, payload, house: str, day: str):
        """Each section of a sitting day: ask for its tree of debates."""
        for section in section_names(payload):
            params = {"section": section, "date": day, "house": house}
            yield from self.follow(
                "overview/sectiontrees.json", params, self.parse_tree, response.meta["unit"]
            )

    @api_callback
    def parse_tree(self, response: Response, payload):
        """Each top-level debate of a section tree (its child debates come inside it)."""
        for ext_id in root_debate_ids(payload):
            yield from self.debate(ext_id, response.meta["unit"])

    @api_callback
    def parse_search(self, response: Response, payload, term: str, kind: str, skip: int):
        """The debates of one page of search results, then the next page until the total."""
        ids, count, total = search_page(payload)
        for ext_id in ids:
            yield from self.debate(ext_id, "search")
        following = next_skip(skip, count, total)
        if following is not None:
            yield from self._search(term, kind, following)

    def debate(self, ext_id: str, unit) -> Iterator:
        """A request for one debate; a debate already asked for is waited on, not fetched again."""
        if ext_id.lower() in self.requested:
            self.share_request(self.requested[ext_id.lower()], unit)
            return
        for out in self.follow(f"debates/debate/{ext_id}.json", None, self.parse_debate, unit):
            if isinstance(out, Request):
                self.requested[ext_id.lower()] = out.meta
            yield out

    @api_callback
    def parse_debate(self, response: Response, payload):
        """Store a debate and its child debates; items that cannot be used are rejected."""
        url = response.meta["api_url"]
        parsed = parse_debate(payload, url)
        for document in parsed.documents:
            self.requested.setdefault(document["native_id"], response.meta)
        for problem in parsed.problems:
            self.fail_request(response.meta)
            yield Reject(SOURCE, url, problem.split(":")[0], problem)
        yield DocumentBatch(SOURCE, url, parsed.documents)

    def unit_complete(self, unit) -> dict[str, str] | None:
        """A whole house window moves that house's mark; a whole search moves the search mark."""
        return self.mark_state(SEARCH_KEY if unit == "search" else day_key(unit[1]))
