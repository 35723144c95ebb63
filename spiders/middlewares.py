"""Downloader middleware that waits as long as a server's Retry-After asks before retrying."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.misc import load_object

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date); None if unusable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    """On 429/503 with Retry-After, sleep that long (up to a cap) so the retry that follows is polite."""

    def __init__(self, max_seconds: float):
        self.max_seconds = max_seconds

    @classmethod
    def from_crawler(cls, crawler):
        """Read the cap from RETRY_AFTER_MAX_SECONDS."""
        return cls(crawler.settings.getfloat("RETRY_AFTER_MAX_SECONDS", 300))

    async def process_response(self, request: Request, response: Response, spider: Spider):
        """Wait before handing a throttled response on to RetryMiddleware."""
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response
        if wait > self.max_seconds:
            logger.warning("%s asks us to wait %.0fs (> cap); not waiting", request.url, wait)
            return response
        logger.info("%s: Retry-After %.1fs, waiting before retry", request.url, wait)
        await asyncio.sleep(wait)
        return response


def backoff_seconds(retries_done: int, base: float, cap: float) -> float:
    """Exponential backoff before retry number `retries_done + 1`: base, 2*base, 4*base ... up to `cap`."""
    return min(cap, base * (2 ** retries_done))


class BackoffMiddleware:
    """Waits with exponential backoff before a retry when the server gave no Retry-After to honour."""

    def __init__(self, base: float, cap: float, retry_codes: set[int], max_retries: int,
                 retry_exceptions: tuple[type[BaseException], ...] = ()):
        self.retry_exceptions = retry_exceptions
        self.base = base
        self.cap = cap
        self.retry_codes = retry_codes
        self.max_retries = max_retries
        self.waits: list[float] = []

    @classmethod
    def from_crawler(cls, crawler):
        """Read RETRY_BACKOFF_BASE, RETRY_BACKOFF_MAX and the retry settings RetryMiddleware uses."""
        settings = crawler.settings
        exceptions = tuple(load_object(x) if isinstance(x, str) else x
                           for x in settings.getlist("RETRY_EXCEPTIONS"))
        return cls(settings.getfloat("RETRY_BACKOFF_BASE", 2.0), settings.getfloat("RETRY_BACKOFF_MAX", 60.0),
                   {int(c) for c in settings.getlist("RETRY_HTTP_CODES")}, settings.getint("RETRY_TIMES"),
                   exceptions)

    def _will_retry(self, request: Request) -> bool:
        """Whether RetryMiddleware has a retry left for this request."""
        limit = request.meta.get("max_retry_times", self.max_retries)
        return not request.meta.get("dont_retry") and request.meta.get("retry_times", 0) < limit

    async def _wait(self, request: Request, why: str) -> None:
        """Sleep the backoff for this request's next retry."""
        wait = backoff_seconds(request.meta.get("retry_times", 0), self.base, self.cap)
        self.waits.append(wait)
        logger.info("%s: %s; backing off %.2fs before retrying", request.url, why, wait)
        await asyncio.sleep(wait)

    async def process_response(self, request: Request, response: Response, spider: Spider):
        """Back off before a retryable status is retried, unless Retry-After already set the pace."""
        if (response.status in self.retry_codes and not response.headers.get(b"Retry-After")
                and self._will_retry(request)):
            await self._wait(request, f"HTTP {response.status}")
        return response

    async def process_exception(self, request: Request, exception: Exception, spider: Spider):
        """Back off before a failed download (timeout, dropped connection) is retried."""
        if isinstance(exception, self.retry_exceptions) and self._will_retry(request):
            await self._wait(request, type(exception).__name__)
        return None
