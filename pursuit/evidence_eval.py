"""Score the evidence ranking on hand-labelled commitment/evidence pairs: precision@5 and recall."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from nlp.link import MAX_EVIDENCE, Candidate, rank_evidence

PAIR_FIELDS = (
    "commitment_id",
    "commitment_text",
    "commitment_date",
    "commitment_document",
    "candidate_text",
    "candidate_date",
    "candidate_document",
    "relevant",
)


def is_evidence_gold(path: Path) -> bool:
    """Does the file hold commitment/evidence pairs (rather than tagged sentences)?"""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                return "candidate_text" in json.loads(line)
    return False


def read_pairs(path: Path) -> list[dict]:
    """Labelled pairs, checked for their fields; a bad line raises ValueError with its number."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        missing = [f for f in PAIR_FIELDS if f not in record]
        if missing:
            raise ValueError(f"{path}:{number}: missing {', '.join(missing)}")
        pairs.append(record)
    return pairs


def _precision(ranked: list[Candidate], relevant: dict[str, bool], cutoff: int) -> float | None:
    """Share of the top `cutoff` returned candidates that are labelled relevant (None if none returned)."""
    top = ranked[:cutoff]
    return sum(relevant[c.sentence_id] for c in top) / len(top) if top else None


def evaluate_pairs(tagger, pairs: list[dict], cutoff: int = 5) -> dict:
    """Rank each commitment's labelled candidates as the linker does and score the top of the ranking."""
    texts = list(dict.fromkeys([p["commitment_text"] for p in pairs] + [p["candidate_text"] for p in pairs]))
    tagged = dict(zip(texts, tagger.classify(texts), strict=True))
    vectors = dict(zip(texts, tagger.embedder.encode(texts), strict=True))  # the linker's full-model vectors
    by_commitment: dict[str, list[dict]] = defaultdict(list)
    for pair in pairs:
        by_commitment[pair["commitment_id"]].append(pair)
    per_commitment, found, positives = {}, 0, 0
    for commitment_id, group in by_commitment.items():
        first = group[0]
        own = tagged[first["commitment_text"]]
        candidates = [
            Candidate(
                p["id"],
                p["id"],
                p["candidate_document"],
                p["candidate_date"] or "",
                frozenset(t.topic for t in tagged[p["candidate_text"]].topics),
            )
            for p in group
        ]
        matrix = np.stack([vectors[p["candidate_text"]] for p in group])
        ranked = [
            m.candidate
            for m in rank_evidence(
                vectors[first["commitment_text"]],
                frozenset(t.topic for t in own.topics),
                first["commitment_date"],
                {first["commitment_document"]},
                candidates,
                matrix,
                MAX_EVIDENCE,
            )
        ]
        relevant = {p["id"]: bool(p["relevant"]) for p in group}
        per_commitment[commitment_id] = {
            "pairs": len(group),
            "relevant": sum(relevant.values()),
            "returned": len(ranked),
            f"precision@{cutoff}": _precision(ranked, relevant, cutoff),
            "recall": (
                sum(relevant[c.sentence_id] for c in ranked) / sum(relevant.values())
                if any(relevant.values())
                else None
            ),
        }
        found += sum(relevant[c.sentence_id] for c in ranked)
        positives += sum(relevant.values())
    scored = [
        v[f"precision@{cutoff}"] for v in per_commitment.values() if v[f"precision@{cutoff}"] is not None
    ]
    return {
        "pairs": len(pairs),
        "commitments": len(per_commitment),
        "positives": positives,
        "negatives": len(pairs) - positives,
        f"precision@{cutoff}": round(sum(scored) / len(scored), 4) if scored else None,
        "recall": round(found / positives, 4) if positives else None,
        "per_commitment": per_commitment,
    }


def format_evidence_report(report: dict, cutoff: int = 5) -> str:
    """The report as plain text: one line per commitment, then the means."""
    key = f"precision@{cutoff}"
    lines = [f"{'commitment':<16} {'pairs':>5} {'rel':>4} {'ret':>4} {'P@' + str(cutoff):>6} {'recall':>7}"]
    for commitment_id, row in report["per_commitment"].items():
        p = "-" if row[key] is None else f"{row[key]:.3f}"
        r = "-" if row["recall"] is None else f"{row['recall']:.3f}"
        lines.append(
            f"{commitment_id:<16} {row['pairs']:>5} {row['relevant']:>4} {row['returned']:>4} {p:>6} {r:>7}"
        )
    lines.append(
        f"evidence ranking on {report['pairs']} pairs ({report['positives']} relevant, "
        f"{report['negatives']} not) for {report['commitments']} commitments: mean {key} "
        f"{report[key]:.3f}, recall {report['recall']:.3f}"
    )
    return "\n".join(lines)
