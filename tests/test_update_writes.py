"""A `pursuit update` over unchanged data writes no row outside its own record (update_runs, crawl_runs)."""

from __future__ import annotations

import sqlite3

import pytest
from updating import SMALL_DIRECTORIES, parlparse_sources, run_update, train_fake_heads, write_config

from db.write_audit import add_write_counters, take_write_counts

BOOKKEEPING = {"update_runs", "crawl_runs"}


@pytest.fixture(scope="module")
def fake_heads(tmp_path_factory):
    """Heads trained on the hashing embedder, once for this module."""
    return train_fake_heads(tmp_path_factory.mktemp("heads") / "heads.npz")


def test_update_over_unchanged_data_writes_only_its_own_record(tmp_path, fixture_server, fake_heads):
    sources = parlparse_sources(fixture_server.base_url, f"{SMALL_DIRECTORIES},debates")  # debates: redirects
    config = write_config(tmp_path / "update.yml", sources, fake_heads)
    db_path = tmp_path / "p.db"
    run_update(db_path, config)
    tables = add_write_counters(db_path)
    first = {"passages", "passages_fts_data", "sentences", "crawl_state", "redirects", "commitments"}
    assert first <= set(tables)
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from redirects").fetchone()[0] > 0
    conn.close()
    run_update(db_path, config)
    writes = take_write_counts(db_path)
    assert set(writes) == BOOKKEEPING, writes
