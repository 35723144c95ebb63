"""Full-text indexes and secondary indexes, declared as data and applied idempotently."""

from __future__ import annotations

import sqlite_utils

FTS_COLUMNS: dict[str, list[str]] = {
    "passages": ["text", "speaker_name", "document_title"],
}

INDEXES: dict[str, list[list[str]]] = {
    "documents": [["source"], ["date"], ["kind"], ["parent_id"]],
    "passages": [
        ["document_id", "position"],
        ["date"],
        ["speaker_name"],
        ["house"],
        ["document_kind"],
        ["year"],
    ],
    "revisions": [["document_id"]],
    "rejects": [["source"]],
    "division_votes": [["voter_id"]],
}


PARLIAMENT_INDEXES: dict[str, list[list[str]]] = {
    "bill_stages": [["bill_id"]],
    "amendments": [["bill_id"], ["bill_stage_id"], ["decision"], ["lead_sponsor_id"], ["document_id"]],
    "questions": [["date_answered"], ["answering_body"], ["asking_member_id"], ["document_id"]],
}


def ensure_fts(db: sqlite_utils.Database) -> None:
    """Create each declared FTS5 index (porter stemming, kept in sync by triggers) if missing."""
    for table, columns in FTS_COLUMNS.items():
        if not db[table].detect_fts():
            db[table].enable_fts(columns, tokenize="porter", create_triggers=True)


def rebuild_fts(db: sqlite_utils.Database) -> None:
    """Rebuild every FTS index from its content table (after bulk loads or repairs)."""
    for table in FTS_COLUMNS:
        if db[table].detect_fts():
            db[table].rebuild_fts()


def ensure_indexes(db: sqlite_utils.Database, indexes: dict[str, list[list[str]]] | None = None) -> None:
    """Create each declared index (INDEXES unless others are given) if it does not exist yet."""
    for table, index_list in (INDEXES if indexes is None else indexes).items():
        for columns in index_list:
            db[table].create_index(columns, if_not_exists=True)
