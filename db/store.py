"""Every write to the database: upserts of documents and passages, revisions, rejects, crawl state."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

DOCUMENT_CONTENT_FIELDS = (
    "kind", "title", "date", "house", "chamber", "publisher", "url", "official_url",
    "licence", "parent_id", "meta",
)
PASSAGE_CONTENT_FIELDS = (
    "id", "position", "kind", "speaker_name", "speaker_id", "person_id", "party", "office",
    "column_number", "time", "permalink", "official_url", "text", "meta",
)
PASSAGE_OPTIONAL_FIELDS = ("page",)  # hashed only when set, so older passages keep their hashes
DENORMALISED_FIELDS = ("source", "date", "house")
SOURCE_NOTE_PREFIX = "change note at source: "

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _json(value: Any) -> str | None:
    """Serialise a meta value to canonical JSON text (None stays None)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _digest(value: Any) -> str:
    """Hex SHA-256 of the canonical JSON of `value`."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passage_hash(passage: dict[str, Any]) -> str:
    """Content hash of one passage: what it says and where it sits, nothing volatile."""
    content = {k: _json(passage.get(k)) for k in PASSAGE_CONTENT_FIELDS}
    content.update({k: passage[k] for k in PASSAGE_OPTIONAL_FIELDS if passage.get(k) is not None})
    return _digest(content)


def document_hash(document: dict[str, Any], passages: list[dict[str, Any]]) -> str:
    """Content hash of a document and all its passages, in order."""
    head = {k: _json(document.get(k)) for k in DOCUMENT_CONTENT_FIELDS}
    return _digest({"document": head, "passages": [passage_hash(p) for p in passages]})


def document_id(source: str, native_id: str) -> str:
    """The stable readable id `{source}/{native id}`."""
    return f"{source}/{native_id}"


def _passage_row(document: dict[str, Any], passage: dict[str, Any]) -> dict[str, Any]:
    """A passages row: the passage plus the document fields that facets and search need."""
    row = {k: passage.get(k) for k in (*PASSAGE_CONTENT_FIELDS, *PASSAGE_OPTIONAL_FIELDS)}
    row["meta"] = _json(row["meta"])
    row["document_id"] = document["id"]
    for field in DENORMALISED_FIELDS:
        row[field] = document.get(field)
    date = document.get("date") or ""
    row["year"] = int(date[:4]) if date[:4].isdigit() else None
    row["document_kind"] = document.get("kind")
    row["document_title"] = document.get("title")
    row["content_hash"] = passage_hash(passage)
    return row


def snapshot(db: sqlite_utils.Database, doc_id: str) -> dict[str, Any] | None:
    """The stored document and its passages as one JSON-ready dict, or None if absent."""
    rows = list(db.query("select * from documents where id = ?", [doc_id]))
    if not rows:
        return None
    passages = list(
        db.query("select * from passages where document_id = ? order by position", [doc_id])
    )
    return {"document": rows[0], "passages": passages}


def _record_revision(
    db: sqlite_utils.Database, doc_id: str, old: dict[str, Any], new_hash: str | None, reason: str
) -> None:
    """Append the previous version of a document to `revisions`."""
    db["revisions"].insert(
        {
            "document_id": doc_id,
            "revised_at": now_iso(),
            "reason": reason,
            "old_content_hash": old["document"]["content_hash"],
            "new_content_hash": new_hash,
            "snapshot": json.dumps(old, ensure_ascii=False),
        }
    )


def save_document(
    db: sqlite_utils.Database, document: dict[str, Any], passages: list[dict[str, Any]]
) -> str:
    """Upsert a document and its passages; keep the old version in `revisions` if it changed."""
    doc_id = document["id"]
    new_hash = document_hash(document, passages)
    old = snapshot(db, doc_id)
    if old is not None and old["document"]["content_hash"] == new_hash:
        return UNCHANGED
    row = {k: document.get(k) for k in ("id", "source", "native_id", *DOCUMENT_CONTENT_FIELDS)}
    row.update(
        meta=_json(document.get("meta")),
        source_url=document.get("source_url"),
        content_hash=new_hash,
        updated_at=now_iso(),
    )
    if old is None:
        row["first_seen"] = row["updated_at"]
    else:
        _record_revision(db, doc_id, old, new_hash, "content changed at source")
    db["documents"].upsert(row, pk="id")
    rows = [_passage_row(document, p) for p in passages]
    _delete_missing_passages(db, doc_id, {r["id"] for r in rows})
    db["passages"].upsert_all(rows, pk="id")
    return NEW if old is None else CHANGED


def save_change_notes(db: sqlite_utils.Database, doc_id: str, notes: Iterable[dict[str, str]]) -> int:
    """Record a source's own change history (`revised_at`, `note`) as revisions, each once; count new ones."""
    added = 0
    for note in notes:
        reason = SOURCE_NOTE_PREFIX + note["note"]
        seen = db.execute(
            "select 1 from revisions where document_id = ? and revised_at = ? and reason = ?",
            [doc_id, note["revised_at"], reason],
        ).fetchone()
        if not seen:
            row = {"document_id": doc_id, "revised_at": note["revised_at"], "reason": reason}
            db["revisions"].insert(row)
            added += 1
    return added


def document_ids(db: sqlite_utils.Database, source: str) -> set[str]:
    """The ids of every stored document of `source`."""
    return {row["id"] for row in db.query("select id from documents where source = ?", [source])}


def _delete_missing_passages(db: sqlite_utils.Database, doc_id: str, keep: set[str]) -> None:
    """Delete this document's stored passages whose ids are not in `keep`."""
    stored = [r["id"] for r in db.query("select id from passages where document_id = ?", [doc_id])]
    for passage_id in stored:
        if passage_id not in keep:
            db["passages"].delete(passage_id)


def retire_document(db: sqlite_utils.Database, doc_id: str, reason: str) -> bool:
    """Move a stored document and its passages into `revisions` and remove them; False if absent."""
    old = snapshot(db, doc_id)
    if old is None:
        return False
    _record_revision(db, doc_id, old, None, reason)
    db.execute("delete from passages where document_id = ?", [doc_id])
    db["documents"].delete(doc_id)
    return True


def save_redirects(
    db: sqlite_utils.Database, source: str, redirects: Iterable[dict[str, str]]
) -> int:
    """Record new old-id -> new-id redirects (a known one is not written again) and retire any stored
    document under an old id."""
    retired = 0
    for redirect in redirects:
        row = {**redirect, "source": source}
        known = list(db.query("select * from redirects where old_id = ?", [redirect["old_id"]]))
        if not known or any(known[0].get(k) != v for k, v in row.items()):
            db["redirects"].upsert({**row, "seen_at": now_iso()}, pk="old_id")
        if redirect["old_id"] != redirect["new_id"]:
            reason = f"superseded by {redirect['new_id']}"
            retired += retire_document(db, redirect["old_id"], reason)
    return retired


def _vote_key(row: dict[str, Any]) -> tuple[str, ...]:
    """A division vote row as comparable text."""
    return tuple(str(row.get(c)) for c in ("division_id", "voter_id", "voter_name", "vote", "teller"))


def save_votes(db: sqlite_utils.Database, division_id: str, votes: list[dict[str, Any]]) -> None:
    """Replace the stored votes of one division with `votes` (no write when they are the stored ones)."""
    rows = [{**vote, "division_id": division_id} for vote in votes]
    stored = list(db.query("select * from division_votes where division_id = ?", [division_id]))
    if sorted(map(_vote_key, stored)) == sorted(map(_vote_key, rows)):
        return
    db.execute("delete from division_votes where division_id = ?", [division_id])
    db["division_votes"].upsert_all(rows, pk=("division_id", "voter_id", "vote"))


RECORD_KEYS: dict[str, str] = {
    "bills": "bill_id",
    "bill_stages": "bill_stage_id",
    "amendments": "id",
    "questions": "id",
}


def save_records(db: sqlite_utils.Database, records: dict[str, list[dict[str, Any]]]) -> None:
    """Upsert rows of the sources' own tables (bills, bill_stages, amendments, questions) by their keys."""
    for table, rows in records.items():
        if table not in RECORD_KEYS:
            raise ValueError(f"no such record table {table!r}; known: {sorted(RECORD_KEYS)}")
        if rows:
            db[table].upsert_all(rows, pk=RECORD_KEYS[table])


def record_reject(
    db: sqlite_utils.Database,
    source: str,
    url: str,
    reason: str,
    detail: str | None = None,
    run_id: int | None = None,
) -> str:
    """Keep a rejected input with its reason; the same reject seen again is counted, not duplicated."""
    reject_id = hashlib.sha1(f"{source}\n{url}\n{reason}".encode()).hexdigest()[:16]
    seen = now_iso()
    existing = list(db.query("select times_seen from rejects where id = ?", [reject_id]))
    if existing:
        db["rejects"].update(
            reject_id,
            {"last_seen": seen, "times_seen": existing[0]["times_seen"] + 1, "run_id": run_id},
        )
    else:
        db["rejects"].insert(
            {
                "id": reject_id, "source": source, "url": url, "reason": reason,
                "detail": detail, "first_seen": seen, "last_seen": seen, "times_seen": 1,
                "run_id": run_id,
            }
        )
    return reject_id


def get_state(db: sqlite_utils.Database, source: str, key: str) -> str | None:
    """The stored high-water mark (or other state) of `source` under `key`, if any."""
    rows = list(
        db.query("select value from crawl_state where source = ? and key = ?", [source, key])
    )
    return rows[0]["value"] if rows else None


def get_states(db: sqlite_utils.Database, source: str) -> dict[str, str]:
    """Every stored state value of `source`, by key."""
    return {
        row["key"]: row["value"]
        for row in db.query("select key, value from crawl_state where source = ?", [source])
    }


def set_state(db: sqlite_utils.Database, source: str, key: str, value: str) -> None:
    """Store a state value for `source` (no write if unchanged); call inside the data's transaction."""
    if get_state(db, source, key) == value:
        return
    db["crawl_state"].upsert(
        {"source": source, "key": key, "value": value, "updated_at": now_iso()},
        pk=("source", "key"),
    )


def start_run(db: sqlite_utils.Database, source: str, arguments: dict[str, Any]) -> int:
    """Open a `crawl_runs` row for `source` and return its id."""
    with db.atomic():
        table = db["crawl_runs"].insert(
            {
                "source": source, "started_at": now_iso(), "status": "running",
                "arguments": json.dumps(arguments, sort_keys=True, default=str),
                "items_new": 0, "items_changed": 0, "items_unchanged": 0,
                "items_rejected": 0, "errors": 0,
            }
        )
    return int(table.last_pk)


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    counts: dict[str, int],
    status: str,
    note: str | None = None,
) -> None:
    """Close a `crawl_runs` row with its counts, final status and an optional note."""
    fields = {f"items_{k}": counts.get(k, 0) for k in (NEW, CHANGED, UNCHANGED, "rejected")}
    with db.atomic():
        db["crawl_runs"].update(
            run_id,
            {
                **fields, "errors": counts.get("errors", 0), "status": status,
                "finished_at": now_iso(), "note": note,
            },
        )
