"""Cross-validate the tagger on its own training data, grouped by source document (a development measure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

from nlp.embed import Embedder
from nlp.evaluate import score
from nlp.labelled import read_labelled
from nlp.static import StaticEmbedder
from nlp.tag import Tagger
from nlp.taxonomy import Taxonomy, load_taxonomy
from nlp.train import (
    Featurised,
    KnownVectors,
    featurise,
    fit_heads,
    labels_matrix,
    training_groups,
    training_rows,
)

FOLDS = 5


def predictions(tagger: Tagger, texts: list[str]) -> list[tuple[set[str], bool]]:
    """Topics and commitment verdict of each text, as `score` wants them."""
    return [({t.topic for t in tagged.topics}, tagged.commitment) for tagged in tagger.classify(texts)]


def fold_tagger(taxonomy: Taxonomy, texts: list[str], data: Featurised, topic_labels: np.ndarray,
                commitment_labels: np.ndarray, groups: np.ndarray, train: np.ndarray, embedder_name: str,
                static: Embedder) -> Tagger:
    """A tagger (first pass off) whose heads are fitted on the training rows plus every anchor."""
    n = len(commitment_labels)
    rows = np.concatenate([train, np.arange(n, len(texts))])
    heads = fit_heads(taxonomy, [texts[i] for i in rows], data.rows(rows), topic_labels[rows],
                      commitment_labels[train], groups[rows])
    known = KnownVectors(embedder_name, texts, data.vectors)
    return Tagger(known, heads, str(taxonomy.path), static=static, gate=False)


def cross_validate(paths: list[Path], embedder: Embedder, taxonomy_path: str | None = None,
                   folds: int = FOLDS) -> dict:
    """Grouped k-fold scores of the ungated tagger on the labelled files (anchors always trained on)."""
    taxonomy = load_taxonomy(taxonomy_path) if taxonomy_path else load_taxonomy()
    labelled, examples = training_rows(paths, taxonomy)
    texts = [row.text for row in labelled] + [text for text, _ in examples]
    data = Featurised(*featurise(texts, embedder, taxonomy, taxonomy_path))
    topic_labels = labels_matrix(labelled, examples, taxonomy.ids())
    commitment_labels = np.array([row.commitment for row in labelled])
    groups = [row.group for row in labelled]
    all_groups = training_groups(labelled, examples)
    static = StaticEmbedder()
    predicted: list[tuple[set[str], bool] | None] = [None] * len(labelled)
    for train, test in GroupKFold(folds).split(np.zeros(len(labelled)), groups=groups):
        tagger = fold_tagger(taxonomy, texts, data, topic_labels, commitment_labels, all_groups, train,
                             embedder.name, static)
        for index, verdict in zip(test, predictions(tagger, [texts[i] for i in test]), strict=True):
            predicted[index] = verdict
    gold = [(set(row.topics), row.commitment) for row in labelled]
    report = score(taxonomy.ids(), gold, predicted)
    on_topic = [index for index, (topics, _) in enumerate(gold) if topics]
    report["commitment_on_topic"] = score(taxonomy.ids(), [gold[i] for i in on_topic],
                                          [predicted[i] for i in on_topic])["commitment"]
    report["errors"] = [{"text": row.text, "gold": sorted(g[0]), "got": sorted(p[0]),
                         "commitment": [g[1], p[1]]}
                        for row, g, p in zip(labelled, gold, predicted, strict=True) if g != p]
    return report


def score_file(tagger: Tagger, path: Path) -> dict:
    """The ungated scores of a tagger on one labelled file."""
    rows = read_labelled(path, tagger.heads.topics)
    return score(tagger.heads.topics, [(set(r.topics), r.commitment) for r in rows],
                 predictions(tagger, [r.text for r in rows]))
