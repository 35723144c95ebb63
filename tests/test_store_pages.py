"""Store additions for GOV.UK and police: PDF page numbers on passages, source change notes as revisions."""

from __future__ import annotations

from conftest import run_pursuit

from db import store
from db.connect import open_db


def document(page: int | None) -> dict:
    """A one-passage document whose passage may carry a page number."""
    passage = {"id": "t/d/p1", "position": 0, "kind": "pdf_text", "text": "Quoted words.", "page": page}
    return {"id": "t/d", "source": "t", "native_id": "d", "title": "D", "passages": [passage]}


def test_page_is_stored_and_hashed_only_when_set():
    without = {"id": "x", "text": "a"}
    assert store.passage_hash(without) == store.passage_hash({**without, "page": None})
    assert store.passage_hash(without) != store.passage_hash({**without, "page": 3})
    db = open_db(":memory:")
    doc = document(7)
    assert store.save_document(db, doc, doc["passages"]) == "new"
    assert db["passages"].get("t/d/p1")["page"] == 7
    assert store.save_document(db, doc, doc["passages"]) == "unchanged"


def test_change_notes_become_revisions_once():
    db = open_db(":memory:")
    doc = document(None)
    store.save_document(db, doc, doc["passages"])
    notes = [{"revised_at": "2015-11-12T10:11:52.000+00:00", "note": "Added responses."}]
    assert store.save_change_notes(db, "t/d", notes) == 1
    assert store.save_change_notes(db, "t/d", notes) == 0
    (revision,) = db["revisions"].rows
    assert revision["reason"] == "change note at source: Added responses."
    assert revision["revised_at"] == "2015-11-12T10:11:52.000+00:00" and revision["snapshot"] is None


def test_crawl_arguments_must_be_name_value_pairs(tmp_path):
    result = run_pursuit("crawl", str(tmp_path / "p.db"), "govuk", "-a", "nonsense", check=False)
    assert result.returncode == 2
    assert "'nonsense': expected NAME=VALUE" in result.stderr
