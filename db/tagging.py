"""Tables and writes for sentence tagging: sentences, mentions, embeddings and what was tagged when."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from db.store import now_iso

TAGGING_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentences (
    id TEXT PRIMARY KEY,
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    position INTEGER, start INTEGER, "end" INTEGER,
    text TEXT NOT NULL, text_hash TEXT NOT NULL,
    topics TEXT,
    commitment INTEGER NOT NULL DEFAULT 0, commitment_score REAL, commitment_reason TEXT, actor TEXT,
    date TEXT, year INTEGER, speaker_name TEXT, house TEXT, document_kind TEXT
);
CREATE TABLE IF NOT EXISTS mentions (
    sentence_id TEXT NOT NULL REFERENCES sentences(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    method TEXT, score REAL, reason TEXT,
    date TEXT, year INTEGER, speaker_name TEXT, house TEXT, document_kind TEXT,
    PRIMARY KEY (sentence_id, topic)
);
CREATE TABLE IF NOT EXISTS embeddings (
    text_hash TEXT PRIMARY KEY, model TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS passage_tags (
    passage_id TEXT PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL, tagger_version TEXT NOT NULL, tagged_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_passage ON sentences(passage_id);
CREATE INDEX IF NOT EXISTS sentences_commitment ON sentences(commitment);
CREATE INDEX IF NOT EXISTS mentions_topic_date ON mentions(topic, date);
CREATE INDEX IF NOT EXISTS mentions_passage ON mentions(passage_id);
CREATE VIEW IF NOT EXISTS mention_quotes AS
SELECT m.topic, m.date, m.speaker_name, s.text AS sentence, m.method, m.score, m.reason,
       s.commitment, p.document_title, p.house, p.document_kind, p.permalink, m.passage_id, m.sentence_id
FROM mentions m JOIN sentences s ON s.id = m.sentence_id JOIN passages p ON p.id = m.passage_id;
"""


def create_tagging_tables(db: sqlite_utils.Database) -> None:
    """Create the tagging tables, indexes and the mention_quotes view, then index sentences for search."""
    for statement in TAGGING_SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    if not db["sentences"].detect_fts():
        db["sentences"].enable_fts(["text"], tokenize="porter", create_triggers=True)


MENTION_FACETS = ("year", "house", "document_kind", "method")


def create_mention_facet_indexes(db: sqlite_utils.Database) -> None:
    """Indexes (topic, facet column) so a topic's facet counts read the index alone, not every mention row."""
    for column in MENTION_FACETS:
        db.execute(f"CREATE INDEX IF NOT EXISTS mentions_topic_{column} ON mentions(topic, {column})")


def pending_passages(
    db: sqlite_utils.Database, tagger_version: str, batch_size: int = 200
) -> Iterator[list[dict[str, Any]]]:
    """Batches of passages never tagged, changed since tagging, or tagged by another tagger version."""
    after = -1
    sql = """
        SELECT p.rowid AS rowid, p.id, p.text, p.content_hash, p.date, p.year, p.speaker_name, p.house,
               p.document_kind
        FROM passages p LEFT JOIN passage_tags t ON t.passage_id = p.id
        WHERE p.rowid > ? AND (t.passage_id IS NULL OR t.content_hash != p.content_hash
                               OR t.tagger_version != ?)
        ORDER BY p.rowid LIMIT ?
    """
    while True:
        rows = list(db.query(sql, [after, tagger_version, batch_size]))
        if not rows:
            return
        yield rows
        after = rows[-1]["rowid"]


def count_pending(db: sqlite_utils.Database, tagger_version: str) -> int:
    """How many passages the next tagging run will (re)tag."""
    sql = """SELECT count(*) FROM passages p LEFT JOIN passage_tags t ON t.passage_id = p.id
             WHERE t.passage_id IS NULL OR t.content_hash != p.content_hash OR t.tagger_version != ?"""
    return db.execute(sql, [tagger_version]).fetchone()[0]


def known_vectors(db: sqlite_utils.Database, model: str, hashes: Iterable[str]) -> dict[str, bytes]:
    """Stored embedding blobs for these text hashes under this model."""
    wanted = list(dict.fromkeys(hashes))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})"
        found.update({row[0]: row[1] for row in db.execute(sql, [model, *chunk])})
    return found


def save_passage_tags(
    db: sqlite_utils.Database,
    passages: list[dict[str, Any]],
    sentences: list[dict[str, Any]],
    mentions: list[dict[str, Any]],
    tagger_version: str,
) -> None:
    """Replace a batch of passages' sentences and mentions and record each as tagged at its content hash.

    One statement per table for the whole batch (the caller wraps it in a transaction).
    """
    db.conn.executemany("DELETE FROM sentences WHERE passage_id = ?", [[p["id"]] for p in passages])
    db["sentences"].insert_all(sentences, pk="id", batch_size=1000)
    db["mentions"].insert_all(mentions, pk=("sentence_id", "topic"), batch_size=1000)
    tagged_at = now_iso()
    db["passage_tags"].upsert_all(
        [{"passage_id": p["id"], "content_hash": p["content_hash"], "tagger_version": tagger_version,
          "tagged_at": tagged_at} for p in passages],
        pk="passage_id",
    )


def save_embeddings(db: sqlite_utils.Database, model: str, vectors: dict[str, bytes]) -> None:
    """Store new embedding blobs keyed by text hash and model (existing ones are kept)."""
    rows = [{"text_hash": h, "model": model, "vector": v} for h, v in vectors.items()]
    db["embeddings"].insert_all(rows, pk=("text_hash", "model"), ignore=True)


def key_embeddings_by_model(db: sqlite_utils.Database) -> None:
    """Rebuild `embeddings` with primary key (text_hash, model), keeping every stored vector."""
    if db["embeddings"].pks == ["text_hash", "model"]:
        return
    db.execute("ALTER TABLE embeddings RENAME TO embeddings_by_hash")
    db.execute("""CREATE TABLE embeddings (
        text_hash TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
        PRIMARY KEY (text_hash, model))""")
    db.execute("INSERT INTO embeddings (text_hash, model, vector) "
               "SELECT text_hash, model, vector FROM embeddings_by_hash")
    db.execute("DROP TABLE embeddings_by_hash")
