"""Named, ordered schema migrations; each runs once and is recorded in `_migrations`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from db import shape
from db.ledger import create_ledger_tables
from db.page_indexes import create_page_indexes
from db.runs import create_update_tables
from db.tagging import create_mention_facet_indexes, create_tagging_tables, key_embeddings_by_model

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


def _create_bills(db: sqlite_utils.Database) -> None:
    """Bills and their stages, from the Bills API."""
    db["bills"].create(
        {
            "bill_id": int, "short_title": str, "former_short_title": str, "current_house": str,
            "originating_house": str, "last_update": str, "is_act": int, "is_defeated": int,
            "withdrawn": str, "bill_type_id": int, "introduced_session_id": int, "current_stage": str,
            "current_stage_house": str, "url": str,
        },
        pk="bill_id",
        not_null={"short_title"},
        if_not_exists=True,
    )
    db["bill_stages"].create(
        {
            "bill_stage_id": int, "bill_id": int, "stage_id": int, "session_id": int, "description": str,
            "abbreviation": str, "house": str, "sort_order": int, "first_sitting_date": str,
            "last_sitting_date": str, "sitting_dates": str,
        },
        pk="bill_stage_id",
        foreign_keys=[("bill_id", "bills", "bill_id")],
        if_not_exists=True,
    )


def _create_amendments(db: sqlite_utils.Database) -> None:
    """Amendments: one row per amendment per stage, with sponsors, decision and the stage's sitting dates."""
    db["amendments"].create(
        {
            "id": str, "bill_title": str, "stage": str, "number": str, "lead_sponsor_name": str,
            "lead_sponsor_party": str, "decision": str, "decision_explanation": str, "text": str,
            "explanatory_text": str, "summary": str, "first_sitting_date": str, "last_sitting_date": str,
            "stage_house": str, "amendment_type": str, "clause": int, "schedule": int, "page_number": int,
            "line_number": int, "position": str, "dnum": str, "status_indicator": str,
            "lead_sponsor_id": int, "lead_sponsor_house": str, "sponsor_count": int, "sponsors": str,
            "amendment_id": int, "bill_id": int, "bill_stage_id": int, "document_id": str,
            "detail_fetched": int,
        },
        pk="id",
        not_null={"amendment_id", "bill_id", "bill_stage_id"},
        foreign_keys=[
            ("bill_id", "bills", "bill_id"),
            ("bill_stage_id", "bill_stages", "bill_stage_id"),
            ("document_id", "documents", "id"),
        ],
        if_not_exists=True,
    )


def _create_questions(db: sqlite_utils.Database) -> None:
    """Written questions: who asked, who answered, answering body, dates, holding and corrected flags."""
    db["questions"].create(
        {
            "id": int, "uin": str, "heading": str, "house": str, "date_tabled": str, "date_for_answer": str,
            "date_answered": str, "date_holding_answer": str, "date_answer_corrected": str,
            "asking_member_name": str, "asking_member_id": int, "asking_member_party": str,
            "answering_member_name": str, "answering_member_id": int, "answering_body": str,
            "answering_body_id": int, "is_withdrawn": int, "is_named_day": int, "answer_is_holding": int,
            "answer_is_correction": int, "answer_truncated": int, "original_answer_text": str,
            "grouped_questions": str, "attachment_count": int, "document_id": str,
        },
        pk="id",
        not_null={"uin", "document_id"},
        foreign_keys=[("document_id", "documents", "id")],
        if_not_exists=True,
    )


def _index_parliament_tables(db: sqlite_utils.Database) -> None:
    """Indexes for the Bills and Written Questions tables, declared in db.shape."""
    shape.ensure_indexes(db, shape.PARLIAMENT_INDEXES)


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
    ("0006_tagging", create_tagging_tables),
    ("0007_bills", _create_bills),
    ("0008_amendments", _create_amendments),
    ("0009_questions", _create_questions),
    ("0010_parliament_indexes", _index_parliament_tables),
    ("0011_passages_page", _add_passage_page),
    ("0012_update_runs", create_update_tables),
    ("0013_commitments_ledger", create_ledger_tables),
    ("0014_mention_facet_indexes", create_mention_facet_indexes),
    ("0015_embeddings_per_model", key_embeddings_by_model),
    ("0016_page_indexes", create_page_indexes),
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
