"""Tables and queries of the commitments ledger: commitments, their restatements, evidence and status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

LEDGER_STATE = "ledger"
SENTENCE_MARK = "sentence_rowid"

LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS commitments (
    id TEXT PRIMARY KEY,
    quote TEXT NOT NULL, date TEXT, year INTEGER,
    actor TEXT, actor_kind TEXT, action TEXT, kind TEXT, topics TEXT,
    deadline_text TEXT, deadline_date TEXT, deadline_precision TEXT,
    speaker_name TEXT, role TEXT, issuing_body TEXT, document_title TEXT, document_kind TEXT,
    url TEXT, sentence_id TEXT NOT NULL, passage_id TEXT NOT NULL, document_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    restatements INTEGER NOT NULL DEFAULT 1, evidence_count INTEGER NOT NULL DEFAULT 0,
    status TEXT, status_source TEXT,
    machine_status TEXT, machine_status_reason TEXT, machine_status_evidence TEXT,
    curated_status TEXT, curated_note TEXT, curated_evidence_urls TEXT, curated_by TEXT, curated_on TEXT,
    overdue INTEGER NOT NULL DEFAULT 0, created_at TEXT, updated_at TEXT
);
CREATE TABLE IF NOT EXISTS commitment_occurrences (
    sentence_id TEXT PRIMARY KEY,
    commitment_id TEXT NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    passage_id TEXT NOT NULL, document_id TEXT NOT NULL, date TEXT, quote TEXT NOT NULL,
    speaker_name TEXT, url TEXT, similarity REAL
);
CREATE TABLE IF NOT EXISTS evidence (
    id TEXT PRIMARY KEY,
    commitment_id TEXT NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    date TEXT NOT NULL, relation TEXT NOT NULL, quote TEXT NOT NULL,
    document_title TEXT, document_kind TEXT, speaker_name TEXT, issuing_body TEXT, url TEXT,
    similarity REAL NOT NULL, shared_topics TEXT, score REAL NOT NULL, reason TEXT NOT NULL,
    relation_reason TEXT, sentence_id TEXT NOT NULL, passage_id TEXT NOT NULL, document_id TEXT NOT NULL,
    linked_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS evidence_commitment_date ON evidence(commitment_id, date);
CREATE INDEX IF NOT EXISTS evidence_passage ON evidence(passage_id);
CREATE INDEX IF NOT EXISTS occurrences_commitment ON commitment_occurrences(commitment_id);
CREATE INDEX IF NOT EXISTS occurrences_passage ON commitment_occurrences(passage_id);
CREATE INDEX IF NOT EXISTS commitments_status ON commitments(status);
CREATE INDEX IF NOT EXISTS commitments_deadline ON commitments(deadline_date);
CREATE VIEW IF NOT EXISTS commitment_ledger AS
SELECT c.id, c.date, c.actor, c.quote, c.action, c.deadline_text, c.deadline_date, c.status, c.status_source,
       c.overdue, c.evidence_count, c.restatements, c.topics, c.kind, c.url,
       (SELECT max(e.date) FROM evidence e WHERE e.commitment_id = c.id) AS latest_evidence
FROM commitments c;
CREATE VIEW IF NOT EXISTS overdue_commitments AS
SELECT id, date, actor, quote, deadline_text, deadline_date, status, status_source, evidence_count, url
FROM commitments WHERE overdue = 1;
"""


def create_ledger_tables(db: sqlite_utils.Database) -> None:
    """Create the ledger tables, indexes and views, and index commitments for full-text search."""
    for statement in LEDGER_SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    if not db["commitments"].detect_fts():
        db["commitments"].enable_fts(["quote", "action", "actor"], tokenize="porter", create_triggers=True)


SENTENCE_COLUMNS = """
    s.rowid AS rowid, s.id, s.passage_id, s.text, s.text_hash, s.topics, s.commitment, s.date, s.year,
    p.document_id, p.speaker_name, p.office, p.document_title, p.document_kind,
    coalesce(p.permalink, p.official_url, d.url) AS url, d.publisher, d.kind AS kind
"""


def sentences_since(
    db: sqlite_utils.Database, after_rowid: int, pledges_only: bool = False, dated_only: bool = False
) -> list[dict[str, Any]]:
    """Sentences stored (or re-stored by re-tagging) after a rowid, with their passage and document."""
    where = ["s.rowid > ?"]
    if pledges_only:
        where.append("(s.commitment = 1 OR s.text LIKE '%accept%recommendation%')")
    if dated_only:
        where.append("s.date IS NOT NULL")
    sql = f"""SELECT {SENTENCE_COLUMNS} FROM sentences s JOIN passages p ON p.id = s.passage_id
              JOIN documents d ON d.id = p.document_id WHERE {" AND ".join(where)} ORDER BY s.rowid"""
    return list(db.query(sql, [after_rowid]))


def passage_topics(db: sqlite_utils.Database, passage_ids: Iterable[str]) -> dict[str, set[str]]:
    """Every topic mentioned anywhere in each of these passages."""
    found: dict[str, set[str]] = {}
    ids = list(dict.fromkeys(passage_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        sql = f"SELECT passage_id, topic FROM mentions WHERE passage_id IN ({','.join('?' * len(chunk))})"
        for passage_id, topic in db.execute(sql, chunk):
            found.setdefault(passage_id, set()).add(topic)
    return found


def last_sentence_rowid(db: sqlite_utils.Database) -> int:
    """The highest sentence rowid (0 when nothing is tagged)."""
    return db.execute("SELECT coalesce(max(rowid), 0) FROM sentences").fetchone()[0]


def forget_passages(db: sqlite_utils.Database, passage_ids: Iterable[str]) -> int:
    """Drop occurrences and evidence from re-tagged passages, then commitments left with no occurrence."""
    ids = list(dict.fromkeys(passage_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        db.execute(f"DELETE FROM commitment_occurrences WHERE passage_id IN ({marks})", chunk)
        db.execute(f"DELETE FROM evidence WHERE passage_id IN ({marks})", chunk)
    orphans = [
        row[0]
        for row in db.execute(
            "SELECT id FROM commitments WHERE id NOT IN (SELECT commitment_id FROM commitment_occurrences)"
        )
    ]
    for commitment_id in orphans:
        db.execute("DELETE FROM evidence WHERE commitment_id = ?", [commitment_id])
        db.execute("DELETE FROM commitments WHERE id = ?", [commitment_id])
    return len(orphans)


def commitments_for_linking(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every commitment with what linking needs: id, date, topics, text hash and the document made in."""
    rows = list(
        db.query(
            "SELECT id, date, topics, text_hash, deadline_date, document_id FROM commitments ORDER BY id"
        )
    )
    for row in rows:
        row["documents"] = {row["document_id"]}
    return rows


def save_commitment(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Insert or update a commitment's machine-read fields (curated fields are left alone)."""
    db["commitments"].upsert(row, pk="id")


def save_occurrence(db: sqlite_utils.Database, row: dict[str, Any]) -> None:
    """Record one sentence as an occurrence (the first statement or a restatement) of a commitment."""
    db["commitment_occurrences"].upsert(row, pk="sentence_id")


def save_evidence(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Insert or replace evidence rows keyed by commitment and passage."""
    if rows:
        db["evidence"].upsert_all(rows, pk="id")


def evidence_of(db: sqlite_utils.Database) -> dict[str, list[dict[str, Any]]]:
    """Every commitment's evidence (id, date, relation, score), in date order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    sql = "SELECT id, commitment_id, date, relation, score FROM evidence ORDER BY date, score DESC"
    for row in db.query(sql):
        grouped.setdefault(row["commitment_id"], []).append(row)
    return grouped


def refresh_counts(db: sqlite_utils.Database) -> None:
    """Recount each commitment's restatements and evidence, writing only the counts that changed."""
    restated = "(SELECT count(*) FROM commitment_occurrences o WHERE o.commitment_id = commitments.id)"
    evidenced = "(SELECT count(*) FROM evidence e WHERE e.commitment_id = commitments.id)"
    db.execute(f"""UPDATE commitments SET restatements = {restated}, evidence_count = {evidenced}
        WHERE restatements IS NOT {restated} OR evidence_count IS NOT {evidenced}""")


def update_status(db: sqlite_utils.Database, commitment_id: str, fields: dict[str, Any]) -> None:
    """Write the status fields of one commitment that differ from what is stored (none: no write)."""
    stored = db["commitments"].get(commitment_id)
    changed = {k: v for k, v in fields.items() if stored.get(k) != v}
    if changed:
        db["commitments"].update(commitment_id, changed)
