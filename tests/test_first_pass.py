"""The first pass: the distilled static model, the gate in front of the full model, per-model embeddings."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import sqlite3

import numpy as np
import pytest
import sqlite_utils

from db import migrations
from db.connect import open_db
from db.tagging import save_embeddings
from nlp.background import PARLPARSE_SITTING, known_sentences, parlparse_passages
from nlp.background import build as build_background
from nlp.commitments import FEATURE_NAMES, detect_commitment
from nlp.components import hits_in
from nlp.embed import HashingEmbedder, default_model
from nlp.gate import LEXICAL_BUCKETS, hashed_words
from nlp.heads import load_heads
from nlp.labelled import read_labelled
from nlp.pipeline import build_pipeline
from nlp.remit import head_may_call_commitment, in_any_topic_context, trie_pattern, within_remit
from nlp.semantic import unit_spans
from nlp.static import StaticEmbedder, file_sha256
from nlp.tag import Tagger
from nlp.taxonomy import load_taxonomy
from nlp.train import BACKGROUND, DATA_DIR, files_digest, train_heads
from pursuit.classifying import gate_figures, gated_and_full
from pursuit.tagging import tag_database

GOLD = DATA_DIR.parent.parent / "tests" / "fixtures" / "nlp" / "gold.jsonl"


class RecordingEmbedder(HashingEmbedder):
    """The hashing fake, remembering every text it was asked to embed."""

    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        """Record, then embed."""
        self.seen += texts
        return super().encode(texts)


@pytest.fixture(scope="module")
def fake_heads():
    """Heads and first pass fitted with the hashing fake as the full model and the real static model."""
    return train_heads(sorted(DATA_DIR.glob("*.jsonl")), HashingEmbedder())


@pytest.fixture(scope="module")
def gold_texts():
    """The gold set's sentences."""
    return [row.text for row in read_labelled(GOLD, load_heads().topics)]


def test_static_model_loads_offline_from_its_files_and_embeds_deterministically(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    static = StaticEmbedder()
    static.verify()
    texts = ["Stalking victims need better protection.", "Victims of stalking must be protected better.",
             "The bridge toll will rise in April.", ""]
    first, second = static.encode(texts), StaticEmbedder().encode(texts)
    assert first.shape == (4, static.dimensions) and first.dtype == np.float32
    assert np.array_equal(first, second)
    assert np.allclose(np.linalg.norm(first[:3], axis=1), 1.0, atol=1e-5) and not first[3].any()
    assert first[0] @ first[1] > first[0] @ first[2] + 0.1


def test_static_model_records_the_packaged_minilm_it_was_distilled_from():
    manifest = StaticEmbedder().manifest
    assert manifest["source_weights_sha256"] == file_sha256(f"{default_model()}/model.safetensors")
    assert manifest["build"].startswith("python -m nlp.distill")
    assert StaticEmbedder().vectors.nbytes / 2 <= 16 * 2**20  # float16 on disk


def test_shipped_first_pass_matches_static_model_background_and_data():
    heads = load_heads()
    assert heads.gate is not None
    assert heads.gate.weights.shape == (StaticEmbedder().dimensions + len(FEATURE_NAMES),)
    assert heads.meta["static_model"] == StaticEmbedder().name
    assert heads.meta["background_sha256"] == files_digest([BACKGROUND]), \
        "nlp/data/background.txt changed since the first pass was trained: run `pursuit train`"
    assert heads.meta["gate_recall_out_of_fold"] >= heads.meta["gate_recall_target"] == 0.99


def test_gate_sends_on_every_rule_hit_and_pledge_rules_decide_the_stopped_sentences(fake_heads, gold_texts):
    full = RecordingEmbedder()
    tagged = list(Tagger(full, fake_heads).classify(gold_texts))
    language = build_pipeline()
    docs = list(language.pipe(gold_texts))
    rule_hit = [bool(hits_in(doc, 0, len(doc.text))) for doc in docs]
    pledges = [((doc._.commitments or {}).get(0) or detect_commitment(doc.text)) for doc in docs]
    assert sum(rule_hit) > 100
    for text, sentence, must_go in zip(gold_texts, tagged, rule_hit, strict=True):
        if must_go:
            assert sentence.sent_on and text in full.seen, text
    stopped = [(s, cue) for s, cue in zip(tagged, pledges, strict=True) if not s.sent_on]
    assert stopped and all(not s.topics and "first pass" in s.commitment_reason for s, _ in stopped)
    assert all(s.commitment == cue.is_commitment and s.actor == (cue.actor if cue.is_commitment else None)
               for s, cue in stopped)
    assert set(full.seen) == {s.text for s in tagged if s.sent_on}


def test_gate_reads_hashed_words_and_refuses_to_score_without_the_texts(fake_heads):
    gate = fake_heads.gate
    assert gate.lexical is not None and gate.lexical.shape == (LEXICAL_BUCKETS,)
    texts = ["The Government will publish the strategy.", "The bridge toll will rise in April."]
    assert (hashed_words(texts) != hashed_words(list(texts))).nnz == 0
    features = np.zeros((2, gate.weights.shape[0]), dtype=np.float32)
    scores = gate.probabilities(features, texts)
    assert scores.shape == (2,) and scores[0] != scores[1]
    with pytest.raises(ValueError, match="texts"):
        gate.probabilities(features)


def test_background_file_is_rebuilt_from_the_two_commons_sittings_only(tmp_path):
    out = tmp_path / "background.txt"
    count = build_background(out)
    assert out.read_bytes() == BACKGROUND.read_bytes(), "run `python -m nlp.background`, then `pursuit train`"
    lines = set(out.read_text(encoding="utf-8").splitlines())
    assert count == len(lines) > 6000
    assert not lines & known_sentences()
    language = build_pipeline()
    lords = parlparse_passages(PARLPARSE_SITTING.parent.parent / "lordspages" / "daylord2009-10-27a.xml")
    lords_sentences = {doc.text[s:e] for doc in language.pipe(lords[:40]) for s, e in unit_spans(doc)}
    assert lords_sentences and not lords_sentences & lines


def test_gated_and_ungated_tagging_mostly_agree_on_the_gold_sentences(fake_heads, gold_texts):
    gated, full = gated_and_full(Tagger(HashingEmbedder(), fake_heads), gold_texts)
    figures = gate_figures(gated, full)
    assert figures["sent_on"] < len(gold_texts)
    assert figures["gate_recall"] >= 0.95
    assert figures["gate_differences"] <= 0.03 * len(gold_texts)


OUTSIDE_REMIT = "The bridge toll rose in April."  # no rule hit, no context word, no forward word
FORWARD_ONLY = "The council will resurface the high street next spring."  # forward words only


def permissive(heads, commitment_threshold: float | None = None):
    """The heads with a gate that sends on every unit it scores (and optionally an eager commitment head)."""
    thresholds = heads.thresholds.copy()
    if commitment_threshold is not None:
        thresholds[-1] = commitment_threshold
    gate = dataclasses.replace(heads.gate, threshold=0.0)
    return dataclasses.replace(heads, gate=gate, thresholds=thresholds)


def test_every_topic_is_bounded_by_context_words_so_the_remit_is_exact():
    taxonomy = load_taxonomy()
    assert all(topic.context for topic in taxonomy.topics)
    assert not in_any_topic_context(taxonomy, OUTSIDE_REMIT)
    assert in_any_topic_context(taxonomy, "He was violent to his partner.")
    assert in_any_topic_context(taxonomy, "Officers will go after those who cause the most harm.")


def test_factored_context_pattern_matches_the_same_word_beginnings_as_a_flat_list():
    words = ["sex", "sexis", "abus", "go after", "followed her", "followed me", "duty", "duties"]
    factored = re.compile(r"\b" + trie_pattern(sorted(words)))
    flat = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")")
    for text in ["sexist remarks", "an abuser", "go after them", "he followed her", "followed me home",
                 "duties of care", "unisex toilets", "he followed the rules", "going after", "dutiful"]:
        assert bool(factored.search(text)) == bool(flat.search(text)), text


def test_commitment_head_may_decide_only_open_calls_with_forward_words():
    assert head_may_call_commitment(detect_commitment(FORWARD_ONLY), FORWARD_ONLY)
    assert not head_may_call_commitment(detect_commitment(OUTSIDE_REMIT), OUTSIDE_REMIT)
    pledge = "We will publish the strategy."
    assert not head_may_call_commitment(detect_commitment(pledge), pledge)  # the pledge rule decides it
    question = "Will the Minister publish the strategy?"
    assert not head_may_call_commitment(detect_commitment(question), question)
    taxonomy = load_taxonomy()
    assert within_remit(taxonomy, OUTSIDE_REMIT, True, detect_commitment(OUTSIDE_REMIT))  # a rule hit


def test_unit_outside_the_remit_is_stopped_without_the_gate_and_forward_language_is_sent_on(fake_heads):
    full = RecordingEmbedder()
    pledge = "We are committed to a new bypass."
    texts = [OUTSIDE_REMIT, FORWARD_ONLY, pledge]
    stopped, sent, decided = Tagger(full, permissive(fake_heads)).classify(texts)
    assert not stopped.sent_on and stopped.topics == [] and not stopped.commitment
    assert "outside the model's remit" in stopped.commitment_reason and OUTSIDE_REMIT not in full.seen
    assert sent.sent_on and full.seen == [FORWARD_ONLY]
    assert not decided.sent_on and decided.commitment and decided.actor == "government"  # the rule's verdict


def test_commitment_head_is_not_consulted_without_forward_words(fake_heads):
    eager = permissive(fake_heads, commitment_threshold=0.0)  # the head would call every open unit a pledge
    forward, plain = Tagger(HashingEmbedder(), eager, gate=False).classify([FORWARD_ONLY, OUTSIDE_REMIT])
    assert plain.sent_on and not plain.commitment and "no forward-looking words" in plain.commitment_reason
    assert forward.commitment and forward.commitment_reason.startswith("semantic:")


def old_database(path) -> sqlite_utils.Database:
    """A database migrated only as far as before the per-model embeddings key, holding two vectors."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    for name, step in migrations.MIGRATIONS:
        if name == "0015_embeddings_per_model":
            break
        step(db)
        db["_migrations"].insert({"name": name, "applied_at": "2026-01-01T00:00:00+00:00"})
    db["embeddings"].insert_all([{"text_hash": "a" * 40, "model": "all-MiniLM-L6-v2", "vector": b"\x01" * 8},
                                 {"text_hash": "b" * 40, "model": "all-MiniLM-L6-v2", "vector": b"\x02" * 8}])
    return db


def test_migration_keys_embeddings_by_text_and_model_keeping_every_vector(tmp_path):
    path = tmp_path / "old.db"
    old = old_database(path)
    assert old["embeddings"].pks == ["text_hash"]
    old.conn.close()
    db = open_db(path)
    assert db["embeddings"].pks == ["text_hash", "model"]
    assert {(r["text_hash"][0], r["vector"]) for r in db["embeddings"].rows} == {("a", b"\x01" * 8),
                                                                                 ("b", b"\x02" * 8)}
    save_embeddings(db, "minilm-static-256", {"a" * 40: b"\x03" * 8})
    assert db["embeddings"].count == 3
    assert migrations.pending(db) == []


def test_demo_database_has_a_static_vector_for_every_sentence(tagged_demo_db, tmp_path):
    copy = tmp_path / "demo.db"
    shutil.copy(tagged_demo_db, copy)
    db = open_db(copy)
    static = StaticEmbedder().name
    missing = db.execute("""SELECT count(*) FROM sentences s LEFT JOIN embeddings e
                            ON e.text_hash = s.text_hash AND e.model = ? WHERE e.text_hash IS NULL""",
                         [static]).fetchone()[0]
    assert missing == 0 and db["sentences"].count > 1000
    models = dict(db.execute("SELECT model, count(*) FROM embeddings GROUP BY model").fetchall())
    assert 0 < models["all-MiniLM-L6-v2"] < models[static]
    without_model = db.execute("""SELECT s.topics, s.commitment, s.commitment_reason FROM sentences s
        LEFT JOIN embeddings e ON e.text_hash = s.text_hash AND e.model = 'all-MiniLM-L6-v2'
        WHERE (s.topics != '' OR s.commitment = 1) AND e.text_hash IS NULL""").fetchall()
    # a topic always comes from the full model; a commitment without it is a pledge rule's verdict on a
    # sentence the first pass stopped (the ledger embeds such a quote when it needs its vector)
    assert all(topics == "" and commitment == 1 and "pledge" in reason and "first pass" in reason
               for topics, commitment, reason in without_model), without_model
    vector = db.execute("SELECT vector FROM embeddings WHERE model = ? LIMIT 1", [static]).fetchone()[0]
    assert len(vector) == 4 * StaticEmbedder().dimensions


def test_retagging_after_a_version_change_reuses_both_models_vectors(tmp_path, fake_heads):
    db = open_db(tmp_path / "t.db")
    db["documents"].insert({"id": "d1", "source": "test", "native_id": "1"})
    text = "We will pursue stalkers relentlessly. The weather was fine on Tuesday."
    db["passages"].insert({"id": "d1/p1", "document_id": "d1", "text": text,
                           "content_hash": hashlib.sha1(text.encode()).hexdigest()})
    first = tag_database(db, HashingEmbedder(), fake_heads)
    assert (first.sentences, first.static_embedded) == (2, 2) and first.sent_on >= 1
    db.execute("UPDATE passage_tags SET tagger_version = 'old'")
    again = tag_database(db, HashingEmbedder(), fake_heads)
    assert (again.passages, again.embedded, again.static_embedded) == (1, 0, 0)
    assert again.reused == first.sent_on
