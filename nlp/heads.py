"""Learned heads: one logistic regression per topic and one for commitments, with calibrated thresholds."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlp.gate import Gate

DEFAULT_PATH = Path(__file__).parent / "model" / "heads.npz"


@dataclass
class Heads:
    """Weights, thresholds and the labelled example bank used to explain semantic tags."""

    topics: list[str]
    weights: np.ndarray            # (topics + 1, features): the last row is the commitment head
    bias: np.ndarray               # (topics + 1,)
    thresholds: np.ndarray         # (topics + 1,)
    example_texts: list[str]
    example_labels: np.ndarray     # (examples, topics) 0/1
    example_vectors: np.ndarray    # (examples, dimensions), normalised
    example_is_anchor: np.ndarray  # (examples,) True for the taxonomy's own example sentences
    meta: dict
    gate: Gate | None = None       # the first pass over static vectors; None means every unit goes on
    _example_rows: dict = field(default_factory=dict, repr=False, compare=False)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Sigmoid scores, one column per topic then the commitment column."""
        logits = features @ self.weights.T + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))

    def nearest_example(self, vector: np.ndarray, topic_index: int, anchors_only: bool = False
                        ) -> tuple[str, float]:
        """The labelled example (or taxonomy anchor) of a topic most similar to a vector, with the cosine."""
        rows, matrix = self._examples_of(topic_index, anchors_only)
        if rows.size == 0:
            return "", 0.0
        scores = matrix @ vector
        best = int(np.argmax(scores))
        return self.example_texts[rows[best]], float(scores[best])

    def _examples_of(self, topic_index: int, anchors_only: bool) -> tuple[np.ndarray, np.ndarray]:
        """The example rows of a topic and their vectors, worked out once and kept."""
        key = (topic_index, anchors_only)
        if key not in self._example_rows:
            mask = self.example_labels[:, topic_index].astype(bool)
            if anchors_only:
                mask &= self.example_is_anchor
            rows = np.flatnonzero(mask)
            self._example_rows[key] = (rows, np.ascontiguousarray(self.example_vectors[rows]))
        return self._example_rows[key]

    def save(self, path: Path = DEFAULT_PATH) -> None:
        """Write the heads to a compressed .npz file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        gate = {} if self.gate is None else {
            "gate_weights": self.gate.weights.astype(np.float32), "gate_bias": np.float32(self.gate.bias),
            "gate_threshold": np.float32(self.gate.threshold),
            **({} if self.gate.lexical is None else {"gate_lexical": self.gate.lexical.astype(np.float32)})}
        np.savez_compressed(
            path, **gate, topics=np.array(self.topics), weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32), thresholds=self.thresholds.astype(np.float32),
            example_texts=np.array(self.example_texts), example_labels=self.example_labels.astype(np.int8),
            example_vectors=self.example_vectors.astype(np.float16),
            example_is_anchor=self.example_is_anchor.astype(bool), meta=np.array(json.dumps(self.meta)),
        )


class HeadsError(ValueError):
    """The heads file is missing, unreadable or made for another model or taxonomy."""


def load_heads(path: Path = DEFAULT_PATH) -> Heads:
    """Read heads written by `Heads.save`."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        message = f"{path}: cannot read the tagger's learned heads ({error}); run `pursuit train`"
        raise HeadsError(message) from error
    return Heads(
        topics=[str(t) for t in data["topics"]], weights=data["weights"].astype(np.float32),
        bias=data["bias"].astype(np.float32), thresholds=data["thresholds"].astype(np.float32),
        example_texts=[str(t) for t in data["example_texts"]],
        example_labels=data["example_labels"].astype(np.int8),
        example_vectors=data["example_vectors"].astype(np.float32),
        example_is_anchor=data["example_is_anchor"].astype(bool), meta=json.loads(str(data["meta"])),
        gate=Gate(data["gate_weights"].astype(np.float32), float(data["gate_bias"]),
                  float(data["gate_threshold"]),
                  data["gate_lexical"].astype(np.float32) if "gate_lexical" in data else None)
        if "gate_weights" in data else None,
    )
