"""A `pursuit update` over unchanged data writes no row outside its own record (update_runs, crawl_runs)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from updating import SMALL_DIRECTORIES, parlparse_sources, run_update, train_fake_heads, write_config

BOOKKEEPING = {"update_runs", "crawl_runs"}


@pytest.fixture(scope="module")
def fake_heads(tmp_path_factory):
    """Heads trained on the hashing embedder, once for this module."""
    return train_fake_heads(tmp_path_factory.mktemp("heads") / "heads.npz")


def count_writes(db_path: Path) -> list[str]:
    """Triggers counting rows inserted, updated and deleted in every ordinary table (FTS shadow ones too)."""
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE _writes (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            "AND name NOT LIKE 'sqlite_%' AND name != '_writes'"
        )
    ]
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            conn.execute(f"""CREATE TRIGGER "_w_{table}_{event}" AFTER {event} ON "{table}" BEGIN
                INSERT INTO _writes VALUES ('{table}', 1) ON CONFLICT(tbl) DO UPDATE SET n = n + 1; END""")
    conn.commit()
    conn.close()
    return tables


def test_update_over_unchanged_data_writes_only_its_own_record(tmp_path, fixture_server, fake_heads):
    sources = parlparse_sources(fixture_server.base_url, f"{SMALL_DIRECTORIES},debates")  # debates: redirects
    config = write_config(tmp_path / "update.yml", sources, fake_heads)
    db_path = tmp_path / "p.db"
    run_update(db_path, config)
    tables = count_writes(db_path)
    first = {"passages", "passages_fts_data", "sentences", "crawl_state", "redirects", "commitments"}
    assert first <= set(tables)
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from redirects").fetchone()[0] > 0
    conn.close()
    run_update(db_path, config)
    conn = sqlite3.connect(db_path)
    writes = dict(conn.execute("SELECT tbl, n FROM _writes").fetchall())
    conn.close()
    assert set(writes) == BOOKKEEPING, writes
