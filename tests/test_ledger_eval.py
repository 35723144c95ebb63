"""The evidence ranking with the real MiniLM model on the hand-labelled commitment/evidence pairs."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, run_pursuit

from nlp.embed import sentence_embedder
from nlp.tag import Tagger
from pursuit.evidence_eval import evaluate_pairs, is_evidence_gold, read_pairs

pytestmark = pytest.mark.slow
GOLD = FIXTURES / "nlp" / "evidence_gold.jsonl"
HELD_OUT = FIXTURES / "nlp" / "evidence_heldout.jsonl"


def test_labelled_set_has_enough_positive_and_negative_pairs():
    pairs = read_pairs(GOLD)
    assert len(pairs) >= 60
    assert 0 < sum(p["relevant"] for p in pairs) < len(pairs)
    assert is_evidence_gold(GOLD) and not is_evidence_gold(FIXTURES / "nlp" / "gold.jsonl")


def test_evidence_ranking_meets_the_precision_target_and_never_returns_earlier_text():
    report = evaluate_pairs(Tagger(sentence_embedder()), read_pairs(GOLD))
    assert report["precision@5"] >= 0.8
    assert report["recall"] >= 0.7
    pairs = read_pairs(GOLD)
    earlier = [p for p in pairs if not p["candidate_date"] or p["candidate_date"] <= p["commitment_date"]]
    assert earlier and not any(p["relevant"] for p in earlier)


def test_evaluate_command_scores_evidence_pairs(tmp_path):
    out = tmp_path / "report.json"
    result = run_pursuit("evaluate", str(GOLD), "--json", str(out))
    assert "mean precision@5" in result.stdout
    report = json.loads(out.read_text())
    assert report["pairs"] == len(read_pairs(GOLD)) and report["precision@5"] >= 0.8


def test_held_out_pairs_pooled_by_keyword_search_keep_precision_at_five_above_target():
    pairs = read_pairs(HELD_OUT)
    tuned_on = {p["commitment_id"] for p in read_pairs(GOLD)}
    assert len(pairs) >= 60 and not {p["commitment_id"] for p in pairs} & tuned_on
    assert {p["pooled_by"] for p in pairs} == {"bm25", "random same topic"}
    report = evaluate_pairs(Tagger(sentence_embedder()), pairs)
    assert report["precision@5"] >= 0.8
    no_positive = [c for c, row in report["per_commitment"].items() if row["relevant"] == 0]
    assert no_positive and all(report["per_commitment"][c]["returned"] == 0 for c in no_positive)
