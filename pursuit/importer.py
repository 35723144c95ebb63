"""Import documents given as JSON lines into documents and paragraph passages."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from db import store
from spiders.parsing import clean_text, parse_date

REQUIRED = ("url", "title", "text")
OPTIONAL = ("publisher", "kind", "date", "licence")


class BadLine(ValueError):
    """A JSON line that cannot become a document; the message says why."""


@dataclass
class ImportResult:
    """What an import did: outcome counts and the rejected lines with their reasons."""

    counts: Counter
    rejected: list[tuple[int, str]]


def native_id_from_url(url: str) -> str:
    """A readable id from a URL: host, path and query, without scheme or trailing slash."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        raise BadLine(f"url {url!r} is not an absolute URL")
    tail = parts.path.rstrip("/")
    return f"{parts.netloc}{tail}" + (f"?{parts.query}" if parts.query else "")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines, each with its whitespace tidied."""
    blocks = [clean_text(block) for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def document_from_record(record: Any, source: str) -> dict[str, Any]:
    """Validate one decoded JSON record and build the document with its passages."""
    if not isinstance(record, dict):
        raise BadLine(f"expected a JSON object, got {type(record).__name__}")
    missing = [k for k in REQUIRED if not isinstance(record.get(k), str) or not record[k].strip()]
    if missing:
        raise BadLine(f"missing or empty required field(s): {', '.join(missing)}")
    try:
        date = parse_date(record.get("date"))
    except (TypeError, ValueError) as error:
        raise BadLine(f"date {record.get('date')!r} is not YYYY-MM-DD") from error
    native = native_id_from_url(record["url"])
    doc_id = store.document_id(source, native)
    document = {
        "id": doc_id, "source": source, "native_id": native,
        "kind": record.get("kind") or "document", "title": clean_text(record["title"]),
        "date": date.isoformat() if date else None, "house": None, "chamber": None,
        "publisher": record.get("publisher"), "url": record["url"], "official_url": None,
        "source_url": record["url"], "licence": record.get("licence"), "parent_id": None,
        "meta": {k: v for k, v in record.items() if k not in (*REQUIRED, *OPTIONAL)} or None,
    }
    document["passages"] = [
        {
            "id": f"{doc_id}/p{n}", "position": n, "kind": "paragraph", "text": paragraph,
            "permalink": record["url"], "speaker_name": None,
        }
        for n, paragraph in enumerate(split_paragraphs(record["text"]), start=1)
    ]
    return document


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Non-blank raw lines of a file with their 1-based numbers."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def import_jsonl(db, path: Path, source: str = "import") -> ImportResult:
    """Store every good line of a JSON lines file; record each bad line in rejects and go on."""
    counts: Counter = Counter()
    rejected: list[tuple[int, str]] = []
    for number, line in read_lines(path):
        location = f"{path}:{number}"
        try:
            document = document_from_record(json.loads(line.decode("utf-8")), source)
        except (UnicodeDecodeError, json.JSONDecodeError, BadLine) as error:
            reason = f"line {number}: {error}"
            rejected.append((number, reason))
            with db.atomic():
                store.record_reject(
                    db, source, location, reason, line[:500].decode("utf-8", "replace")
                )
            continue
        with db.atomic():
            counts[store.save_document(db, document, document.pop("passages"))] += 1
    counts["rejected"] = len(rejected)
    return ImportResult(counts, rejected)
