"""`pursuit update` and `pursuit status`: one incremental pass recorded in update_runs, guarded by a lock."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import run_pursuit
from updating import parlparse_sources, run_update, table_rows, train_fake_heads, write_config

from db.connect import open_db
from db.runs import close_interrupted
from db.store import start_run
from pursuit.jobs import ConfigError, load_config
from pursuit.lock import DatabaseLock, LockHeld


@pytest.fixture(scope="module")
def fake_heads(tmp_path_factory):
    """Heads trained on the hashing embedder, once for this module."""
    return train_fake_heads(tmp_path_factory.mktemp("heads") / "heads.npz")


@pytest.fixture
def config(tmp_path, fixture_server, fake_heads):
    """An update config over the local ParlParse server."""
    return write_config(tmp_path / "update.yml", parlparse_sources(fixture_server.base_url), fake_heads)


def test_update_crawls_tags_reindexes_and_records_the_run(tmp_path, config):
    db_path = tmp_path / "p.db"
    result = run_update(db_path, config)
    assert "parlparse: ok — new 31, changed 0, unchanged 0, rejected 0" in result.stdout
    db = open_db(db_path)
    (update,) = list(db.query("select * from update_runs"))
    assert update["status"] == "ok" and update["trigger"] == "manual" and update["finished_at"]
    steps = json.loads(update["steps"])
    assert steps["crawl"]["parlparse"]["items_new"] == 31
    assert steps["tag"]["passages"] == db["passages"].count == 100
    assert steps["index"] == {"fts": ["passages"]}
    distinct_texts = db.execute("select count(distinct text_hash) from sentences").fetchone()[0]
    per_model = {r["model"]: r["n"] for r in db.query(
        "select e.model, count(distinct s.text_hash) as n from sentences s "
        "join embeddings e on e.text_hash = s.text_hash group by e.model")}
    # a static vector for every sentence; the (fake) full model only for those the first pass sent on
    assert per_model["minilm-static-256"] == distinct_texts > per_model["hashing-fake"] > 0
    assert steps["vectors"] == {m: {"added": n, "removed": 0, "total": n} for m, n in per_model.items()}
    (crawl,) = list(db.query("select * from crawl_runs"))
    assert crawl["update_id"] == update["id"] and crawl["status"] == "ok"
    assert db["passage_tags"].count == 100
    hits = list(db.query("select count(*) n from passages_fts where passages_fts match 'minister'"))
    assert hits[0]["n"] > 0
    assert steps["link"]["new_sentences"] == db["sentences"].count
    sql = "select key, value from crawl_state where source = 'parlparse'"
    marks = {r["key"]: r["value"] for r in db.query(sql)}
    assert marks == {"last_day:lordswrans": "2009-10-29", "last_day:westminhall": "2009-10-29",
                     "last_day:wms": "2009-10-29"}


def test_second_update_starts_at_the_marks_and_changes_nothing(tmp_path, config, fixture_server):
    db_path = tmp_path / "p.db"
    run_update(db_path, config)
    before = {t: table_rows(db_path, t) for t in ("documents", "passages", "sentences", "mentions")}
    fixture_server.hits.clear()
    result = run_update(db_path, config)
    assert "parlparse: ok — new 0, changed 0, unchanged 31" in result.stdout
    assert {t: table_rows(db_path, t) for t in before} == before
    db = open_db(db_path)
    assert db["revisions"].count == 0
    assert json.loads(db["update_runs"].get(2)["steps"])["tag"]["passages"] == 0
    assert json.loads(db["update_runs"].get(2)["steps"])["vectors"]["hashing-fake"]["added"] == 0


def test_a_second_update_exits_with_a_clear_message_while_one_holds_the_lock(tmp_path, config):
    db_path = tmp_path / "p.db"
    with DatabaseLock(db_path):
        result = run_pursuit("update", str(db_path), "--config", str(config), check=False)
    assert result.returncode == 3
    assert "another update is running" in result.stderr and "pid" in result.stderr
    assert not db_path.exists() or open_db(db_path)["update_runs"].count == 0


def test_lock_is_exclusive_and_released():
    import tempfile
    from pathlib import Path

    db_path = Path(tempfile.mkdtemp()) / "x.db"
    with DatabaseLock(db_path), pytest.raises(LockHeld, match="another update is running"):
        DatabaseLock(db_path).acquire()
    DatabaseLock(db_path).acquire().release()


def test_runs_left_running_by_a_killed_process_are_marked_interrupted(tmp_path):
    db = open_db(tmp_path / "p.db")
    run_id = start_run(db, "parlparse", {})
    assert close_interrupted(db) == 1
    row = db["crawl_runs"].get(run_id)
    assert row["status"] == "interrupted" and "process ended" in row["note"] and row["finished_at"]


def test_status_shows_updates_marks_rejects_and_no_scheduler(tmp_path, config):
    db_path = tmp_path / "p.db"
    run_update(db_path, config)
    with sqlite3.connect(db_path) as connection:
        connection.execute("insert into rejects (id, source, url, reason, times_seen) "
                           "values ('r1', 'parlparse', 'http://x/a.xml', 'malformed XML', 2)")
    out = run_pursuit("status", str(db_path)).stdout
    assert "#1 " in out and " ok (manual; parlparse, tagged 100 passages)" in out
    assert "last run #1" in out and "new 31, changed 0" in out
    assert "last_day:wms=2009-10-29" in out
    assert "rejects: 1 distinct (2 seen)" in out
    assert "Next scheduled run: none (no scheduler has run" in out


def test_config_names_unknown_sources_and_bad_embedders(tmp_path):
    path = tmp_path / "u.yml"
    path.write_text("sources:\n  nosuch: {}\n")
    with pytest.raises(ConfigError, match=r"unknown source.*nosuch"):
        load_config(path, ["parlparse"])
    path.write_text("sources: [parlparse]\nembedder: word2vec\n")
    with pytest.raises(ConfigError, match="embedder must be one of"):
        load_config(path, ["parlparse"])
    path.write_text("sources:\n  parlparse:\n    since: 2024-01-02\n")
    assert load_config(path, ["parlparse"]).sources == {"parlparse": {"since": "2024-01-02"}}
    assert set(load_config(None, ["parlparse", "bills"]).sources) == {"parlparse", "bills"}
