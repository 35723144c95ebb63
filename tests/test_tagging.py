"""`pursuit tag` over a real database: sentences, mentions, embeddings; incremental re-tagging."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, PARLPARSE, run_pursuit

from db import store
from db.connect import open_db
from nlp.embed import HashingEmbedder
from nlp.static import StaticEmbedder
from nlp.train import DATA_DIR, train_heads
from pursuit.tagging import tag_database

LORDS_PASSAGE = "parlparse/lordspages/2009-10-27a.1130.0"


@pytest.fixture(scope="module")
def fake_heads():
    """Heads fitted on the bundled data with the deterministic hashing embedder."""
    return train_heads(sorted(DATA_DIR.glob("*.jsonl")), HashingEmbedder())


@pytest.fixture
def loaded_db(tmp_path):
    """A database holding the Lords day of the ParlParse fixtures and the corpus, not yet tagged."""
    db_path = tmp_path / "t.db"
    run_pursuit("crawl", str(db_path), "parlparse", "--load", str(PARLPARSE / "lordspages"))
    run_pursuit("import", str(db_path), str(CORPUS), "--source", "corpus")
    return open_db(db_path)


def test_tagging_writes_sentences_mentions_and_embeddings(loaded_db, fake_heads):
    run = tag_database(loaded_db, HashingEmbedder(), fake_heads)
    db = loaded_db
    assert run.passages == db["passages"].count
    assert run.sentences == db["sentences"].count > run.passages
    distinct = len({r["text_hash"] for r in db["sentences"].rows})
    models = dict(db.execute("select model, count(*) from embeddings group by model").fetchall())
    assert models[StaticEmbedder().name] == run.static_embedded == distinct
    assert models["hashing-fake"] == run.embedded <= run.sent_on < run.sentences
    sentences = list(
        db.query("select * from sentences where passage_id = ? order by position", [LORDS_PASSAGE])
    )
    passage = db["passages"].get(LORDS_PASSAGE)
    for sentence in sentences:
        assert passage["text"][sentence["start"] : sentence["end"]] == sentence["text"]
    dv = next(s for s in sentences if "rears its head" in s["text"])
    mention = db["mentions"].get((dv["id"], "domestic_abuse"))
    assert mention["method"] == "rule" and mention["reason"] == "matched “domestic violence”"
    assert (mention["date"], mention["house"], mention["speaker_name"]) == (
        "2009-10-27",
        "Lords",
        "Baroness Kennedy of The Shaws",
    )
    quote = next(iter(db.query("select * from mention_quotes where sentence_id = ?", [dv["id"]])))
    assert quote["sentence"] == dv["text"] and quote["permalink"].startswith(
        "https://www.theyworkforyou.com/lords/"
    )
    topics = {r["topic"] for r in db.query("select distinct topic from mentions")}
    assert {"domestic_abuse", "stalking", "vawg_general"} <= topics


def test_second_run_tags_nothing(loaded_db, fake_heads):
    tag_database(loaded_db, HashingEmbedder(), fake_heads)
    before = list(loaded_db.query("select * from sentences order by id"))
    again = tag_database(loaded_db, HashingEmbedder(), fake_heads)
    assert (again.passages, again.embedded) == (0, 0)
    assert list(loaded_db.query("select * from sentences order by id")) == before


def test_only_a_revised_passage_is_retagged(loaded_db, fake_heads):
    tag_database(loaded_db, HashingEmbedder(), fake_heads)
    db = loaded_db
    document = db["documents"].get(db["passages"].get(LORDS_PASSAGE)["document_id"])
    stored = list(
        db.query("select * from passages where document_id = ? order by position", [document["id"]])
    )
    passages = [
        {
            k: p[k]
            for k in (
                "id",
                "position",
                "kind",
                "speaker_name",
                "speaker_id",
                "person_id",
                "party",
                "office",
                "column_number",
                "time",
                "permalink",
                "official_url",
                "text",
            )
        }
        | {"meta": json.loads(p["meta"]) if p["meta"] else None}
        for p in stored
    ]
    target = next(p for p in passages if p["id"] == LORDS_PASSAGE)
    target["text"] += "\n\nWe will pursue stalkers relentlessly."
    doc = {**document, "meta": json.loads(document["meta"])}
    with db.atomic():
        assert store.save_document(db, doc, passages) == store.CHANGED
    run = tag_database(db, HashingEmbedder(), fake_heads)
    assert run.passages == 1
    assert run.embedded == 1 and run.reused >= 1
    new = next(
        iter(
            db.query(
                "select * from sentences where passage_id = ? and text like 'We will pursue%'",
                [LORDS_PASSAGE],
            )
        )
    )
    assert new["commitment"] == 1 and new["actor"] == "government"
    assert {
        m["topic"] for m in db.query("select topic from mentions where sentence_id = ?", [new["id"]])
    } >= {"stalking", "perpetrator_pursuit"}


def test_sentences_leave_with_their_passage(loaded_db, fake_heads):
    tag_database(loaded_db, HashingEmbedder(), fake_heads)
    document_id = loaded_db["passages"].get(LORDS_PASSAGE)["document_id"]
    with loaded_db.atomic():
        store.retire_document(loaded_db, document_id, "test")
    assert (
        loaded_db.execute("select count(*) from sentences where passage_id = ?", [LORDS_PASSAGE]).fetchone()[
            0
        ]
        == 0
    )
    assert (
        loaded_db.execute("select count(*) from mentions where passage_id = ?", [LORDS_PASSAGE]).fetchone()[0]
        == 0
    )
