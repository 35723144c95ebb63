"""The base every pursuit spider shares: the crawl window, --load, --base-url and failure records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from scrapy import Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from spiders.items import Reject
from spiders.parsing import parse_date

DEFAULT_LOOKBACK_DAYS = 14
ERROR_BUDGET_REASON = "error budget exceeded"


class PursuitSpider(Spider):
    """A spider with a date window, an optional local load path and an overridable base URL."""

    default_base_url = ""

    def __init__(
        self,
        db_path: str,
        run_id: int | None = None,
        since: str | None = None,
        until: str | None = None,
        load: str | None = None,
        base_url: str | None = None,
        full_refresh: bool | str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.db_path = db_path
        self.run_id = run_id
        self.since = parse_date(since)
        self.until = parse_date(until) or dt.date.today()
        self.load = Path(load) if load else None
        self.base_url = (base_url or self.default_base_url).rstrip("/") + "/"
        self.full_refresh = str(full_refresh).lower() in ("1", "true", "yes")
        self.download_failures = 0

    @property
    def base_url_overridden(self) -> bool:
        """Whether --base-url points the spider somewhere other than the live source."""
        return self.base_url != self.default_base_url.rstrip("/") + "/"

    def in_window(self, day: dt.date, since: dt.date | None) -> bool:
        """Whether `day` lies in [since, until] (no lower bound when since is None)."""
        return (since is None or day >= since) and day <= self.until

    def spend_error_budget(self) -> None:
        """Close this spider (only this source) once its download failures reach PURSUIT_ERROR_BUDGET."""
        crawler = getattr(self, "crawler", None)
        if crawler is None or getattr(self, "budget_spent", False):
            return
        budget = crawler.settings.getint("PURSUIT_ERROR_BUDGET", 0)
        if budget and self.download_failures >= budget:
            self.budget_spent = True
            self.logger.error("%s: %d download failures reached the error budget (%d); closing this source",
                              self.name, self.download_failures, budget)
            reason = f"{ERROR_BUDGET_REASON} ({budget} download failures)"
            deferred_from_coro(crawler.engine.close_spider_async(reason=reason))

    @staticmethod
    def is_refused(failure: Failure) -> bool:
        """Whether the request was dropped before download (robots.txt forbids it), not a failure to retry."""
        return bool(failure.check(IgnoreRequest)) and not failure.check(HttpError)

    def failure_to_reject(self, failure: Failure) -> Reject:
        """Turn a failed request (after its retries) into a Reject naming the URL and the error."""
        self.download_failures += 1
        self.spend_error_budget()
        request = failure.request if hasattr(failure, "request") else None
        response = getattr(failure.value, "response", None)
        url = request.url if request is not None else "(unknown URL)"
        if self.is_refused(failure):
            reason = "forbidden by robots.txt"
        elif response is not None:
            reason = f"HTTP {response.status} after retries"
        else:
            reason = f"download failed: {failure.type.__name__}"
        return Reject(self.name, url, reason, failure.getErrorMessage())
