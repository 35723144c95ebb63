"""Fit the learned heads on labelled sentences plus the taxonomy's examples, calibrating thresholds."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from nlp.commitments import detect_commitment, ruled_out
from nlp.components import hits_in
from nlp.embed import Embedder
from nlp.features import feature_vector
from nlp.gate import GATE_RECALL, train_gate
from nlp.heads import Heads
from nlp.labelled import Labelled, read_labelled
from nlp.pipeline import build_pipeline
from nlp.remit import remit_flags
from nlp.static import StaticEmbedder
from nlp.taxonomy import Taxonomy, load_taxonomy

DATA_DIR = Path(__file__).parent / "data"
REGULARISATION = 1.0
MIN_LABELLED_POSITIVES = 15   # below this, a topic's semantic tagger is trusted only when very sure
SPARSE_TOPIC_FLOOR = 0.9
THRESHOLD_GRID = np.round(np.arange(0.2, 0.95, 0.025), 3)
BACKGROUND = DATA_DIR / "background.txt"  # unlabelled everyday Hansard: the first pass learns what to skip


def featurise(texts: list[str], embedder: Embedder, taxonomy: Taxonomy, taxonomy_path: str | None):
    """Feature rows, rule-hit masks, pledge-rule verdicts and vectors for whole texts."""
    language = build_pipeline(taxonomy_path)
    topics = taxonomy.ids()
    vectors = embedder.encode(texts)
    rows, hit_masks, pledges, never = [], [], [], []
    for doc, vector in zip(language.pipe(texts), vectors, strict=True):
        hits = hits_in(doc, 0, len(doc.text))
        cue = detect_commitment(doc.text)
        rows.append(feature_vector(vector, cue))
        hit_masks.append([any(h.topic == t for h in hits) for t in topics])
        pledges.append(cue.is_commitment)
        never.append(ruled_out(cue))
    return np.array(rows), np.array(hit_masks), np.array(pledges), np.array(never), vectors


def fit(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """A class-balanced logistic regression; a constant head when one class is missing."""
    if labels.min() == labels.max():
        return np.zeros(features.shape[1]), (8.0 if labels[0] else -8.0)
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000)
    model.fit(features, labels)
    return model.coef_[0], float(model.intercept_[0])


def out_of_fold(features: np.ndarray, labels: np.ndarray, seed: int = 13) -> np.ndarray:
    """Five-fold out-of-fold probabilities, for calibrating a threshold without peeking."""
    probabilities = np.zeros(len(labels))
    folds = min(5, int(labels.sum()), int((1 - labels).sum()))
    if folds < 2:
        return np.full(len(labels), float(labels.mean()))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(features, labels):
        weights, bias = fit(features[train], labels[train])
        probabilities[test] = 1 / (1 + np.exp(-(features[test] @ weights + bias)))
    return probabilities


def grouped_out_of_fold(features: np.ndarray, labels: np.ndarray, groups: np.ndarray, seed: int = 13
                        ) -> np.ndarray:
    """Out-of-fold probabilities with every source document kept within one fold (no near-duplicate leaks)."""
    probabilities = np.zeros(len(labels))
    folds = min(5, int(labels.sum()), int((1 - labels).sum()), len(set(groups)))
    if folds < 2:
        return np.full(len(labels), float(labels.mean()))
    splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(features, labels, groups):
        weights, bias = fit(features[train], labels[train])
        probabilities[test] = 1 / (1 + np.exp(-(features[test] @ weights + bias)))
    return probabilities


def f1(predicted: np.ndarray, labels: np.ndarray) -> float:
    """F1 of boolean predictions."""
    tp = float((predicted & labels).sum())
    return 2 * tp / max(1.0, float(predicted.sum() + labels.sum()))


def best_threshold(
    probabilities: np.ndarray, labels: np.ndarray, forced: np.ndarray, blocked: np.ndarray
) -> float:
    """The threshold maximising F1 when rule verdicts force yes (forced) or no (blocked)."""
    scores = [f1((forced | (probabilities >= t)) & ~blocked, labels) for t in THRESHOLD_GRID]
    return float(THRESHOLD_GRID[int(np.argmax(scores))])


def calibrated_threshold(features: np.ndarray, labels: np.ndarray, rule_hits: np.ndarray,
                         labelled_positives: int, groups: np.ndarray, out_of_context: np.ndarray) -> float:
    """The out-of-fold best threshold, raised for topics with too few labelled sentences to trust."""
    blocked = out_of_context & ~rule_hits
    threshold = best_threshold(grouped_out_of_fold(features, labels, groups), labels, rule_hits, blocked)
    return threshold if labelled_positives >= MIN_LABELLED_POSITIVES else max(threshold, SPARSE_TOPIC_FLOOR)


def training_rows(paths: list[Path], taxonomy: Taxonomy) -> tuple[list[Labelled], list[tuple[str, str]]]:
    """Labelled sentences from every file, and the taxonomy's example sentences with their topic."""
    labelled = [row for path in paths for row in read_labelled(path, taxonomy.ids())]
    examples = [(text, topic.id) for topic in taxonomy.topics for text in topic.examples]
    return labelled, examples


def files_digest(paths: list[Path]) -> str:
    """SHA-256 over the named files' bytes, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


class KnownVectors:
    """An embedder that answers from vectors already computed (to replay the full tagger on training data)."""

    def __init__(self, name: str, texts: list[str], vectors: np.ndarray):
        self.name = name
        self.vectors = dict(zip(texts, vectors, strict=True))

    def encode(self, texts: list[str]) -> np.ndarray:
        """The stored vector of each text."""
        return np.stack([self.vectors[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


def replay_full_tagger(heads: Heads, embedder: Embedder, static: Embedder, texts: list[str],
                       vectors: np.ndarray, taxonomy_path: str | None, pledges: np.ndarray) -> np.ndarray:
    """Whether the ungated tagger's verdict needs the model: a topic, or a commitment unlike the rule's."""
    from nlp.tag import Tagger

    known = KnownVectors(embedder.name, texts, vectors)
    tagger = Tagger(known, heads, taxonomy_path, static=static, gate=False)
    return np.array([bool(t.topics) or t.commitment != bool(pledge)
                     for t, pledge in zip(tagger.classify(texts), pledges, strict=True)])


@dataclass
class Featurised:
    """What `featurise` computes for a list of texts, row-aligned."""

    features: np.ndarray
    hit_masks: np.ndarray
    pledges: np.ndarray
    never: np.ndarray
    vectors: np.ndarray

    def rows(self, index: np.ndarray) -> Featurised:
        """The same arrays restricted to some rows."""
        return Featurised(self.features[index], self.hit_masks[index], self.pledges[index],
                          self.never[index], self.vectors[index])


def labels_matrix(labelled: list[Labelled], examples: list[tuple[str, str]], topics: list[str]) -> np.ndarray:
    """One boolean row per labelled sentence then per taxonomy example, one column per topic."""
    return np.array([[t in row.topics for t in topics] for row in labelled]
                    + [[t == topic for t in topics] for _, topic in examples], dtype=bool)


def training_groups(labelled: list[Labelled], examples: list[tuple[str, str]]) -> np.ndarray:
    """The source document of each labelled sentence, then one group per taxonomy example."""
    return np.array([row.group for row in labelled] + [f"taxonomy-example-{i}" for i in range(len(examples))])


def fit_heads(taxonomy: Taxonomy, texts: list[str], data: Featurised, topic_labels: np.ndarray,
              commitment_labels: np.ndarray, groups: np.ndarray) -> Heads:
    """Fit and calibrate every head; the first len(commitment_labels) texts are labelled, the rest anchors."""
    n = len(commitment_labels)
    weights, biases, thresholds = [], [], []
    for index, topic in enumerate(taxonomy.topics):
        labels = topic_labels[:, index]
        w, b = fit(data.features, labels)
        weights.append(w)
        biases.append(b)
        thresholds.append(topic.threshold or calibrated_threshold(
            data.features, labels, data.hit_masks[:, index], int(labels[:n].sum()), groups,
            np.array([not topic.in_context(text) for text in texts])))
    w, b = fit(data.features[:n], commitment_labels)
    weights.append(w)
    biases.append(b)
    oof = grouped_out_of_fold(data.features[:n], commitment_labels, groups[:n])
    blocked = data.never[:n] & ~data.pledges[:n]
    thresholds.append(best_threshold(oof, commitment_labels, data.pledges[:n], blocked))
    return Heads(
        topics=taxonomy.ids(), weights=np.array(weights, dtype=np.float32),
        bias=np.array(biases, dtype=np.float32), thresholds=np.array(thresholds, dtype=np.float32),
        example_texts=list(texts), example_labels=topic_labels.astype(np.int8), example_vectors=data.vectors,
        example_is_anchor=np.arange(len(texts)) >= n, meta={},
    )


def train_heads(paths: list[Path] | Path, embedder: Embedder, taxonomy_path: str | None = None,
                static: Embedder | None = None, background_path: Path | None = None) -> Heads:
    """Fit every head and calibrate its threshold on out-of-fold predictions, then fit the first pass."""
    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    taxonomy = load_taxonomy(taxonomy_path) if taxonomy_path else load_taxonomy()
    topics = taxonomy.ids()
    labelled, examples = training_rows(paths, taxonomy)
    texts = [row.text for row in labelled] + [text for text, _ in examples]
    features, hit_masks, pledges, never, vectors = featurise(texts, embedder, taxonomy, taxonomy_path)
    topic_labels = labels_matrix(labelled, examples, topics)
    commitment_labels = np.array([row.commitment for row in labelled])
    heads = fit_heads(taxonomy, texts, Featurised(features, hit_masks, pledges, never, vectors),
                      topic_labels, commitment_labels, training_groups(labelled, examples))
    heads.meta.update({
        "embedder": embedder.name, "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_files": [p.name for p in paths],
        "training_sha256": files_digest(paths),
        "taxonomy_sha256": hashlib.sha256(taxonomy.path.read_bytes()).hexdigest(),
        "sentences": len(labelled), "examples": len(examples),
    })
    static = static or StaticEmbedder()
    gold_commitments = np.concatenate([commitment_labels, np.zeros(len(examples), dtype=bool)])
    gold_positive = topic_labels.any(axis=1) | (gold_commitments & ~pledges)
    needs_model = replay_full_tagger(heads, embedder, static, texts, vectors, taxonomy_path,
                                     pledges) | gold_positive
    static_features = np.hstack([static.encode(texts), features[:, vectors.shape[1]:]])
    forced, gate_texts = hit_masks.any(axis=1), list(texts)
    background = read_background(background_path)
    if background:
        extra, extra_forced, extra_needs = background_rows(heads, embedder, static, background, taxonomy,
                                                           taxonomy_path)
        static_features, gate_texts = np.vstack([static_features, extra]), gate_texts + background
        forced = np.concatenate([forced, extra_forced])
        needs_model = np.concatenate([needs_model, extra_needs])
    remit = remit_flags(taxonomy, gate_texts, forced, [detect_commitment(t) for t in gate_texts])
    remit_texts = [text for text, inside in zip(gate_texts, remit, strict=True) if inside]
    heads.gate, figures = train_gate(static_features[remit], remit_texts, needs_model[remit], forced[remit],
                                     GATE_RECALL)
    heads.meta.update(static_model=static.name, background_sentences=len(background),
                      background_sha256=files_digest([background_path]) if background else "", **figures,
                      gate_remit_share_training=round(float(remit.mean()), 4),
                      labelled_positives_outside_remit=int((needs_model & ~remit).sum()))
    return heads


def read_background(path: Path | None) -> list[str]:
    """Unlabelled sentences, one a line (none without a file)."""
    if path is None or not path.exists():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def background_rows(heads: Heads, embedder: Embedder, static: Embedder, texts: list[str],
                    taxonomy: Taxonomy, taxonomy_path: str | None):
    """First-pass features, rule-forced flags and whether the full tagger's verdict needs the model."""
    features, hit_masks, pledges, _, vectors = featurise(texts, embedder, taxonomy, taxonomy_path)
    needs_model = replay_full_tagger(heads, embedder, static, texts, vectors, taxonomy_path, pledges)
    static_features = np.hstack([static.encode(texts), features[:, vectors.shape[1]:]])
    return static_features, hit_masks.any(axis=1), needs_model
