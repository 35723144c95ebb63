"""Count the rows a process writes: triggers on every ordinary table tally inserts, updates and deletes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

COUNTS_TABLE = "_write_counts"


def add_write_counters(db_path: Path, fts_shadow_tables: bool = True) -> list[str]:
    """Install counting triggers on every ordinary table (and FTS shadow tables if asked); list them."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute(f"CREATE TABLE {COUNTS_TABLE} (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        shadow = "" if fts_shadow_tables else "AND name NOT LIKE '%_fts_%' "
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            f"AND name NOT LIKE 'sqlite_%' {shadow}AND name != ?", (COUNTS_TABLE,))]
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                conn.execute(f"""CREATE TRIGGER "_count_{table}_{event}" AFTER {event} ON "{table}" BEGIN
                    INSERT INTO {COUNTS_TABLE} VALUES ('{table}', 1)
                    ON CONFLICT(tbl) DO UPDATE SET n = n + 1; END""")
        conn.commit()
    finally:
        conn.close()
    return tables


def take_write_counts(db_path: Path) -> dict[str, int]:
    """Rows written per table since the counters were installed or last taken; taking resets them."""
    conn = sqlite3.connect(db_path)
    try:
        counts = dict(conn.execute(f"SELECT tbl, n FROM {COUNTS_TABLE} ORDER BY tbl").fetchall())
        conn.execute(f"DELETE FROM {COUNTS_TABLE}")
        conn.commit()
    finally:
        conn.close()
    return counts
