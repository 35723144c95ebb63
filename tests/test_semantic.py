"""Semantic search: per-model sqlite-vec indexes, incremental updates, rescoring, fusion, the site page."""

from __future__ import annotations

import asyncio
import shutil
from urllib.parse import quote

import numpy as np
import pysqlite3
import pytest
from conftest import run_pursuit
from datasette.app import Datasette
from sitekit import datasette_for, fetcher

from db import vectors
from db.connect import open_db
from nlp.embed import MINILM_NAME, HashingEmbedder, from_blob, text_hash, to_blob
from nlp.fusion import reciprocal_rank_fusion
from pursuit import config
from pursuit.publish import plugins_dir
from pursuit.semantic import search_vectors

FAKE = HashingEmbedder.name
SMALL = HashingEmbedder(128).name


def add_vectors(db, model: str, embedder) -> None:
    """Store `embedder`'s vector of every distinct sentence text under `model`."""
    rows = list(db.query("select distinct text_hash, text from sentences"))
    encoded = embedder.encode([r["text"] for r in rows])
    db["embeddings"].insert_all(
        ({"text_hash": r["text_hash"], "model": model, "vector": to_blob(v)}
         for r, v in zip(rows, encoded, strict=True)),
        pk=("text_hash", "model"), ignore=True)


def drop_every_index(db) -> None:
    """Load sqlite-vec into `db` and drop every model's semantic index."""
    vectors.load_extension(db.conn)
    for entry in vectors.indexed_models(db.conn):
        vectors.drop_index(db.conn, entry["model"])


@pytest.fixture(scope="module")
def fake_db_path(tmp_path_factory, tagged_demo_db):
    """The tagged demo database with vectors of two fake models (one text, one vector per model), indexed."""
    path = tmp_path_factory.mktemp("semantic") / "fake.db"
    shutil.copy(tagged_demo_db, path)
    db = open_db(path)
    drop_every_index(db)  # the demo's MiniLM and static-model indexes
    db.execute("delete from embeddings")
    add_vectors(db, FAKE, HashingEmbedder())
    add_vectors(db, SMALL, HashingEmbedder(dimensions=128))
    vectors.update_all_indexes(db.conn)
    db.close()
    return path


@pytest.fixture
def fake_db(fake_db_path, tmp_path):
    """A writable copy of the fake-vector database with sqlite-vec loaded."""
    path = tmp_path / "fake.db"
    shutil.copy(fake_db_path, path)
    db = open_db(path)
    vectors.load_extension(db.conn)
    yield db
    db.close()


def indexed(db, model: str) -> set[str]:
    """The text hashes in a model's index (checking the vec0 table has one row per key)."""
    name = next(e["name"] for e in vectors.indexed_models(db.conn) if e["model"] == model)
    keys = {r["text_hash"] for r in db.query(f"select text_hash from [{name}_keys]")}
    assert db.execute(f"select count(*) from [{name}]").fetchone()[0] == len(keys)
    return keys


def test_every_model_gets_an_index_covering_every_sentence_with_a_vector(fake_db):
    sentence_hashes = {r["text_hash"] for r in fake_db.query("select text_hash from sentences")}
    assert {e["model"] for e in vectors.indexed_models(fake_db.conn)} == {FAKE, SMALL}
    assert indexed(fake_db, FAKE) == indexed(fake_db, SMALL) == sentence_hashes
    registry = {e["model"]: e for e in vectors.indexed_models(fake_db.conn)}
    assert registry[FAKE]["name"] == "semantic_indexes_hashing_fake"
    assert (registry[FAKE]["dimensions"], registry[SMALL]["dimensions"]) == (384, 128)
    assert registry[FAKE]["vectors"] == len(sentence_hashes)


def test_second_update_changes_nothing(fake_db):
    before = fake_db.conn.total_changes
    updates = vectors.update_all_indexes(fake_db.conn)
    assert [(u.added, u.removed) for u in updates] == [(0, 0), (0, 0)]
    assert fake_db.conn.total_changes == before


def test_update_adds_new_sentences_and_drops_deleted_ones(fake_db):
    passage = next(iter(fake_db.query(
        "select passage_id from sentences group by passage_id having count(*) > 2 limit 1")))["passage_id"]
    own = {r["text_hash"] for r in fake_db.query(
        """select text_hash from sentences s where passage_id = ? and not exists
           (select 1 from sentences o where o.text_hash = s.text_hash and o.passage_id != s.passage_id)""",
        [passage])}
    probe = HashingEmbedder().encode(["stalking protection orders"])[0]
    vectors.search(fake_db.conn, FAKE, probe, k=3, in_memory=True)  # this process now holds the bits
    fake_db.execute("delete from sentences where passage_id = ?", [passage])
    text = "A wholly new sentence about stalking protection orders and their breach."
    other = next(iter(fake_db.query("select * from sentences limit 1")))
    fake_db["sentences"].insert({**other, "id": other["id"] + "-new", "text": text,
                                 "text_hash": text_hash(text)})
    fake_db["embeddings"].insert({"text_hash": text_hash(text), "model": FAKE,
                                  "vector": to_blob(HashingEmbedder().encode([text])[0])})
    update = vectors.update_index(fake_db.conn, FAKE)
    assert (update.added, update.removed) == (1, len(own))
    keys = indexed(fake_db, FAKE)
    assert text_hash(text) in keys and not own & keys
    for in_memory in (False, True):  # the in-memory copy of the bits is reloaded after the update
        (hit, *_) = vectors.search(fake_db.conn, FAKE, HashingEmbedder().encode([text])[0], k=3,
                                   in_memory=in_memory)
        assert (hit.sentence, hit.passage_id, round(hit.score, 4)) == (text, other["passage_id"], 1.0)
    small = vectors.update_index(fake_db.conn, SMALL)  # no vector under this model: not indexed
    assert (small.added, small.removed) == (0, len(own))


@pytest.fixture(scope="module")
def minilm_conn(tagged_demo_db):
    """A read-only connection to the tagged demo database (real MiniLM vectors, indexed by the demo)."""
    conn = pysqlite3.connect(f"file:{tagged_demo_db}?mode=ro", uri=True)
    vectors.load_extension(conn)
    yield conn
    conn.close()


def test_quantised_search_rescored_matches_exact_search_on_real_vectors(minilm_conn):
    rng = np.random.default_rng(7)
    rows = minilm_conn.execute("select text_hash, vector from embeddings where model = ? order by text_hash",
                               [MINILM_NAME]).fetchall()
    found, same = 0, 0
    for index in rng.choice(len(rows), size=20, replace=False):
        digest, blob = rows[index]
        query = from_blob(blob) + rng.normal(0, 0.02, 384).astype(np.float32)
        exact = vectors.exact_nearest_hashes(minilm_conn, MINILM_NAME, query, 10)
        fast = vectors.nearest_hashes(minilm_conn, MINILM_NAME, query, 10)
        assert fast[0][0] == exact[0][0] == digest and fast[0][1] == pytest.approx(exact[0][1], abs=1e-5)
        found += len({h for h, _ in fast} & {h for h, _ in exact})
        same += [h for h, _ in fast] == [h for h, _ in exact]  # the same ten, in the same order
    assert found / 200 >= 0.95 and same >= 15


def test_in_memory_bits_are_sqlite_vecs_and_give_the_same_results(minilm_conn):
    name = vectors.index_name(MINILM_NAME)
    chunk_ids, chunk_bits = vectors._read_chunks(minilm_conn, name)
    scan_ids, scan_bits = vectors._scan_bits(minilm_conn, name)
    order = np.argsort(chunk_ids)
    assert (chunk_ids[order] == scan_ids).all() and (chunk_bits[order] == scan_bits).all()
    rng = np.random.default_rng(11)
    sql = "select vector from embeddings where model = ? order by text_hash limit 5 offset 99"
    for blob, in minilm_conn.execute(sql, [MINILM_NAME]):
        query = from_blob(blob) + rng.normal(0, 0.02, 384).astype(np.float32)
        memory = vectors.nearest_hashes(minilm_conn, MINILM_NAME, query, 10, in_memory=True)
        knn = vectors.nearest_hashes(minilm_conn, MINILM_NAME, query, 10)
        assert [h for h, _ in memory] == [h for h, _ in knn]


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]], k=60)
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    assert reciprocal_rank_fusion([]) == []


def test_a_weighted_ranking_counts_less_in_the_fusion():
    fused = reciprocal_rank_fusion([["full-1", "both"], ["static-1", "both"]], weights=[1.0, 0.5])
    assert [item for item, _ in fused] == ["both", "full-1", "static-1"]


def test_the_static_models_vectors_are_embedded_again_by_the_static_model_at_half_weight():
    from nlp.embed import embedder_for_model
    from nlp.static import StaticEmbedder
    from pursuit.semantic import STATIC_WEIGHT, fusion_weight

    name = StaticEmbedder().name
    assert isinstance(embedder_for_model(name), StaticEmbedder)
    assert fusion_weight(name) == STATIC_WEIGHT < fusion_weight(HashingEmbedder.name) == 1.0


def test_several_models_are_searched_and_fused(fake_db):
    text = next(iter(fake_db.query("select text from sentences where length(text) > 80 limit 1")))["text"]
    queries = {FAKE: HashingEmbedder().encode([text])[0], SMALL: HashingEmbedder(128).encode([text])[0]}
    fused = search_vectors(fake_db.conn, queries, k=5)
    single = search_vectors(fake_db.conn, {FAKE: queries[FAKE]}, k=5)
    assert fused[0]["sentence"] == single[0]["sentence"] == text
    assert fused[0]["ranks"] == {FAKE: 1, SMALL: 1} and fused[0]["rrf"] == pytest.approx(2 / 61, abs=1e-6)
    assert [r["rank"] for r in fused] == [1, 2, 3, 4, 5] and "rrf" not in single[0]
    assert len({r["passage_id"] for r in fused}) == 5
    assert fused[0]["permalink"] and fused[0]["document_title"]


def test_filters_restrict_passages(fake_db):
    query = HashingEmbedder().encode(["the government will pursue perpetrators of domestic abuse"])[0]
    topic = vectors.search(fake_db.conn, FAKE, query, k=10, filters=vectors.Filters(topic="stalking"))
    assert topic
    for hit in topic:
        assert fake_db.execute("select 1 from mentions where passage_id = ? and topic = 'stalking'",
                               [hit.passage_id]).fetchone()
    lords = vectors.search(fake_db.conn, FAKE, query, k=10, filters=vectors.Filters(house="Lords", year=2009))
    assert lords and {(h.house, h.date[:4]) for h in lords} == {("Lords", "2009")}


def test_bad_vectors_are_refused_with_the_model_named(fake_db):
    fake_db["embeddings"].insert({"text_hash": "x", "model": "broken", "vector": b"\x00" * 10})
    with pytest.raises(vectors.VectorIndexError, match=r"'broken'.*float32"):
        vectors.update_index(fake_db.conn, "broken")
    with pytest.raises(vectors.VectorIndexError, match="no semantic index for model 'nope'"):
        vectors.search(fake_db.conn, "nope", np.ones(384, dtype=np.float32))


def test_index_command_builds_then_changes_nothing(tagged_demo_db, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copy(tagged_demo_db, path)
    db = open_db(path)
    drop_every_index(db)
    per_model = {r["model"]: r["n"] for r in db.query(
        "select e.model, count(distinct s.text_hash) as n from sentences s "
        "join embeddings e on e.text_hash = s.text_hash group by e.model")}
    db.close()
    assert set(per_model) == {MINILM_NAME, "minilm-static-256"}
    lines = set(run_pursuit("index", str(path)).stdout.splitlines())
    assert lines == {f"{path}: index {vectors.index_name(model)} for model {model}: "
                     f"added {n}, removed 0, total {n}" for model, n in per_model.items()}
    db = open_db(path)
    again = vectors.update_all_indexes(db.conn)
    expected = sorted((0, 0, n) for n in per_model.values())
    assert sorted((u.added, u.removed, u.total) for u in again) == expected


@pytest.fixture(scope="module")
def site(fake_db_path):
    """A function fetching a path from Datasette, configured as `pursuit serve` configures it."""
    fetch, loop = fetcher(datasette_for(fake_db_path))
    yield fetch
    loop.close()


def a_sentence(path) -> dict:
    """A long sentence of the fake database with its passage's permalink."""
    db = open_db(path)
    row = next(iter(db.query("""select s.text, s.passage_id, p.permalink from sentences s
                                join passages p on p.id = s.passage_id
                                where length(s.text) > 100 and p.permalink like 'https://%' limit 1""")))
    db.close()
    return row


def test_semantic_page_lists_passages_with_their_best_sentence(site, fake_db_path):
    row = a_sentence(fake_db_path)
    html = site("/-/semantic?" + f"q={quote(row['text'])}&k=5").text
    assert "<h1>Search by meaning</h1>" in html and 'name="q"' in html and 'name="topic"' in html
    assert html.count('class="semantic-hit"') == 5
    first = html.split('class="semantic-hit"')[1]
    assert f'href="/-/passage/{quote(row["passage_id"], safe="/")}"' in first
    assert f'href="{row["permalink"]}"' in first and "1.000" in first
    assert "Open Parliament Licence" in html  # the site footer: the page extends base.html


def test_semantic_json_gives_ranked_hits_from_both_models(site, fake_db_path):
    row = a_sentence(fake_db_path)
    data = site(f"/-/semantic.json?q={quote(row['text'])}&k=3&house=").json()
    assert data["error"] is None and sorted(data["models"]) == sorted([FAKE, SMALL])
    assert len(data["hits"]) == 3 and data["hits"][0]["passage_id"] == row["passage_id"]
    assert data["hits"][0]["score"] == 1.0 and data["hits"][0]["ranks"] == {FAKE: 1, SMALL: 1}
    assert data["params"] == {"q": row["text"], "k": 3, "topic": None, "house": None, "kind": None,
                              "year": None}


def test_semantic_page_refuses_bad_parameters_clearly(site):
    assert site("/-/semantic.json?q=x&k=ten", status=400).json()["error"] == \
        "Bad request: k must be a whole number, not 'ten'"
    assert "k must be between 1 and 100, not 500" in site("/-/semantic?q=x&k=500", status=400).text
    assert site("/-/semantic").text.count('class="semantic-hit"') == 0


def test_page_says_when_the_database_has_no_index(tmp_path, tagged_demo_db):
    path = tmp_path / "bare.db"
    shutil.copy(tagged_demo_db, path)
    db = open_db(path)
    drop_every_index(db)
    db.close()
    ds = Datasette(files=[str(path)], plugins_dir=str(plugins_dir()),
                   template_dir=str(config.DATASETTE_DIR / "templates"))
    response = asyncio.run(ds.client.get("/-/semantic.json?q=stalking"))
    assert response.status_code == 503
    assert "has no semantic index yet: run `pursuit index`" in response.json()["error"]


def test_sql_recipe_embeds_the_query_and_uses_the_bit_index(site, fake_db_path):
    row = a_sentence(fake_db_path)
    database = site.datasette.get_database()
    sql = """select s.passage_id, s.text,
                    1 - vec_distance_cosine(e.vector, pursuit_embed(:q, :model)) as score
             from (select rowid, distance from semantic_indexes_hashing_fake
                   where embedding match vec_quantize_binary(pursuit_embed(:q, :model)) and k = 100) c
             join semantic_indexes_hashing_fake_keys k on k.id = c.rowid
             join embeddings e on e.text_hash = k.text_hash and e.model = :model
             join sentences s on s.text_hash = k.text_hash
             order by score desc limit 5"""
    result = site.loop.run_until_complete(database.execute(sql, {"q": row["text"], "model": FAKE}))
    assert result.rows[0]["text"] == row["text"] and result.rows[0]["score"] == pytest.approx(1.0)
    size = site.loop.run_until_complete(
        database.execute("select length(pursuit_embed('x', :m)) n", {"m": FAKE}))
    assert size.rows[0]["n"] == 384 * 4


def test_page_says_when_the_embedding_model_cannot_load(tmp_path, fake_db_path):
    path = tmp_path / "odd.db"
    shutil.copy(fake_db_path, path)
    db = open_db(path)
    db.execute("update semantic_indexes set model = 'no-such-model' where model = ?", [FAKE])
    db.conn.commit()
    db.close()
    ds = Datasette(files=[str(path)], plugins_dir=str(plugins_dir()),
                   template_dir=str(config.DATASETTE_DIR / "templates"))
    response = asyncio.run(ds.client.get("/-/semantic?q=stalking"))
    assert response.status_code == 503
    assert "Semantic search is unavailable: the embedding model &#39;no-such-model&#39; could not be loaded" \
        in response.text and "no embedder is known" in response.text
