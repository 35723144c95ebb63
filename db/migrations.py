"""Named, ordered schema migrations; each runs once and is recorded in `_migrations`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from db import shape

Migration = tuple[str, Callable[[sqlite_utils.Database], None]]


def _create_documents(db: sqlite_utils.Database) -> None:
    """Documents: one per source document (debate section, answer, statement, publication)."""
    db["documents"].create(
        {
            "id": str, "source": str, "native_id": str, "kind": str, "title": str,
            "date": str, "house": str, "chamber": str, "publisher": str, "url": str,
            "official_url": str, "source_url": str, "licence": str, "parent_id": str,
            "content_hash": str, "first_seen": str, "updated_at": str, "meta": str,
        },
        pk="id",
        not_null={"source", "native_id"},
        if_not_exists=True,
    )


def _create_passages(db: sqlite_utils.Database) -> None:
    """Passages: the citable units (a speech, a question, an answer, a paragraph), quote first."""
    db["passages"].create(
        {
            "id": str, "date": str, "speaker_name": str, "text": str, "document_title": str,
            "house": str, "document_kind": str, "kind": str, "office": str, "party": str,
            "column_number": str, "time": str, "permalink": str, "official_url": str,
            "document_id": str, "source": str, "position": int, "year": int,
            "speaker_id": str, "person_id": str, "content_hash": str, "meta": str,
        },
        pk="id",
        not_null={"document_id", "text"},
        foreign_keys=[("document_id", "documents", "id")],
        if_not_exists=True,
    )


def _create_bookkeeping(db: sqlite_utils.Database) -> None:
    """Revisions, crawl runs, crawl state, rejects, gid redirects and division votes."""
    db["revisions"].create(
        {
            "id": int, "document_id": str, "revised_at": str, "reason": str,
            "old_content_hash": str, "new_content_hash": str, "snapshot": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["crawl_runs"].create(
        {
            "id": int, "source": str, "started_at": str, "finished_at": str, "status": str,
            "arguments": str, "items_new": int, "items_changed": int, "items_unchanged": int,
            "items_rejected": int, "errors": int, "note": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["crawl_state"].create(
        {"source": str, "key": str, "value": str, "updated_at": str},
        pk=("source", "key"),
        if_not_exists=True,
    )
    db["rejects"].create(
        {
            "id": str, "source": str, "url": str, "reason": str, "detail": str,
            "first_seen": str, "last_seen": str, "times_seen": int, "run_id": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["redirects"].create(
        {"old_id": str, "new_id": str, "matchtype": str, "source": str, "seen_at": str},
        pk="old_id",
        if_not_exists=True,
    )
    db["division_votes"].create(
        {"division_id": str, "voter_id": str, "voter_name": str, "vote": str, "teller": int},
        pk=("division_id", "voter_id", "vote"),
        if_not_exists=True,
    )


def _add_passage_page(db: sqlite_utils.Database) -> None:
    """Passages gain `page`: the page of a PDF a passage was read from, for citations."""
    if "page" not in db["passages"].columns_dict:
        db["passages"].add_column("page", int)


MIGRATIONS: list[Migration] = [
    ("0001_documents", _create_documents),
    ("0002_passages", _create_passages),
    ("0003_bookkeeping", _create_bookkeeping),
    ("0004_indexes", shape.ensure_indexes),
    ("0005_passages_fts", shape.ensure_fts),
    ("0006_passages_page", _add_passage_page),
]


def applied(db: sqlite_utils.Database) -> set[str]:
    """Names of the migrations already applied to `db`."""
    if not db["_migrations"].exists():
        return set()
    return {row["name"] for row in db["_migrations"].rows}


def pending(db: sqlite_utils.Database) -> list[Migration]:
    """Migrations not yet applied, in order."""
    done = applied(db)
    return [m for m in MIGRATIONS if m[0] not in done]


def backup_before_migrating(db: sqlite_utils.Database, path: Path) -> Path:
    """Copy the database to `<name>.before-<timestamp>.bak` with VACUUM INTO; return the copy's path."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.before-{stamp}.bak")
    db.execute("VACUUM INTO ?", [str(target)])
    return target


def migrate(db: sqlite_utils.Database, path: Path | None = None) -> list[str]:
    """Apply pending migrations, each in its own transaction; back up first if data exists."""
    todo = pending(db)
    if not todo:
        return []
    if path is not None and applied(db):
        backup_before_migrating(db, path)
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    for name, step in todo:
        with db.atomic():
            step(db)
            db["_migrations"].insert(
                {"name": name, "applied_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            )
    return [name for name, _ in todo]
