"""Open a pursuit database with the settings every writer and reader relies on."""

from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000
# Read-side settings for serving big databases: memory-mapped reads (no copy through SQLite's page cache), a
# 64 MiB page cache per connection and temporary sort trees in memory. PURSUIT_SQLITE_PRAGMAS=off skips them.
READER_PRAGMAS = {"mmap_size": 2**30, "cache_size": -65536, "temp_store": "memory"}
PRAGMAS_ENV = "PURSUIT_SQLITE_PRAGMAS"


def open_db(path: str | Path, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` in WAL mode, migrated to the latest schema."""
    from db.migrations import migrate as apply_migrations

    db = sqlite_utils.Database(str(path))
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:" and db.journal_mode != "wal":
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    if migrate:
        apply_migrations(db, Path(path) if str(path) != ":memory:" else None)
    return db


def tune_reader(conn) -> None:
    """Apply READER_PRAGMAS to a sqlite3 or pysqlite3 connection, unless $PURSUIT_SQLITE_PRAGMAS=off."""
    if os.environ.get(PRAGMAS_ENV, "").lower() == "off":
        return
    for name, value in READER_PRAGMAS.items():
        conn.execute(f"PRAGMA {name} = {value}")
