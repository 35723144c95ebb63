"""What spiders yield: a batch of documents stored in one transaction, or a reject."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class DocumentBatch:
    """Documents (each with its `passages` list) from one fetched file, saved atomically.

    `records` holds rows for the source's own tables (e.g. bills, amendments), keyed by table name.
    """

    source: str
    url: str
    documents: list[dict[str, Any]] = field(default_factory=list)
    redirects: list[dict[str, str]] = field(default_factory=list)
    votes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    state: dict[str, str] | None = None
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Reject:
    """Input that could not be used, with where it came from and why."""

    source: str
    url: str
    reason: str
    detail: str | None = None
