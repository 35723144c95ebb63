"""Score predictions against a gold set: precision, recall and F1 per topic, macro-F1, commitment F1."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Score:
    """Counts and the derived precision, recall and F1 of one label."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        """Share of predicted labels that are right (1.0 when nothing was predicted)."""
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of gold labels that were found (1.0 when there were none)."""
        gold = self.true_positive + self.false_negative
        return self.true_positive / gold if gold else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        """How many gold items carry the label."""
        return self.true_positive + self.false_negative

    def add(self, predicted: bool, gold: bool) -> None:
        """Count one item."""
        self.true_positive += predicted and gold
        self.false_positive += predicted and not gold
        self.false_negative += gold and not predicted

    def as_dict(self) -> dict:
        """Rounded figures and counts."""
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "support": self.support, "tp": self.true_positive,
                "fp": self.false_positive, "fn": self.false_negative}


Labels = list[tuple[set[str], bool]]


def score(topics: list[str], gold: Labels, predicted: Labels) -> dict:
    """The evaluation report as a dict: per-topic scores, macro-F1 and commitment scores."""
    per_topic = {t: Score() for t in topics}
    commitment = Score()
    for (gold_topics, gold_commitment), (got_topics, got_commitment) in zip(gold, predicted, strict=True):
        for topic in topics:
            per_topic[topic].add(topic in got_topics, topic in gold_topics)
        commitment.add(got_commitment, gold_commitment)
    macro = sum(s.f1 for s in per_topic.values()) / len(topics)
    return {
        "items": len(gold),
        "topics": {t: s.as_dict() for t, s in per_topic.items()},
        "macro_f1": round(macro, 4),
        "commitment": commitment.as_dict(),
    }


def format_table(report: dict) -> str:
    """The report as a plain-text table."""
    lines = [f"{'label':<38} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}"]
    rows = [*report["topics"].items(), ("commitment", report["commitment"])]
    for label, s in rows:
        figures = f"{s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} {s['support']:>5}"
        lines.append(f"{label:<38} {figures}")
    macro = f"{'':>6} {'':>6} {report['macro_f1']:>6.3f} {report['items']:>5}"
    lines.insert(len(rows), f"{'macro-F1 (topics)':<38} {macro}")
    return "\n".join(lines)
