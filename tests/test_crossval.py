"""Grouped cross-validation: documents never straddle folds, and every labelled sentence is scored once."""

import json

import numpy as np

from nlp.crossval import cross_validate
from nlp.embed import HashingEmbedder
from nlp.labelled import read_labelled
from nlp.taxonomy import load_taxonomy
from nlp.train import DATA_DIR, grouped_out_of_fold, out_of_fold


def test_labelled_rows_carry_their_source_document():
    topics = load_taxonomy().ids()
    corpus = read_labelled(DATA_DIR / "train.jsonl", topics)[0]
    first_line = json.loads((DATA_DIR / "train.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert corpus.group == first_line["document_id"]
    sitting = [row for row in read_labelled(DATA_DIR / "train_extra.jsonl", topics)
               if row.group.startswith("hansard_html/")]
    # one long sitting is split into runs of sentences, so it can spread over several folds
    assert 5 <= len({row.group for row in sitting}) < len(sitting)


def test_grouped_out_of_fold_never_learns_a_document_from_itself():
    # each document has its own indicator feature and all its sentences share one label:
    # a model that saw part of the document would predict the rest perfectly
    documents, per_document = 20, 6
    groups = np.repeat(np.arange(documents), per_document)
    features = np.eye(documents)[groups] + np.random.default_rng(0).normal(0, 0.01, (len(groups), documents))
    labels = (groups % 2 == 0)
    leaky = out_of_fold(features, labels)
    grouped = grouped_out_of_fold(features, labels, groups)
    separation = lambda p: p[labels].mean() - p[~labels].mean()  # noqa: E731
    assert separation(leaky) > 0.3
    assert abs(separation(grouped)) < 0.05


def test_cross_validation_scores_every_labelled_sentence_once(tmp_path):
    lines = (DATA_DIR / "train.jsonl").read_text(encoding="utf-8").splitlines()[:150]
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = cross_validate([small], HashingEmbedder())
    assert report["items"] == 150
    gold = {json.loads(line)["text"]: json.loads(line) for line in lines}
    for error in report["errors"]:
        row = gold[error["text"]]
        assert (error["gold"], error["commitment"][0]) == (sorted(row["topics"]), row["commitment"])
        assert (error["gold"], error["commitment"][0]) != (error["got"], error["commitment"][1])
    assert 0.0 <= report["macro_f1"] <= 1.0
