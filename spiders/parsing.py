"""Small text and date helpers shared by the spiders."""

from __future__ import annotations

import datetime as dt
import re

_SPACE = re.compile(r"\s+")
_TIME = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")


def clean_text(text: str | None) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) into single spaces."""
    return _SPACE.sub(" ", (text or "").replace("\xa0", " ")).strip()


def normalise_time(value: str | None) -> str | None:
    """Turn ParlParse times such as `015:47:00` into `15:47:00`; None if not a time."""
    match = _TIME.match((value or "").strip())
    if not match:
        return None
    hours, minutes, seconds = int(match[1]), match[2], match[3] or "00"
    if hours > 23:
        return None
    return f"{hours:02d}:{minutes}:{seconds}"


def parse_date(value: str | None) -> dt.date | None:
    """Parse a `YYYY-MM-DD` string (or None) into a date, raising ValueError on bad input."""
    if value is None or value == "":
        return None
    return dt.date.fromisoformat(value)
