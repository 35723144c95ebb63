"""Helpers shared by the spiders of Parliament's JSON APIs: decoding, validation, dates, URLs, paging."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

LICENCE = "Open Parliament Licence v3.0"
_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2}))?")


class ApiError(ValueError):
    """A response that cannot be used at all; the first words of the message are the reason."""


class MissingField(ValueError):
    """One item lacks a required field; that item is rejected and the others go on."""


def load_json(body: bytes) -> Any:
    """Decode a JSON response body, raising ApiError('malformed JSON: ...') when it is not JSON."""
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(f"malformed JSON: {error}") from error
    except RecursionError as error:
        raise ApiError("malformed JSON: nested too deeply to decode") from error


def expect(payload: Any, kind: type, key: str | None = None) -> Any:
    """`payload` (or payload[key]) checked to be of `kind`, else ApiError('unexpected shape: ...')."""
    value = payload
    if key is not None:
        if not isinstance(payload, dict) or key not in payload:
            raise ApiError(f"unexpected shape: no {key!r} in the response")
        value = payload[key]
    if not isinstance(value, kind):
        where = f"{key!r}" if key else "the response"
        raise ApiError(f"unexpected shape: {where} is {type(value).__name__}, not {kind.__name__}")
    return value


def require(item: Any, fields: Iterable[str], what: str) -> dict[str, Any]:
    """The item itself when it is an object holding every field (not null), else MissingField."""
    if not isinstance(item, dict):
        raise MissingField(f"{what} is {type(item).__name__}, not an object")
    missing = [f for f in fields if item.get(f) in (None, "")]
    if missing:
        raise MissingField(f"{what} has no {', '.join(repr(f) for f in missing)}")
    return item


def api_date(value: Any) -> str | None:
    """The date part of an ASP.NET timestamp such as `2024-12-11T00:00:00` (UK local time)."""
    match = _ISO.match(value) if isinstance(value, str) else None
    return match[1] if match else None


def api_time(value: Any) -> str | None:
    """The `HH:MM:SS` part of an ASP.NET timestamp, or None."""
    match = _ISO.match(value) if isinstance(value, str) else None
    return match[2] if match and match[2] else None


def in_window(day: str | None, since: dt.date | None, until: dt.date | None) -> bool:
    """Whether an ISO day lies in [since, until]; an unknown day is kept."""
    if not day:
        return True
    date = dt.date.fromisoformat(day)
    return (since is None or date >= since) and (until is None or date <= until)


def api_url(base_url: str, path: str, params: Mapping[str, Any] | None = None) -> str:
    """`base_url` + `path` with the params (None values dropped; lists repeat the key) as a query."""
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs += [(name, _param(v)) for v in values if v is not None]
    query = urlencode(pairs, quote_via=quote)
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}" + (f"?{query}" if query else "")


def _param(value: Any) -> str:
    """A query value as the APIs expect it (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request_key(url: str, base_url: str) -> str:
    """A URL relative to `base_url`, query names lower-cased and sorted: how saved responses are indexed."""
    parts, base = urlsplit(url), urlsplit(base_url)
    path = parts.path
    if path.startswith(base.path.rstrip("/") + "/"):
        path = path[len(base.path.rstrip("/")) + 1 :]
    pairs = sorted((k.lower(), v) for k, v in parse_qsl(parts.query, keep_blank_values=True))
    query = urlencode(pairs, quote_via=quote)
    return path.lstrip("/") + (f"?{query}" if query else "")


def next_skip(skip: int, page_length: int, total: Any) -> int | None:
    """The next page's offset, or None when this page was the last (or empty)."""
    if page_length == 0 or not isinstance(total, int):
        return None
    following = skip + page_length
    return following if following < total else None


def member_id(value: Any) -> str | None:
    """`mnis/<id>` for a positive Members API id, else None."""
    return f"mnis/{value}" if isinstance(value, int) and value > 0 else None


def flag(value: Any) -> int | None:
    """A JSON boolean as 1/0 (None stays None)."""
    return None if value is None else int(bool(value))
