"""The feature vector the learned heads read: the sentence embedding plus the commitment cue indicators.

Rule hits are not features: a rule hit tags its topic outright, so the heads only ever decide sentences
without one, and fitting them without the rule indicators makes the embedding carry the topic (grouped
cross-validation, five topics: 0.868 with the indicators, 0.879 without).
"""

from __future__ import annotations

import numpy as np

from nlp.commitments import FEATURE_NAMES, Commitment


def feature_vector(embedding: np.ndarray, commitment: Commitment) -> np.ndarray:
    """Embedding, then the commitment cue features."""
    cues = np.array(commitment.features, dtype=np.float32)
    return np.concatenate([embedding.astype(np.float32), cues])


def feature_names(dimensions: int) -> list[str]:
    """Human-readable names of the feature vector's positions."""
    return [f"emb{i}" for i in range(dimensions)] + list(FEATURE_NAMES)
