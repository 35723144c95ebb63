"""Compose nlp/ and db/ into the commitments ledger: pledges, restatements, evidence, status, curation."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from db import ledger as store
from db.store import get_state, now_iso, set_state
from nlp.embed import Embedder
from nlp.ledger import classify_relation, is_acceptance, read_pledge
from nlp.link import Candidate, assign_groups, is_overdue, rank_evidence, suggest_status
from pursuit.curation import Curated
from pursuit.tagging import database_embedder

MIN_EVIDENCE_CHARS = 40  # shorter sentences (titles, headings) are not evidence
LIST_MARKER = re.compile(r"^\s*(?:[-–—•·*▪◦]|\(?[0-9]{1,2}[.)]|\(?[a-z][.)])\s+")


@dataclass
class LinkRun:
    """What a linking run did."""

    new_sentences: int = 0
    commitments_new: int = 0
    restatements_new: int = 0
    evidence_new: int = 0
    commitments_total: int = 0
    overdue: int = 0
    unknown_curated: list[str] = field(default_factory=list)


def commitment_id(document_id: str, text: str) -> str:
    """A stable id from the document and the words of the first statement of the promise."""
    return "c-" + hashlib.sha1(f"{document_id}|{' '.join(text.split())}".encode()).hexdigest()[:10]


def quotable(text: str) -> str:
    """The sentence as a quote: a leading list bullet or item number of the source page left off."""
    return LIST_MARKER.sub("", text, count=1)


def topics_of(row: dict, passage_topics: dict[str, set[str]], fallback: bool = True) -> set[str]:
    """The sentence's topics, or (with `fallback`) its passage's topics when the sentence names none."""
    own = {t for t in (row.get("topics") or "").split(",") if t}
    return own or (passage_topics.get(row["passage_id"], set()) if fallback else set())


def is_ledger_pledge(row: dict, passage_topics: dict[str, set[str]]) -> bool:
    """A pledge on one of the taxonomy's topics, or an acceptance of recommendations in a topical passage."""
    if is_acceptance(row["text"]):
        return bool(topics_of(row, passage_topics))
    return bool(row["commitment"]) and bool(topics_of(row, passage_topics, fallback=False))


def vectors_for(embedder, rows: list[dict]) -> np.ndarray:
    """Stored (or freshly computed) vectors of these sentences, one row each."""
    return embedder.encode([row["text"] for row in rows]) if rows else np.zeros((0, 1), dtype=np.float32)


def commitment_row(row: dict, topics: set[str], now: str) -> dict:
    """A commitments row read from its first statement."""
    pledge = read_pledge(
        row["text"], row["date"], row["speaker_name"], row["office"], row["publisher"], row["document_kind"]
    )
    deadline = pledge.deadline
    return {
        "id": commitment_id(row["document_id"], row["text"]),
        "quote": quotable(row["text"]),
        "date": row["date"],
        "year": row["year"],
        "actor": pledge.actor,
        "actor_kind": pledge.actor_kind,
        "action": pledge.action,
        "kind": pledge.kind,
        "topics": ",".join(sorted(topics)),
        "deadline_text": deadline.text if deadline else None,
        "deadline_date": deadline.date if deadline else None,
        "deadline_precision": deadline.precision if deadline else None,
        "speaker_name": row["speaker_name"],
        "role": row["office"],
        "issuing_body": row["publisher"],
        "document_title": row["document_title"],
        "document_kind": row["document_kind"],
        "url": row["url"],
        "sentence_id": row["id"],
        "passage_id": row["passage_id"],
        "document_id": row["document_id"],
        "text_hash": row["text_hash"],
        "created_at": now,
        "updated_at": now,
    }


def occurrence_row(row: dict, commitment: str, similarity: float) -> dict:
    """A commitment_occurrences row."""
    return {
        "sentence_id": row["id"],
        "commitment_id": commitment,
        "passage_id": row["passage_id"],
        "document_id": row["document_id"],
        "date": row["date"],
        "quote": quotable(row["text"]),
        "speaker_name": row["speaker_name"],
        "url": row["url"],
        "similarity": round(similarity, 4),
    }


def _pledge_order(row: dict) -> tuple:
    """Dated pledges first, oldest first, so the earliest statement opens a commitment."""
    return (row["date"] is None, row["date"] or "", row["id"])


def group_pledges(
    db, embedder, rows: list[dict], passage_topics: dict[str, set[str]], run: LinkRun
) -> list[str]:
    """Add new pledge sentences to the ledger, grouping restatements; return the ids of new commitments."""
    rows = sorted(rows, key=_pledge_order)
    existing = list(db.query("SELECT id, quote FROM commitments ORDER BY id"))
    group_vectors = vectors_for(embedder, [{"text": r["quote"]} for r in existing])
    vectors = vectors_for(embedder, rows)
    assigned = assign_groups(vectors, group_vectors if existing else np.zeros((0, vectors.shape[1])))
    group_ids = [r["id"] for r in existing]
    opened_vectors = list(group_vectors) if existing else []
    new_ids, now = [], now_iso()
    for row, vector, group in zip(rows, vectors, assigned, strict=True):
        if group is None:
            record = commitment_row(row, topics_of(row, passage_topics), now)
            store.save_commitment(db, record)
            group_ids.append(record["id"])
            opened_vectors.append(vector)
            new_ids.append(record["id"])
            store.save_occurrence(db, occurrence_row(row, record["id"], 1.0))
        else:
            similarity = float(opened_vectors[group] @ vector)
            store.save_occurrence(db, occurrence_row(row, group_ids[group], similarity))
            run.restatements_new += 1
    run.commitments_new += len(new_ids)
    return new_ids


def candidate_pool(rows: list[dict], passage_topics: dict[str, set[str]]) -> list[Candidate]:
    """Evidence candidates from dated sentences long enough to say something."""
    return [
        Candidate(
            r["id"], r["passage_id"], r["document_id"], r["date"], frozenset(topics_of(r, passage_topics))
        )
        for r in rows
    ]


def evidence_rows(commitment: dict, matches, sentences: dict[str, dict], now: str) -> list[dict]:
    """Evidence rows for one commitment's ranked matches."""
    rows = []
    for match in matches:
        sentence = sentences[match.candidate.sentence_id]
        relation, why = classify_relation(sentence["text"], bool(sentence["commitment"]))
        shared = ", ".join(match.shared_topics)
        reason = (
            f"similar sentence (cosine {match.similarity:.2f})"
            + (f"; shared topics: {shared}" if shared else "")
            + f"; score {match.score:.2f}"
        )
        rows.append(
            {
                "id": f"{commitment['id']}|{sentence['passage_id']}",
                "commitment_id": commitment["id"],
                "date": sentence["date"],
                "relation": relation,
                "quote": quotable(sentence["text"]),
                "document_title": sentence["document_title"],
                "document_kind": sentence["document_kind"],
                "speaker_name": sentence["speaker_name"],
                "issuing_body": sentence["publisher"],
                "url": sentence["url"],
                "similarity": round(match.similarity, 4),
                "shared_topics": shared,
                "score": round(match.score, 4),
                "reason": reason,
                "relation_reason": why,
                "sentence_id": sentence["id"],
                "passage_id": sentence["passage_id"],
                "document_id": sentence["document_id"],
                "linked_at": now,
            }
        )
    return rows


def link_commitments(
    db, embedder, commitments: list[dict], rows: list[dict], passage_topics: dict[str, set[str]]
) -> int:
    """Rank these sentences as evidence for these commitments and store what passes; return rows stored."""
    rows = [r for r in rows if r["date"] and len(r["text"]) >= MIN_EVIDENCE_CHARS]
    if not commitments or not rows:
        return 0
    pool, matrix = candidate_pool(rows, passage_topics), vectors_for(embedder, rows)
    sentences = {r["id"]: r for r in rows}
    quotes = {r["id"]: r["quote"] for r in db.query("SELECT id, quote FROM commitments")}
    commitment_vectors = vectors_for(embedder, [{"text": quotes[c["id"]]} for c in commitments])
    stored, now = 0, now_iso()
    for commitment, vector in zip(commitments, commitment_vectors, strict=True):
        topics = frozenset(t for t in (commitment["topics"] or "").split(",") if t)
        matches = rank_evidence(vector, topics, commitment["date"], commitment["documents"], pool, matrix)
        found = evidence_rows(commitment, matches, sentences, now)
        store.save_evidence(db, found)
        stored += len(found)
    return stored


def apply_status(db, curated: list[Curated], as_of: str) -> tuple[int, list[str]]:
    """Suggest statuses, let curation win, flag overdue; return the overdue count and unknown curated ids."""
    evidence = store.evidence_of(db)
    by_id = {c.commitment: c for c in curated}
    overdue = 0
    commitments = list(db.query("SELECT id, deadline_date FROM commitments"))
    for row in commitments:
        suggestion = suggest_status(evidence.get(row["id"], []), row["deadline_date"], as_of)
        human = by_id.get(row["id"])
        status = human.status if human else suggestion.status
        delivered = status == "delivered" or any(
            e["relation"] == "delivered" for e in evidence.get(row["id"], [])
        )
        flagged = is_overdue(row["deadline_date"], as_of, delivered)
        overdue += flagged
        store.update_status(
            db,
            row["id"],
            {
                "machine_status": suggestion.status,
                "machine_status_reason": f"indicative: {suggestion.reason}",
                "machine_status_evidence": json.dumps(list(suggestion.evidence_ids)),
                "status": status,
                "status_source": "curated" if human else "machine (indicative)",
                "curated_status": human.status if human else None,
                "curated_note": human.note if human else None,
                "curated_evidence_urls": json.dumps(list(human.evidence)) if human else None,
                "curated_by": human.who if human else None,
                "curated_on": human.when if human else None,
                "overdue": int(flagged),
            },
        )
    known = {row["id"] for row in commitments}
    return overdue, [c.commitment for c in curated if c.commitment not in known]


def link_database(
    db, embedder: Embedder, curated: list[Curated] | None = None, as_of: str | None = None
) -> LinkRun:
    """Update the ledger from sentences tagged since the last run, then statuses, curation and overdue flags.

    New pledges become commitments (or restatements of one) and are linked against every later sentence;
    existing commitments are linked only against the new sentences, so nothing already linked is recomputed.
    """
    as_of = as_of or dt.date.today().isoformat()
    cached = database_embedder(db, embedder)
    run = LinkRun()
    mark = int(get_state(db, store.LEDGER_STATE, store.SENTENCE_MARK) or 0)
    top = store.last_sentence_rowid(db)
    with db.atomic():
        fresh = store.sentences_since(db, mark)
        run.new_sentences = len(fresh)
        store.forget_passages(db, {r["passage_id"] for r in fresh})
        topics = store.passage_topics(db, {r["passage_id"] for r in fresh})
        pledges = [r for r in fresh if is_ledger_pledge(r, topics)]
        new_ids = set(group_pledges(db, cached, pledges, topics, run))
        commitments = store.commitments_for_linking(db)
        new_commitments = [c for c in commitments if c["id"] in new_ids]
        old_commitments = [c for c in commitments if c["id"] not in new_ids]
        if new_commitments:
            everything = store.sentences_since(db, 0, dated_only=True)
            everything_topics = store.passage_topics(db, {r["passage_id"] for r in everything})
            run.evidence_new += link_commitments(db, cached, new_commitments, everything, everything_topics)
        run.evidence_new += link_commitments(db, cached, old_commitments, fresh, topics)
        store.refresh_counts(db)
        run.overdue, run.unknown_curated = apply_status(db, curated or [], as_of)
        set_state(db, store.LEDGER_STATE, store.SENTENCE_MARK, str(top))
    run.commitments_total = db["commitments"].count
    return run


def relation_counts(db) -> Counter:
    """How many evidence rows carry each relation."""
    return Counter(
        {row[0]: row[1] for row in db.execute("SELECT relation, count(*) FROM evidence GROUP BY 1")}
    )
