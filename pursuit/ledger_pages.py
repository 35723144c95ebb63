"""The ledger pages' words and rules: the status scale explained, filters read from a query string."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from db.ledger_pages import TOPIC_SCOPES, LedgerFilters
from pursuit.citation import cite

STATUS_MEANINGS = {
    "not yet rated": "No evidence of what followed has been found yet.",
    "in progress": "Later evidence reports work under way.",
    "stalled": "The deadline has passed without delivery, or the latest evidence reports failure.",
    "delivered": "Later evidence reports that the promise was kept.",
    "partly delivered": "Delivery was reported, then criticised as incomplete.",
    "broken": "Later evidence contradicts the promise.",
    "unclear": "The promise was only restated or mentioned again; nothing says what happened.",
}
SCOPE_LABELS = {
    "promise": "in the promise itself",
    "passage": "in the promise or the passage it was made in",
    "document": "anywhere in the document it was made in",
}
ACTOR_KIND_LABELS = {
    "government": "Government and departments",
    "minister": "Ministers speaking",
    "police": "Police bodies",
    "public body": "Other public bodies",
    "member": "Members of Parliament",
}


class FilterError(ValueError):
    """A ledger filter in the address is not valid; the message names the parameter and the value."""


def _date(name: str, value: str) -> str:
    """A YYYY-MM-DD date parameter, checked."""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as error:
        raise FilterError(f"{name}={value!r} is not a date: use YYYY-MM-DD, e.g. 2021-01-01") from error


def read_filters(args: Mapping[str, Sequence[str]], topic_ids: Sequence[str]) -> LedgerFilters:
    """Ledger filters from query-string lists (name -> values), rejecting unknown topics, scopes, statuses
    and malformed dates with a message naming the parameter."""
    def one(name: str) -> str:
        values = [v.strip() for v in args.get(name, []) if v.strip()]
        return values[0] if values else ""

    filters = LedgerFilters(
        topic=one("topic"), topic_scope=one("topic_scope") or "promise", actor=one("actor"),
        actor_kinds=[v for v in args.get("actor_kind", []) if v.strip()], status=one("status"),
        overdue=one("overdue") in ("1", "on", "yes", "true"), words=one("q"),
    )
    if filters.topic and filters.topic not in topic_ids:
        raise FilterError(f"topic={filters.topic!r} is not a topic; choose one of {', '.join(topic_ids)}")
    if filters.topic_scope not in TOPIC_SCOPES:
        raise FilterError(f"topic_scope={filters.topic_scope!r}: use one of {', '.join(TOPIC_SCOPES)}")
    if filters.status and filters.status not in STATUS_MEANINGS:
        scale = ", ".join(STATUS_MEANINGS)
        raise FilterError(f"status={filters.status!r} is not on the status scale ({scale})")
    filters.since = _date("since", one("since")) if one("since") else ""
    filters.until = _date("until", one("until")) if one("until") else ""
    return filters


def page_number(args: Mapping[str, Sequence[str]]) -> int:
    """The ledger page asked for (from 1); anything else is the first page."""
    values = args.get("page") or ["1"]
    return int(values[0]) if values[0].isdigit() and int(values[0]) > 0 else 1


def page_links(filters: LedgerFilters, page: int, total: int, size: int) -> dict[str, Any]:
    """Which rows a ledger page shows (first, last, of how many) and the previous and next pages' links."""
    last_page = max(1, -(-total // size))
    query = filters_query(filters)

    def url(number: int) -> str:
        pairs = [part for part in (query, f"page={number}" if number > 1 else "") if part]
        return "/-/commitments" + ("?" + "&".join(pairs) if pairs else "")

    return {"first": min(total, (page - 1) * size + 1), "last": min(total, page * size), "total": total,
            "page": page, "last_page": last_page,
            "previous_url": url(page - 1) if page > 1 else None,
            "next_url": url(page + 1) if page < last_page else None}


def filters_query(filters: LedgerFilters) -> str:
    """The query string that reproduces these filters (empty when nothing filters)."""
    pairs: list[tuple[str, str]] = []
    if filters.topic:
        pairs += [("topic", filters.topic), ("topic_scope", filters.topic_scope)]
    pairs += [("actor", filters.actor)] if filters.actor else []
    pairs += [("actor_kind", kind) for kind in filters.actor_kinds]
    pairs += [("status", filters.status)] if filters.status else []
    pairs += [("overdue", "1")] if filters.overdue else []
    pairs += [(name, getattr(filters, name)) for name in ("since", "until") if getattr(filters, name)]
    pairs += [("q", filters.words)] if filters.words else []
    return urlencode(pairs)


def describe_filters(filters: LedgerFilters, topic_labels: Mapping[str, str]) -> str:
    """The filters in words, e.g. 'on Stalking (in the promise itself), since 2021-01-01'."""
    parts = []
    if filters.topic:
        label = topic_labels.get(filters.topic, filters.topic)
        parts.append(f"on {label} ({SCOPE_LABELS[filters.topic_scope]})")
    if filters.actor_kinds:
        parts.append("by " + " or ".join(ACTOR_KIND_LABELS.get(k, k).lower() for k in filters.actor_kinds))
    parts += [f"by {filters.actor}"] if filters.actor else []
    parts += [f"with status {filters.status}"] if filters.status else []
    parts += ["overdue"] if filters.overdue else []
    parts += [f"since {filters.since}"] if filters.since else []
    parts += [f"until {filters.until}"] if filters.until else []
    parts += [f"quoting “{filters.words}”"] if filters.words else []
    return ", ".join(parts)


def passage_path(passage_id: str) -> str:
    """The site path of a passage's page (its id URL-encoded, slashes kept as path segments)."""
    return "/-/passage/" + quote(passage_id, safe="/")


def citations(sources: Mapping[str, tuple[Mapping, Mapping]]) -> dict[str, str]:
    """The ready-to-copy OSCOLA citation (pursuit.citation) of each passage, keyed by passage id."""
    return {passage_id: cite(passage, document).text for passage_id, (passage, document) in sources.items()}
