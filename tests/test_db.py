"""The database layer: migrations, WAL, upserts, revisions, redirects, rejects, FTS sync."""

from __future__ import annotations

import json

import pytest

from db import store
from db.connect import open_db
from db.migrations import MIGRATIONS, applied


def a_document(text: str = "Stalking protection orders will be reviewed.", title: str = "Stalking"):
    """A small document with two passages, as a spider would yield it."""
    document = {
        "id": "test/doc-1", "source": "test", "native_id": "doc-1", "kind": "hansard_debate",
        "title": title, "date": "2021-12-13", "house": "Lords", "licence": "Open Parliament Licence v3.0",
        "meta": {"gid": "x"},
    }
    passages = [
        {"id": "test/doc-1/1", "position": 0, "kind": "speech", "speaker_name": "Baroness Bertin",
         "text": text},
        {"id": "test/doc-1/2", "position": 1, "kind": "speech", "speaker_name": "Lord Sharpe",
         "text": "Perpetrators of domestic abuse must be relentlessly pursued."},
    ]
    return document, passages


def search_ids(db, query: str) -> list[str]:
    """Ids of passages matching an FTS query."""
    return [row["id"] for row in db["passages"].search(query)]


def test_migrations_apply_once_and_are_recorded(tmp_path):
    path = tmp_path / "t.db"
    open_db(path).close()
    db = open_db(path)
    assert applied(db) == {name for name, _ in MIGRATIONS}
    assert db["_migrations"].count == len(MIGRATIONS)
    assert db.journal_mode == "wal"
    assert db["passages"].detect_fts() == "passages_fts"


def test_new_migrations_back_up_an_existing_database_first(tmp_path, monkeypatch):
    path = tmp_path / "t.db"
    db = open_db(path)
    store.save_document(db, *a_document())
    db.close()
    extra = ("9999_test_column", lambda d: d["documents"].add_column("note", str))
    monkeypatch.setattr("db.migrations.MIGRATIONS", [*MIGRATIONS, extra])
    open_db(path).close()
    (backup,) = tmp_path.glob("t.db.before-*.bak")
    assert open_db(backup, migrate=False)["documents"].count == 1
    assert "note" in open_db(path)["documents"].columns_dict


def test_saving_the_same_document_twice_changes_nothing(tmp_path):
    db = open_db(tmp_path / "t.db")
    assert store.save_document(db, *a_document()) == store.NEW
    before = list(db.query("select * from passages order by id"))
    assert store.save_document(db, *a_document()) == store.UNCHANGED
    assert list(db.query("select * from passages order by id")) == before
    assert db["revisions"].count == 0


def test_changed_document_keeps_old_version_and_reindexes(tmp_path):
    db = open_db(tmp_path / "t.db")
    store.save_document(db, *a_document())
    assert search_ids(db, "reviewed") == ["test/doc-1/1"]
    status = store.save_document(db, *a_document(text="Stalking protection orders are working."))
    assert status == store.CHANGED
    assert search_ids(db, "reviewed") == []
    assert search_ids(db, "working") == ["test/doc-1/1"]
    (revision,) = db["revisions"].rows
    snapshot = json.loads(revision["snapshot"])
    assert snapshot["passages"][0]["text"] == "Stalking protection orders will be reviewed."
    assert revision["new_content_hash"] == db["documents"].get("test/doc-1")["content_hash"]


def test_passages_dropped_at_source_are_removed_but_kept_in_revisions(tmp_path):
    db = open_db(tmp_path / "t.db")
    document, passages = a_document()
    store.save_document(db, document, passages)
    store.save_document(db, document, passages[:1])
    assert [r["id"] for r in db["passages"].rows] == ["test/doc-1/1"]
    assert search_ids(db, "relentlessly") == []
    (revision,) = db["revisions"].rows
    assert len(json.loads(revision["snapshot"])["passages"]) == 2


def test_passages_carry_document_fields_for_facets(tmp_path):
    db = open_db(tmp_path / "t.db")
    store.save_document(db, *a_document())
    row = db["passages"].get("test/doc-1/2")
    assert (row["date"], row["year"], row["house"], row["document_kind"], row["document_title"]) == (
        "2021-12-13", 2021, "Lords", "hansard_debate", "Stalking",
    )
    assert search_ids(db, "pursue") == ["test/doc-1/2"]  # porter stemming: pursued ~ pursue


def test_redirect_retires_the_superseded_document(tmp_path):
    db = open_db(tmp_path / "t.db")
    store.save_document(db, *a_document())
    retired = store.save_redirects(
        db, "test", [{"old_id": "test/doc-1", "new_id": "test/doc-2", "matchtype": "perfectmatch"}]
    )
    assert retired == 1
    assert db["documents"].count == 0 and db["passages"].count == 0
    assert next(iter(db["revisions"].rows))["reason"] == "superseded by test/doc-2"
    assert db["redirects"].get("test/doc-1")["new_id"] == "test/doc-2"
    assert store.save_redirects(db, "test", [{"old_id": "test/doc-1", "new_id": "test/doc-2"}]) == 0


def test_the_same_reject_is_counted_not_duplicated(tmp_path):
    db = open_db(tmp_path / "t.db")
    first = store.record_reject(db, "test", "http://x/1", "malformed XML", "line 3")
    second = store.record_reject(db, "test", "http://x/1", "malformed XML", "line 3")
    assert first == second
    row = db["rejects"].get(first)
    assert row["times_seen"] == 2 and row["url"] == "http://x/1"


def test_a_failed_batch_rolls_back_and_keeps_what_was_stored(tmp_path):
    db = open_db(tmp_path / "t.db")
    store.save_document(db, *a_document())
    document, passages = a_document(text="A new text that must not land.")
    passages.append({"id": "test/doc-1/3", "position": 2, "text": None})  # text is NOT NULL
    with pytest.raises(Exception, match="NOT NULL"), db.atomic():
        store.set_state(db, "test", "mark", "2021-12-14")
        store.save_document(db, document, passages)
    assert search_ids(db, "reviewed") == ["test/doc-1/1"]
    assert store.get_state(db, "test", "mark") is None
    assert db["revisions"].count == 0


def test_crawl_run_rows_record_counts_and_status(tmp_path):
    db = open_db(tmp_path / "t.db")
    run_id = store.start_run(db, "parlparse", {"since": "2009-10-01"})
    store.finish_run(db, run_id, {"new": 3, "unchanged": 2, "rejected": 1}, "completed with errors")
    run = db["crawl_runs"].get(run_id)
    assert (run["items_new"], run["items_unchanged"], run["items_rejected"]) == (3, 2, 1)
    assert run["status"] == "completed with errors" and run["finished_at"]
