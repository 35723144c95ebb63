"""Downloader middleware that waits as long as a server's Retry-After asks before retrying."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time

from scrapy import Request, Spider
from scrapy.http import Response

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
