"""Bills API spider: bills found by search term, their stages, and every amendment with its detail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.api import MissingField, api_date, expect, in_window, next_skip
from spiders.api_spider import ApiSpider, api_callback, taxonomy_terms, truthy
from spiders.bills_json import SOURCE, amendment_records, bill_row, stage_row
from spiders.items import DocumentBatch

BILL_TITLES = (
    "Domestic Abuse",
    "Stalking Protection",
    "Police, Crime, Sentencing and Courts",
    "Victims and Prisoners",
    "Crime and Policing",
)


def bill_key(bill_id: Any) -> str:
    """The crawl_state key holding the `lastUpdate` of a bill whose stages and amendments are all stored."""
    return f"last_update:bill/{bill_id}"


class BillsSpider(ApiSpider):
    """Searches bills by term; for each bill updated since it was last stored, walks stages and amendments."""

    name = SOURCE
    default_base_url = "https://bills-api.parliament.uk/api/v1/"

    def __init__(self, *args, amendment_details: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.details = amendment_details is None or truthy(amendment_details)
        self.bills: dict[int, dict[str, Any]] = {}

    def default_terms(self) -> list[str]:
        """The campaign's bills by title, then the taxonomy's search terms."""
        return list(dict.fromkeys([*BILL_TITLES, *taxonomy_terms()]))

    async def start(self):
        """One bill search per term."""
        for term in self.terms:
            for request in self._search(term, 0):
                yield request

    def _search(self, term: str, skip: int) -> Iterator:
        """One page of bills matching `term`, most recently updated first."""
        params = {
            "SearchTerm": term,
            "SortOrder": "DateUpdatedDescending",
            "Skip": skip,
            "Take": self.page_size,
        }
        yield from self.follow("Bills", params, self.parse_bills, "search", term=term, skip=skip)

    @api_callback
    def parse_bills(self, response: Response, payload, term: str, skip: int):
        """Store each new or updated bill in the window and walk its stages; then the next page."""
        items = expect(payload, list, "items")
        for item in items:
            try:
                bill = bill_row(item)
            except MissingField as error:
                yield self.item_reject(response, error)
                continue
            if self.wanted(bill):
                self.bills[bill["bill_id"]] = bill
                yield DocumentBatch(SOURCE, response.meta["api_url"], records={"bills": [bill]})
                yield from self._walk_bill(bill)
        following = next_skip(skip, len(items), payload.get("totalResults"))
        if following is not None:
            yield from self._search(term, following)

    def wanted(self, bill: dict[str, Any]) -> bool:
        """A bill not yet seen this run, updated since --since, and changed since it was last stored."""
        if bill["bill_id"] in self.bills:
            return False
        if not in_window(api_date(bill["last_update"]), self.since, None):
            return False
        return self.full_refresh or self.marks.get(bill_key(bill["bill_id"])) != bill["last_update"]

    def _walk_bill(self, bill: dict[str, Any], skip: int = 0) -> Iterator:
        """Ask for one page of a bill's stages, holding the bill's unit open meanwhile."""
        unit = ("bill", bill["bill_id"])
        self.progress.add(unit)
        yield from self.follow(
            f"Bills/{bill['bill_id']}/Stages",
            {"Skip": skip, "Take": self.page_size},
            self.parse_stages,
            unit,
            bill=bill,
            skip=skip,
        )
        yield from self.finish(unit)

    @api_callback
    def parse_stages(self, response: Response, payload, bill: dict[str, Any], skip: int):
        """Store a page of stages, ask for each stage's amendments, then the next page of stages."""
        items = expect(payload, list, "items")
        stages = []
        for item in items:
            try:
                stages.append(stage_row(item, bill["bill_id"]))
            except MissingField as error:
                yield self.item_reject(response, error)
        yield DocumentBatch(SOURCE, response.meta["api_url"], records={"bill_stages": stages})
        for stage in stages:
            yield from self._amendments(bill, stage, 0, response.meta["unit"])
        following = next_skip(skip, len(items), payload.get("totalResults"))
        if following is not None:
            yield from self._walk_bill(bill, following)

    def _amendments(self, bill: dict[str, Any], stage: dict[str, Any], skip: int, unit) -> Iterator:
        """One page of a stage's amendments."""
        path = f"Bills/{bill['bill_id']}/Stages/{stage['bill_stage_id']}/Amendments"
        yield from self.follow(
            path,
            {"Skip": skip, "Take": self.page_size},
            self.parse_amendments,
            unit,
            bill=bill,
            stage=stage,
            skip=skip,
        )

    @api_callback
    def parse_amendments(
        self, response: Response, payload, bill: dict[str, Any], stage: dict[str, Any], skip: int
    ):
        """Ask for each amendment's detail (or store the list entry), then the next page."""
        items = expect(payload, list, "items")
        unit = response.meta["unit"]
        for number, item in enumerate(items):
            if not isinstance(item, dict) or item.get("amendmentId") is None:
                yield self.item_reject(
                    response, MissingField(f"amendment #{skip + number} has no 'amendmentId'")
                )
            elif self.details:
                stage_path = f"Bills/{bill['bill_id']}/Stages/{stage['bill_stage_id']}"
                path = f"{stage_path}/Amendments/{item['amendmentId']}"
                yield from self.follow(
                    path,
                    None,
                    self.parse_amendment,
                    unit,
                    errback=self.detail_failed,
                    bill=bill,
                    stage=stage,
                    item=item,
                )
            else:
                yield from self._store_amendment(response, item, bill, stage, detailed=False)
        following = next_skip(skip, len(items), payload.get("totalResults"))
        if following is not None:
            yield from self._amendments(bill, stage, following, unit)

    @api_callback
    def parse_amendment(
        self, response: Response, payload, bill: dict[str, Any], stage: dict[str, Any], item: dict[str, Any]
    ):
        """Store one amendment from its detail merged over its list entry."""
        detail = expect(payload, dict)
        yield from self._store_amendment(response, {**item, **detail}, bill, stage, detailed=True)

    def _store_amendment(
        self,
        response: Response,
        amendment: dict[str, Any],
        bill: dict[str, Any],
        stage: dict[str, Any],
        detailed: bool,
    ) -> Iterator:
        """A batch with the amendment's document and its `amendments` row (or a reject)."""
        url = response.meta["api_url"]
        try:
            document, row = amendment_records(amendment, bill, stage, url, detailed)
        except MissingField as error:
            yield self.item_reject(response, error)
            return
        yield DocumentBatch(SOURCE, url, [document], records={"amendments": [row]})

    def detail_failed(self, failure: Failure):
        """Keep the list entry of an amendment whose detail could not be fetched, and record why."""
        kwargs = failure.request.cb_kwargs
        url = failure.request.meta["api_url"]
        document, row = amendment_records(kwargs["item"], kwargs["bill"], kwargs["stage"], url, False)
        yield DocumentBatch(SOURCE, url, [document], records={"amendments": [row]})
        yield from self.request_failed(failure)

    def unit_complete(self, unit) -> dict[str, str] | None:
        """A bill whose stages and amendments are all stored records the `lastUpdate` it was stored at."""
        if unit == "search":
            return None
        bill = self.bills[unit[1]]
        return {"key": bill_key(bill["bill_id"]), "value": bill["last_update"] or ""}
