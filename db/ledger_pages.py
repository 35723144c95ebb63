"""Queries behind the ledger pages: commitments filtered by topic, actor, status, date and overdue; one
commitment with its restatements and evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.timelines import Connection, query_rows

TOPIC_SCOPES = ("promise", "passage", "document")
PAGE_SIZE = 100  # commitments per ledger page: a Hansard-scale ledger holds tens of thousands

LIST_COLUMNS = """
c.id, c.date, c.actor, c.actor_kind, c.kind, c.quote, c.topics, c.deadline_text, c.deadline_date,
c.status, c.status_source, c.machine_status, c.curated_status, c.overdue, c.evidence_count, c.restatements,
c.speaker_name, c.role, c.issuing_body, c.document_title, c.passage_id,
(SELECT max(e.date) FROM evidence e WHERE e.commitment_id = c.id) AS latest_evidence
"""


@dataclass
class LedgerFilters:
    """What the ledger list is narrowed by; empty values do not filter."""

    topic: str = ""
    topic_scope: str = "promise"
    actor: str = ""
    actor_kinds: list[str] = field(default_factory=list)
    status: str = ""
    overdue: bool = False
    since: str = ""
    until: str = ""
    words: str = ""


def _topic_clause(filters: LedgerFilters, params: dict[str, Any]) -> str:
    """The WHERE clause for a topic in the promise itself, or anywhere in its passage or document."""
    params["topic"] = filters.topic
    own = "(',' || coalesce(c.topics, '') || ',') LIKE '%,' || :topic || ',%'"
    # The topic's passages (or their documents) are listed once, then each commitment is looked up in that
    # list: a Hansard-scale ledger has tens of thousands of commitments to check.
    if filters.topic_scope == "passage":
        return f"({own} OR c.passage_id IN (SELECT m.passage_id FROM mentions m WHERE m.topic = :topic))"
    if filters.topic_scope == "document":
        return f"({own} OR c.document_id IN (SELECT p.document_id FROM mentions m " \
               "JOIN passages p ON p.id = m.passage_id WHERE m.topic = :topic))"
    return own


def ledger_where(filters: LedgerFilters) -> tuple[str, dict[str, Any]]:
    """The WHERE clause and named parameters selecting the commitments these filters allow."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.topic:
        clauses.append(_topic_clause(filters, params))
    if filters.actor:
        clauses.append("c.actor = :actor")
        params["actor"] = filters.actor
    if filters.actor_kinds:
        names = [f"kind{index}" for index in range(len(filters.actor_kinds))]
        clauses.append(f"c.actor_kind IN ({', '.join(':' + name for name in names)})")
        params.update(zip(names, filters.actor_kinds, strict=False))
    if filters.status:
        clauses.append("c.status = :status")
        params["status"] = filters.status
    if filters.overdue:
        clauses.append("c.overdue = 1")
    if filters.since:
        clauses.append("c.date >= :since")
        params["since"] = filters.since
    if filters.until:
        clauses.append("c.date <= :until")
        params["until"] = filters.until
    if filters.words:
        clauses.append("instr(lower(c.quote), lower(:words)) > 0")
        params["words"] = filters.words
    return (" AND ".join(clauses) or "1"), params


def list_commitments(conn: Connection, filters: LedgerFilters, limit: int | None = None,
                     offset: int = 0) -> list[dict[str, Any]]:
    """Commitments matching the filters, newest first (undated last); `limit` of them from `offset`."""
    where, params = ledger_where(filters)
    sql = f"SELECT {LIST_COLUMNS} FROM commitments c WHERE {where} " \
          "ORDER BY c.date IS NULL, c.date DESC, c.id"
    if limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        params.update(limit=limit, offset=max(0, offset))
    return query_rows(conn, sql, params)


def count_commitments(conn: Connection, filters: LedgerFilters) -> int:
    """How many commitments match the filters."""
    where, params = ledger_where(filters)
    return conn.execute(f"SELECT count(*) FROM commitments c WHERE {where}", params).fetchone()[0]


def filter_choices(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """The actors, actor kinds and statuses present, each with how many commitments have it."""
    choices = {}
    for column in ("actor", "actor_kind", "status"):
        sql = f"SELECT {column} AS value, count(*) AS n FROM commitments WHERE {column} IS NOT NULL " \
              f"GROUP BY {column} ORDER BY n DESC, {column}"
        choices[column] = query_rows(conn, sql)
    return choices


def commitment(conn: Connection, commitment_id: str) -> dict[str, Any] | None:
    """One commitment's row, or None when there is no such id."""
    rows = query_rows(conn, "SELECT * FROM commitments WHERE id = :id", {"id": commitment_id})
    return rows[0] if rows else None


def restatements(conn: Connection, commitment_id: str) -> list[dict[str, Any]]:
    """Every statement of a commitment (the first included), in date order."""
    sql = """SELECT o.*, p.official_url, p.permalink FROM commitment_occurrences o
             LEFT JOIN passages p ON p.id = o.passage_id
             WHERE o.commitment_id = :id ORDER BY o.date IS NULL, o.date, o.sentence_id"""
    return query_rows(conn, sql, {"id": commitment_id})


def evidence_timeline(conn: Connection, commitment_id: str) -> list[dict[str, Any]]:
    """A commitment's evidence in date order (best score first within a day)."""
    sql = """SELECT e.*, p.official_url, p.permalink
             FROM evidence e LEFT JOIN passages p ON p.id = e.passage_id
             WHERE e.commitment_id = :id ORDER BY e.date, e.score DESC, e.id"""
    return query_rows(conn, sql, {"id": commitment_id})


def passages_and_documents(conn: Connection, passage_ids: list[str]) -> dict[str, tuple[dict, dict]]:
    """Each passage's row with its document's row (empty when missing), keyed by passage id, for citing."""
    ids = list(dict.fromkeys(passage_ids))
    found: dict[str, tuple[dict, dict]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        passages = query_rows(conn, f"SELECT * FROM passages WHERE id IN ({marks})", chunk)
        document_ids = list({p["document_id"] for p in passages})
        marks = ",".join("?" * len(document_ids))
        documents = {d["id"]: d for d in query_rows(conn, f"SELECT * FROM documents WHERE id IN ({marks})",
                                                    document_ids)} if document_ids else {}
        for passage in passages:
            found[passage["id"]] = (passage, documents.get(passage["document_id"], {}))
    return found
