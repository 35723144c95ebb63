"""Give a scale database a commitments ledger in the demo's proportion, to measure the ledger pages at scale.

bench/scale_corpus.py resamples passages, sentences and mentions but no ledger (`pursuit link` builds it
from dated commitment sentences). This adds one commitment per so many of the database's commitment
sentences, as many per passage as the tagged demo pool has (50 for 1,767 passages: about 28,000 at 1M),
each quoting its sentence and taking its other fields (actor, status, deadline...) from the pool's
commitments in turn. No evidence rows. Run once per database.

Run: .venv/bin/python bench/scale_ledger.py /tmp/pursuit-scale/1m.db --pool /tmp/pursuit-scale/pool.db
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path


def pool_commitments(pool: Path) -> tuple[list[dict], float]:
    """The pool's commitments, and how many it has per passage."""
    with sqlite3.connect(f"file:{pool}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(row) for row in conn.execute("SELECT * FROM commitments ORDER BY id")]
        passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    if not rows:
        raise SystemExit(f"{pool}: no commitments: build the pool with `pursuit demo --no-serve`")
    return rows, len(rows) / passages


def add_ledger(db: Path, templates: list[dict], per_passage: float) -> int:
    """Insert the commitments into `db`; how many."""
    with sqlite3.connect(db) as conn:
        if conn.execute("SELECT count(*) FROM commitments").fetchone()[0]:
            raise SystemExit(f"{db}: already has a ledger")
        wanted = int(conn.execute("SELECT count(*) FROM passages").fetchone()[0] * per_passage)
        sql = """SELECT s.id, s.passage_id, p.document_id, s.text, s.text_hash, s.date, s.year
                 FROM sentences s JOIN passages p ON p.id = s.passage_id WHERE s.commitment = 1"""
        sentences = conn.execute(sql).fetchall()
        chosen = sentences[:: max(1, len(sentences) // max(1, wanted))][:wanted]
        rows = []
        for number, (sentence_id, passage_id, document_id, text, digest, date, year) in enumerate(chosen):
            rows.append({**templates[number % len(templates)], "id": f"c-5ca1e{number:05x}", "quote": text,
                         "sentence_id": sentence_id, "passage_id": passage_id, "document_id": document_id,
                         "text_hash": digest, "date": date, "year": year})
        columns = list(rows[0])
        conn.executemany(f"INSERT INTO commitments ({', '.join(columns)}) VALUES "
                         f"({', '.join('?' * len(columns))})", [[row[c] for c in columns] for row in rows])
    return len(rows)


def main() -> None:
    """Read the pool and write the ledger."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, help="A scale database from bench/scale_corpus.py.")
    parser.add_argument("--pool", type=Path, required=True,
                        help="The tagged demo database it was built from.")
    args = parser.parse_args()
    templates, per_passage = pool_commitments(args.pool)
    print(f"{args.db}: {add_ledger(args.db, templates, per_passage):,} commitments added")


if __name__ == "__main__":
    main()
