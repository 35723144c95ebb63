"""The feature vector the learned heads read: the sentence embedding plus rule and cue indicators."""

from __future__ import annotations

import numpy as np

from nlp.commitments import FEATURE_NAMES, Commitment
from nlp.components import RuleHit


def rule_indicators(topics: list[str], hits: list[RuleHit]) -> np.ndarray:
    """1.0 for each topic with a rule hit in the sentence, else 0.0."""
    matched = {h.topic for h in hits}
    return np.array([1.0 if t in matched else 0.0 for t in topics], dtype=np.float32)


def feature_vector(embedding: np.ndarray, topics: list[str], hits: list[RuleHit],
                   commitment: Commitment) -> np.ndarray:
    """Embedding, then one indicator per topic rule, then the commitment cue features."""
    cues = np.array(commitment.features, dtype=np.float32)
    return np.concatenate([embedding.astype(np.float32), rule_indicators(topics, hits), cues])


def feature_names(topics: list[str], dimensions: int) -> list[str]:
    """Human-readable names of the feature vector's positions."""
    return [f"emb{i}" for i in range(dimensions)] + [f"rule:{t}" for t in topics] + list(FEATURE_NAMES)
