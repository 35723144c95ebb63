"""Evidence by meaning: group restated pledges, rank later sentences against a pledge, suggest a status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GROUP_SIMILARITY = 0.84  # a pledge this close to an earlier one restates it (same commitment)
MIN_SIMILARITY = 0.60  # weaker sentences are not evidence (tuned on tests/fixtures/nlp/evidence_gold.jsonl)
TOPIC_BONUS = 0.08  # sharing a topic with the commitment adds this to the similarity
MAX_EVIDENCE = 20  # passages kept per commitment
STATUS_SCALE = (
    "not yet rated",
    "in progress",
    "stalled",
    "delivered",
    "partly delivered",
    "broken",
    "unclear",
)


@dataclass(frozen=True)
class Candidate:
    """A later sentence that may speak to a commitment."""

    sentence_id: str
    passage_id: str
    document_id: str
    date: str
    topics: frozenset[str]


@dataclass(frozen=True)
class Match:
    """A candidate scored against a commitment: cosine similarity, shared topics and the combined score."""

    candidate: Candidate
    similarity: float
    shared_topics: tuple[str, ...]
    score: float


def evidence_score(similarity: float, shared_topics: int) -> float:
    """The ranking score: meaning first, a small bonus for a shared topic."""
    return similarity + (TOPIC_BONUS if shared_topics else 0.0)


def is_eligible(commitment_date: str | None, commitment_documents: set[str], candidate: Candidate) -> bool:
    """Only sentences from other documents, dated after the commitment, can be evidence of what followed."""
    return bool(
        commitment_date
        and candidate.date
        and candidate.date > commitment_date
        and candidate.document_id not in commitment_documents
    )


def rank_evidence(
    vector: np.ndarray,
    topics: frozenset[str],
    date: str | None,
    documents: set[str],
    candidates: list[Candidate],
    matrix: np.ndarray,
    limit: int = MAX_EVIDENCE,
) -> list[Match]:
    """The best sentence per later passage, ranked by score, above the similarity floor."""
    if not len(candidates):
        return []
    similarities = matrix @ vector
    best: dict[str, Match] = {}
    for index, candidate in enumerate(candidates):
        similarity = float(similarities[index])
        if similarity < MIN_SIMILARITY or not is_eligible(date, documents, candidate):
            continue
        shared = tuple(sorted(topics & candidate.topics))
        match = Match(candidate, similarity, shared, evidence_score(similarity, len(shared)))
        current = best.get(candidate.passage_id)
        if current is None or match.score > current.score:
            best[candidate.passage_id] = match
    return sorted(best.values(), key=lambda m: (-m.score, m.candidate.date))[:limit]


def assign_groups(vectors: np.ndarray, group_vectors: np.ndarray) -> list[int | None]:
    """For each new pledge vector, the index of the group it restates (cosine >= GROUP_SIMILARITY), or None.

    New pledges that open a group can be joined by later new pledges: indexes past the existing groups
    refer to those, in order of opening.
    """
    opened: list[np.ndarray] = []
    assigned: list[int | None] = []
    for vector in vectors:
        pool = list(group_vectors) + opened
        if pool:
            similarities = np.stack(pool) @ vector
            best = int(np.argmax(similarities))
            if similarities[best] >= GROUP_SIMILARITY:
                assigned.append(best)
                continue
        assigned.append(None)
        opened.append(vector)
    return assigned


@dataclass(frozen=True)
class Suggestion:
    """The machine's indicative status, why, and the evidence it rests on."""

    status: str
    reason: str
    evidence_ids: tuple[str, ...]


def _latest(evidence: list[dict], relation: str) -> dict | None:
    """The latest piece of evidence with this relation."""
    found = [e for e in evidence if e["relation"] == relation]
    return max(found, key=lambda e: e["date"]) if found else None


def suggest_status(evidence: list[dict], deadline: str | None, as_of: str) -> Suggestion:
    """An indicative status from the evidence's relations and dates and whether the deadline has passed."""
    if not evidence:
        return Suggestion("not yet rated", "no later evidence found", ())
    delivered, criticised = _latest(evidence, "delivered"), _latest(evidence, "criticises")
    contradicted, progress = _latest(evidence, "contradicts"), _latest(evidence, "progress")
    if delivered and criticised and criticised["date"] > delivered["date"]:
        return Suggestion(
            "partly delivered", "delivery reported, then criticised", (delivered["id"], criticised["id"])
        )
    if delivered:
        return Suggestion("delivered", "later evidence reports delivery", (delivered["id"],))
    if contradicted:
        return Suggestion("broken", "later evidence contradicts it", (contradicted["id"],))
    if deadline and deadline < as_of:
        basis = tuple(e["id"] for e in (criticised, progress) if e)
        return Suggestion("stalled", f"deadline {deadline} passed with no delivery reported", basis)
    if criticised and (not progress or criticised["date"] >= progress["date"]):
        return Suggestion("stalled", "the latest evidence reports failure or delay", (criticised["id"],))
    if progress:
        return Suggestion("in progress", "later evidence reports progress", (progress["id"],))
    return Suggestion(
        "unclear",
        "later text restates or mentions it without reporting progress",
        tuple(e["id"] for e in evidence[:3]),
    )


def is_overdue(deadline: str | None, as_of: str, delivered: bool) -> bool:
    """A deadline has passed and nothing (machine or curator) says it was delivered."""
    return bool(deadline and deadline < as_of and not delivered)
