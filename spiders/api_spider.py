"""The base of the spiders over Parliament's JSON APIs: requests, saved responses, units of work, rejects."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from db import store
from db.connect import open_db
from spiders.api import ApiError, MissingField, api_url, load_json, request_key
from spiders.base import DEFAULT_LOOKBACK_DAYS, PursuitSpider
from spiders.items import DocumentBatch, Reject
from spiders.progress import Progress

INDEX_FILE = "index.json"
TRUE_WORDS = {"1", "true", "yes", "on"}


def truthy(value: Any) -> bool:
    """A spider argument read as a yes/no flag."""
    return str(value).strip().lower() in TRUE_WORDS if value is not None else False


def split_list(value: str | None, separator: str = ";") -> list[str] | None:
    """A spider argument split into stripped non-empty parts; None when the argument was not given."""
    if value is None:
        return None
    return [part.strip() for part in value.split(separator) if part.strip()]


def taxonomy_terms() -> list[str]:
    """The taxonomy's search terms (imported lazily: only spiders that search by term need them)."""
    from nlp.taxonomy import search_terms

    return search_terms()


def new_sharing() -> dict[str, Any]:
    """A fresh record of which other units wait on a request, and how it ended."""
    return {"also": [], "closed": False, "failed": False}


def api_callback(method: Callable) -> Callable:
    """Decode the JSON body for `method`, turn an error in the response into a reject, then close its unit."""

    @functools.wraps(method)
    def wrapper(self: ApiSpider, response: Response, **kwargs):
        try:
            yield from method(self, response, load_json(response.body), **kwargs)
        except ApiError as error:
            self.fail_request(response.meta)
            yield self.reject(response, str(error))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            self.fail_request(response.meta)
            self.logger.exception("%s: unexpected response at %s", self.name, response.url)
            yield self.reject(response, f"unexpected response: {type(error).__name__}: {error}")
        yield from self.close_request(response.meta)

    return wrapper


class ApiSpider(PursuitSpider):
    """A PursuitSpider for a JSON API: `terms`, `page_size` and `full_refresh` arguments, replayable."""

    default_page_size = 20

    def __init__(
        self,
        *args,
        terms: str | None = None,
        page_size: str | None = None,
        full_refresh: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        given = split_list(terms)
        self.terms = self.default_terms() if given is None else given
        self.page_size = int(page_size) if page_size else self.default_page_size
        self.full_refresh = truthy(full_refresh)
        self.progress = Progress()
        self.index, self.index_path = self._read_index()
        self.marks = self._read_marks()

    def default_terms(self) -> list[str]:
        """The search terms used when none are given: the taxonomy's."""
        return taxonomy_terms()

    def _read_index(self) -> tuple[dict[str, str], Path | None]:
        """The saved-responses index (request key -> file) under --load, or an empty one."""
        if not self.load:
            return {}, None
        path = self.load if self.load.is_file() else self.load / INDEX_FILE
        try:
            index = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{self.name}: cannot read saved-response index {path}: {error}") from error
        return index, path

    def _read_marks(self) -> dict[str, str]:
        """Every crawl_state value this source has stored, by key."""
        db = open_db(self.db_path)
        try:
            return store.get_states(db, self.name)
        finally:
            db.close()

    def window_start(self, key: str) -> dt.date | None:
        """Where a window starts: --since, else the stored mark, else a short lookback from --until."""
        if self.since or self.full_refresh:
            return self.since
        mark = self.marks.get(key)
        return dt.date.fromisoformat(mark) if mark else self.until - dt.timedelta(days=DEFAULT_LOOKBACK_DAYS)

    def advances_mark(self, key: str) -> bool:
        """A window may move a mark only if it started at or before it (so no gap is skipped)."""
        mark, start = self.marks.get(key), self.window_start(key)
        return mark is None or (start is not None and start.isoformat() <= mark)

    def mark_state(self, key: str) -> dict[str, str] | None:
        """The state that records a whole window up to --until, if that moves the mark forward."""
        value = min(self.until, dt.date.today()).isoformat()
        if not self.advances_mark(key) or value <= self.marks.get(key, ""):
            return None
        return {"key": key, "value": value}

    def follow(
        self,
        path: str,
        params: dict[str, Any] | None,
        callback: Callable,
        unit: Hashable,
        errback: Callable | None = None,
        **cb_kwargs,
    ) -> Iterator[Request | Reject]:
        """A request for an API path, or for its saved copy under --load, counted against `unit`."""
        url = api_url(self.base_url, path, params)
        target = url
        if self.load:
            saved = self.index.get(request_key(url, self.base_url))
            if saved is None:
                self.progress.fail(unit)
                yield Reject(
                    self.name,
                    url,
                    "no saved response",
                    f"{request_key(url, self.base_url)} is not in {self.index_path}",
                )
                return
            target = (self.index_path.parent / saved).resolve().as_uri()
        self.progress.add(unit)
        yield Request(
            target,
            callback=callback,
            errback=errback or self.request_failed,
            cb_kwargs=cb_kwargs,
            meta={"unit": unit, "api_url": url, "sharing": new_sharing()},
            headers={"Accept": "application/json"},
            dont_filter=True,
        )

    def share_request(self, meta: dict[str, Any], unit: Hashable) -> None:
        """Make `unit` wait for a request another unit already made (or inherit its failure if it is done).

        The sharing record is one dict that survives Scrapy's copies of a request (retries copy the meta).
        """
        sharing = meta.setdefault("sharing", new_sharing())
        if sharing["closed"]:
            if sharing["failed"]:
                self.progress.fail(unit)
        elif unit != meta["unit"] and unit not in sharing["also"]:
            self.progress.add(unit)
            sharing["also"].append(unit)

    def fail_request(self, meta: dict[str, Any]) -> None:
        """Note that a request failed, for its own unit and every unit waiting on it."""
        sharing = meta.setdefault("sharing", new_sharing())
        sharing["failed"] = True
        for unit in [meta["unit"], *sharing["also"]]:
            self.progress.fail(unit)

    def close_request(self, meta: dict[str, Any]) -> Iterator[DocumentBatch]:
        """Close a request for its own unit and every unit waiting on it."""
        sharing = meta.setdefault("sharing", new_sharing())
        sharing["closed"] = True
        for unit in [meta["unit"], *sharing["also"]]:
            yield from self.finish(unit)

    def reject(self, response: Response, reason: str) -> Reject:
        """A reject for a response, split into a short reason and the full detail."""
        return Reject(self.name, response.meta.get("api_url", response.url), reason.split(":")[0], reason)

    def item_reject(self, response: Response, error: MissingField) -> Reject:
        """A reject for one bad item of a response; its unit will not move the mark."""
        self.fail_request(response.meta)
        return Reject(
            self.name,
            response.meta.get("api_url", response.url),
            f"missing required field: {error}",
            str(error),
        )

    def request_failed(self, failure: Failure):
        """A request that failed after its retries is recorded; its unit will not move the mark."""
        self.fail_request(failure.request.meta)
        reject = self.failure_to_reject(failure)
        reject.url = failure.request.meta.get("api_url", reject.url)
        yield reject
        yield from self.close_request(failure.request.meta)

    def finish(self, unit: Hashable) -> Iterator[DocumentBatch]:
        """Close one request of `unit`; when the unit is whole, store its state change."""
        if self.progress.done(unit):
            state = self.unit_complete(unit)
            if state:
                yield DocumentBatch(self.name, f"state:{state['key']}", state=state)

    def unit_complete(self, unit: Hashable) -> dict[str, str] | None:
        """The crawl_state change earned by a whole unit of work (none by default)."""
        return None
