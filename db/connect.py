"""Open a pursuit database with the settings every writer and reader relies on."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


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
