"""Indexes for what the site's pages read on a big database (migration 0016): topics, home, ledger."""

from __future__ import annotations

import sqlite_utils

# Every column the topic pages read from a topic's mentions (monthly chart, key passages, counts), so they
# are answered from the index alone instead of one table lookup per mention.
MENTION_COVER = ("topic", "date", "house", "document_kind", "passage_id", "sentence_id", "score", "method",
                 "speaker_name")
PAGE_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS mentions_topic_cover ON mentions({', '.join(MENTION_COVER)})",
    # The commitment sentences alone (a few percent of all): "is this mention a commitment?" is one probe
    # of a small index. db.timelines' key-passages query names it (INDEXED BY), so it must exist.
    "CREATE UNIQUE INDEX IF NOT EXISTS sentences_commitments ON sentences(id) WHERE commitment = 1",
    # The home page's coverage per source (count, first and last date) reads this index alone.
    "CREATE INDEX IF NOT EXISTS documents_source_date ON documents(source, date)",
    # The ledger's order (newest first, undated last), so a page of it reads 100 entries, not every one;
    # and the actor choices it counts.
    "CREATE INDEX IF NOT EXISTS commitments_newest ON commitments(date IS NULL, date DESC, id)",
    "CREATE INDEX IF NOT EXISTS commitments_actor ON commitments(actor)",
    "CREATE INDEX IF NOT EXISTS commitments_actor_kind ON commitments(actor_kind)",
)


def create_page_indexes(db: sqlite_utils.Database) -> None:
    """Create the indexes the site's pages rely on at scale, if missing."""
    for statement in PAGE_INDEXES:
        db.execute(statement)
