"""Benchmark: database size per million passages, with and without embeddings, from built scale databases.

Reads each database's file size and, with SQLite's dbstat table, the bytes each table and index take, then
scales to a million passages. Appends to bench/RESULTS.md.

Run: .venv/bin/python bench/db_size.py /tmp/pursuit-scale/100k.db /tmp/pursuit-scale/1m.db
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import append_results, machine_line

MIB = 2**20
GROUPS = ("passages", "sentences", "mentions", "embeddings", "documents", "passage_tags")


def sizes_by_table(db: sqlite3.Connection) -> dict[str, int]:
    """Bytes per table, its indexes and FTS shadow tables counted with it (stdlib SQLite has dbstat)."""
    names = dict(
        db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").fetchall()
    )
    sizes: dict[str, int] = defaultdict(int)
    for name, size in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        owner = names.get(name, name)
        group = next((g for g in GROUPS if owner == g or owner.startswith(f"{g}_fts")), "other")
        sizes[group] += size
    return dict(sizes)


def describe(path: Path) -> tuple[str, float, float]:
    """A table row for one database, and its MiB per million passages with and without embeddings."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    sentences = db.execute("SELECT count(*) FROM sentences").fetchone()[0]
    sizes = sizes_by_table(db)
    db.close()
    scale = 1_000_000 / passages
    total = path.stat().st_size
    without = total - sizes.get("embeddings", 0)
    cells = " | ".join(f"{sizes.get(g, 0) / MIB:,.0f}" for g in (*GROUPS, "other"))
    row = (
        f"| {path.name} | {passages:,} | {sentences:,} | {total / MIB:,.0f} | {cells} | "
        f"{without * scale / MIB / 1024:,.1f} | {total * scale / MIB / 1024:,.1f} |"
    )
    return row, without * scale / MIB, total * scale / MIB


def main() -> None:
    """Describe every database and append the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="+", type=Path)
    args = parser.parse_args()
    rows = [describe(path)[0] for path in args.databases]
    groups = " | ".join(f"{g} MiB" for g in (*GROUPS, "other"))
    text = (
        f"\n## Database size — {machine_line()}\n\n"
        "Scale databases from bench/scale_corpus.py (sizes per table include their indexes and FTS tables; "
        "embeddings: one float32 384-d vector per distinct sentence). GiB per million passages scales "
        "the file linearly.\n\n"
        f"| database | passages | sentences | file MiB | {groups} | GiB per 1M passages without embeddings | "
        "GiB per 1M with them |\n|" + "---|" * (7 + len(GROUPS)) + "\n" + "\n".join(rows) + "\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
