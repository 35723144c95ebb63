"""The first pass's gate: could the full model tag this unit at all? Fitted for recall, not precision.

Its features are the unit's static-model vector, the rule and pledge-cue indicators, and hashed word
unigrams and bigrams (a sparse lexical part). A logistic regression scores them; the threshold is the
highest at which, out of fold, the gate still sends on the target share of the units the model is needed for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

GATE_RECALL = 0.99          # share of the units that need the model which the gate must send on
LEXICAL_BUCKETS = 2 ** 18   # hashed word unigrams and bigrams
GATE_REGULARISATION = 4.0
FOLDS = 5

_HASHER = HashingVectorizer(n_features=LEXICAL_BUCKETS, ngram_range=(1, 2), alternate_sign=False,
                            norm="l2", binary=True, lowercase=True, dtype=np.float32)


def hashed_words(texts: list[str]) -> sparse.csr_matrix:
    """One L2-normalised row of hashed lower-cased word unigrams and bigrams per text."""
    return _HASHER.transform(texts).tocsr()


def gate_matrix(dense: np.ndarray, texts: list[str]) -> sparse.csr_matrix:
    """The gate's full feature matrix: dense features (static vector, rules, cues) then hashed words."""
    return sparse.hstack([sparse.csr_matrix(dense, dtype=np.float32), hashed_words(texts)], format="csr")


@dataclass
class Gate:
    """A logistic regression over static, rule, cue and hashed-word features, with a recall threshold."""

    weights: np.ndarray            # (dense features,): static vector, rule indicators, cue features
    bias: float
    threshold: float               # calibrated by `pursuit train` for recall, not precision
    lexical: np.ndarray | None = None  # (LEXICAL_BUCKETS,) hashed-word weights; None: dense only

    def probabilities(self, features: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """Sigmoid score per unit from its dense features and (when the gate has a lexical part) its text."""
        logits = np.asarray(features, dtype=np.float32) @ self.weights + self.bias
        if self.lexical is not None:
            if texts is None:
                raise ValueError("this gate reads the units' words: pass their texts")
            logits = logits + hashed_words(texts) @ self.lexical
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))


def fit_logistic(features, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """A class-balanced logistic regression; a constant model when one class is missing."""
    if labels.min() == labels.max():
        return np.zeros(features.shape[1], dtype=np.float32), (8.0 if labels[0] else -8.0)
    model = LogisticRegression(C=GATE_REGULARISATION, class_weight="balanced", max_iter=5000)
    model.fit(features, labels)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def out_of_fold_scores(features, labels: np.ndarray, seed: int = 13) -> np.ndarray:
    """Five-fold out-of-fold probabilities, for a threshold that does not flatter the gate."""
    scores = np.zeros(len(labels))
    folds = min(FOLDS, int(labels.sum()), int((1 - labels).sum()))
    if folds < 2:
        return np.full(len(labels), float(labels.mean()))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(labels)),
                                                                                      labels):
        weights, bias = fit_logistic(features[train], labels[train])
        scores[test] = 1 / (1 + np.exp(-(features[test] @ weights + bias)))
    return scores


def recall_threshold(scores: np.ndarray, positives: np.ndarray, forced: np.ndarray, target: float) -> float:
    """The highest threshold at which forced units plus scores above it reach `target` recall of positives."""
    needed = int(np.ceil(target * positives.sum()))
    covered = int((positives & forced).sum())
    open_scores = np.sort(scores[positives & ~forced])[::-1]
    if covered >= needed or open_scores.size == 0:
        return float(open_scores[0]) if open_scores.size else 0.5
    index = min(needed - covered, open_scores.size) - 1
    return float(open_scores[index])


def train_gate(dense: np.ndarray, texts: list[str], needs_model: np.ndarray, forced: np.ndarray,
               target: float = GATE_RECALL) -> tuple[Gate, dict]:
    """Fit the gate on the units rules do not force through; threshold it for recall out of fold."""
    free = ~forced
    matrix = gate_matrix(dense, texts)
    weights, bias = fit_logistic(matrix[free], needs_model[free])
    scores = np.ones(len(needs_model))
    scores[free] = out_of_fold_scores(matrix[free], needs_model[free])
    threshold = recall_threshold(scores, needs_model, forced, target)
    sent = forced | (scores >= threshold)
    columns = dense.shape[1]
    gate = Gate(weights[:columns], bias, threshold, lexical=np.asarray(weights[columns:], dtype=np.float32))
    recall = (sent & needs_model).sum() / max(1, needs_model.sum())
    figures = {"gate_recall_target": target, "gate_recall_out_of_fold": round(float(recall), 4),
               "gate_send_share_training": round(float(sent.mean()), 4), "gate_units": len(needs_model)}
    return gate, figures
