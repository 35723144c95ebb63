"""The shipped tagger with the real MiniLM model: classify's contract, evaluate, paraphrases."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from conftest import REPO

from nlp.embed import sentence_embedder
from nlp.heads import load_heads
from nlp.tag import Tagger
from nlp.taxonomy import load_taxonomy
from nlp.train import DATA_DIR, files_digest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tagger():
    """The shipped heads with the real packaged embedding model."""
    return Tagger(sentence_embedder())


def test_shipped_heads_match_the_taxonomy_and_training_data():
    heads = load_heads()
    taxonomy = load_taxonomy()
    assert heads.topics == taxonomy.ids()
    assert heads.meta["taxonomy_sha256"] == hashlib.sha256(taxonomy.path.read_bytes()).hexdigest(), \
        "nlp/taxonomy.yml changed since the heads were trained: run `pursuit train`"
    assert heads.meta["training_sha256"] == files_digest(sorted(DATA_DIR.glob("*.jsonl"))), \
        "nlp/data changed since the heads were trained: run `pursuit train`"
    assert heads.meta["embedder"] == "all-MiniLM-L6-v2"


def test_real_model_finds_perpetrator_pursuit_without_its_keywords(tagger):
    (result,) = tagger.classify(["We are turning the tables so that abusers are the ones under pressure."])
    tags = {t.topic: t for t in result.topics}
    assert tags["perpetrator_pursuit"].method == "semantic"
    assert "example" in tags["perpetrator_pursuit"].reason
    (fraud,) = tagger.classify(["The unit will pursue the perpetrators of fraud against pension funds."])
    assert "perpetrator_pursuit" not in {t.topic for t in fraud.topics}


def test_real_model_leaves_keywords_in_other_senses_untagged(tagger):
    horse, deer, stalked = tagger.classify(["He stood as a stalking horse in the leadership contest.",
                                            "Deer stalking is popular in the Highlands.",
                                            "He followed her home and stalked her for months."])
    assert not horse.topics and not deer.topics
    assert "stalking" in {t.topic for t in stalked.topics}


def run_cli(*args: str, stdin: str) -> subprocess.CompletedProcess:
    """Run the real CLI with text on stdin."""
    return subprocess.run([sys.executable, "-m", "pursuit", *args], input=stdin, capture_output=True,
                          text=True, timeout=300, cwd=REPO, check=False)


def test_classify_writes_one_line_per_input_line_with_reasons():
    lines = [
        {"id": "a", "text": "The Government will make Stalking Protection Orders simpler for police to use.",
         "date": "2024-09-24", "speaker": "Jess Phillips", "source_kind": "hansard_debate"},
        {"id": 2, "text": "The price of oil rose sharply last winter."},
        {"text": "no id here"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\n{broken\n"
    result = run_cli("classify", stdin=stdin)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", 2, None, None]
    first, second, missing, broken = records
    assert "stalking" in first["topics"] and first["commitment"] is True
    assert first["reasons"]["stalking"]["method"] == "rule"
    assert set(first["reasons"]["commitment"]) == {"score", "reason", "actor"}
    assert second["topics"] == [] and second["commitment"] is False
    assert "needs an 'id'" in missing["error"] and "not JSON" in broken["error"]
    assert "line 4: not JSON" in result.stderr


def test_evaluate_prints_scores_for_a_tiny_gold_file(tmp_path):
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"text": "Domestic abuse is a devastating crime.", "topics": ["domestic_abuse"], "commitment": False},
        {"text": "We will introduce Stalking Protection Orders.", "topics": ["stalking"], "commitment": True},
        {"text": "The oil and gas industry employs many people.", "topics": [], "commitment": False},
    ]
    gold.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    report_path = tmp_path / "report.json"
    result = run_cli("evaluate", str(gold), "--json", str(report_path), stdin="")
    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    assert report["topics"]["stalking"]["f1"] == 1.0 and report["topics"]["domestic_abuse"]["f1"] == 1.0
    assert report["commitment"]["f1"] == 1.0 and report["items"] == 3
    assert "macro-F1 (topics)" in result.stdout


def test_first_pass_keeps_the_gold_scores_and_sends_on_what_the_full_model_tags(tagger):
    from pursuit.classifying import evaluate_file

    report = evaluate_file(tagger, REPO / "tests" / "fixtures" / "nlp" / "gold.jsonl")
    # the published figures (0.892, 0.878) to within rounding; the gate's own effect is checked below
    assert report["macro_f1"] >= 0.891 and report["commitment"]["f1"] >= 0.875
    assert report["gate_recall"] >= 0.99 and report["gate_differences"] <= 3
    assert report["sent_on"] < report["items"]
