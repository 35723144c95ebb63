"""The scale corpus generator (bench/scale_corpus.py) at a tiny size: real schema, reproducible, realistic."""

from __future__ import annotations

import hashlib
import importlib.util
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

from db.connect import open_db
from db.store import document_hash, passage_hash
from db.tagging import count_pending
from nlp.heads import load_heads
from pursuit.tagging import tagger_version

REPO = Path(__file__).parent.parent
SIZE = 500
TOPIC_SHARE = 0.2  # of documents, so that 500 passages (about 30 documents) surely hold a few


def _module():
    """bench/scale_corpus.py imported as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("scale_corpus", REPO / "bench" / "scale_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["scale_corpus"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


scale_corpus = _module()


@pytest.fixture(scope="module")
def pool(tagged_demo_db):
    """The tagged demo database as a pool, with vectors, stamped with today's tagger version."""
    loaded = scale_corpus.load_pool(tagged_demo_db, with_vectors=True)
    loaded.tagger_version = tagger_version(load_heads())
    return loaded


def generate(pool, folder: Path, name: str, seed: int) -> Path:
    """A 500-passage corpus with embeddings."""
    out = folder / name
    scale_corpus.write_corpus(pool, out, SIZE, seed, embeddings=True, topic_share=TOPIC_SHARE,
                              progress=lambda _: None)
    return out


@pytest.fixture(scope="module")
def corpora(pool, tmp_path_factory):
    """Two corpora from seed 7 and one from seed 8."""
    folder = tmp_path_factory.mktemp("scale")
    return [generate(pool, folder, f"{name}.db", seed) for name, seed in (("a", 7), ("b", 7), ("c", 8))]


def rows(path: Path, sql: str) -> list[tuple]:
    """Every row of a query on a database file."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def schema(path: Path) -> set[tuple]:
    """The database's tables, indexes, views and triggers with their SQL (not ANALYZE's statistics)."""
    sql = "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_stat%'"
    return set(rows(path, sql))


def test_corpus_has_exactly_the_schema_of_a_migrated_database(corpora, tmp_path):
    fresh = tmp_path / "fresh.db"
    open_db(fresh).close()
    assert schema(corpora[0]) == schema(fresh)
    assert rows(corpora[0], "select name from _migrations order by 1") == rows(
        fresh, "select name from _migrations order by 1"
    )


@pytest.mark.parametrize(
    "table", ["documents", "passages", "sentences", "mentions", "embeddings", "passage_tags"]
)
def test_same_seed_gives_the_same_rows_and_another_seed_others(corpora, table):
    same = [rows(path, f"select * from {table} order by 1, 2") for path in corpora]
    assert same[0] == same[1]
    assert same[0] != same[2]


def test_passages_are_grouped_in_documents_with_speakers_and_dates_spread_over_the_years(corpora):
    path = corpora[0]
    assert rows(path, "select count(*) from passages") == [(SIZE,)]
    (documents,) = rows(path, "select count(*) from documents")[0]
    assert 10 < documents < SIZE / 3
    years = {year for (year,) in rows(path, "select distinct year from passages")}
    assert min(years) == 2010 and max(years) >= 2022 and len(years) >= 8  # 500 passages: ~30 documents
    (speakers,) = rows(path, "select count(distinct speaker_name) from passages where house = 'Commons'")[0]
    assert speakers > 30
    lengths = [n for (n,) in rows(path, "select length(text) from passages")]
    assert 300 < np.median(lengths) < 3000


def test_sentences_are_spans_of_their_passage_and_hashed_by_their_text(corpora):
    spans = rows(
        corpora[0],
        """select p.text, s.start, s."end", s.text, s.text_hash
                                from sentences s join passages p on p.id = s.passage_id""",
    )
    assert len(spans) > SIZE
    for passage, start, end, text, text_hash in spans:
        assert passage[start:end] == text
        assert text_hash == hashlib.sha1(text.encode()).hexdigest()
    distinct, total = rows(corpora[0], "select count(distinct text_hash), count(*) from sentences")[0]
    assert distinct > 0.8 * total


def test_topics_are_mentioned_in_a_small_share_of_passages_as_in_hansard(corpora):
    (tagged,) = rows(corpora[0], "select count(distinct passage_id) from mentions")[0]
    assert 0 < tagged < TOPIC_SHARE * SIZE
    assert rows(corpora[0], "select count(*) from passage_tags") == [(SIZE,)]


def test_tag_finds_nothing_to_do_and_search_works(corpora, pool):
    db = open_db(corpora[0])
    assert count_pending(db, pool.tagger_version) == 0
    word = rows(corpora[0], "select text from sentences limit 1")[0][0].split()[0].strip(".,;:")
    found = db.execute(
        "select count(*) from passages_fts where passages_fts match ?", [f'"{word}"']
    ).fetchone()
    assert found[0] > 0
    db.close()


def test_vectors_are_unit_length_near_their_pool_sentence(corpora, pool):
    model = next(iter(pool.vectors))
    stored = rows(corpora[0], "select text_hash, model, vector from embeddings limit 200")
    assert stored and all(m == model for _, m, _ in stored)
    for _, _, blob in stored:
        vector = np.frombuffer(blob, dtype="<f4")
        assert abs(np.linalg.norm(vector) - 1) < 1e-4
    pool_matrix = np.stack(list(pool.vectors[model].values()))
    nearest = pool_matrix @ np.stack([np.frombuffer(b, dtype="<f4") for _, _, b in stored]).T
    assert np.median(nearest.max(axis=0)) > 0.85


def test_content_hashes_are_the_ones_the_store_computes(corpora):
    conn = sqlite3.connect(corpora[0])
    conn.row_factory = sqlite3.Row
    for document in conn.execute("select * from documents order by id limit 20").fetchall():
        sql = "select * from passages where document_id = ? order by position"
        passages = [dict(row) for row in conn.execute(sql, [document["id"]])]
        assert all(passage_hash(p) == p["content_hash"] for p in passages)
        assert document_hash(dict(document), passages) == document["content_hash"]
    conn.close()
