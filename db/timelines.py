"""Queries behind the topic pages: mentions per month by source kind, key passages, counts per topic."""

from __future__ import annotations

from typing import Any, Protocol

SOURCE_KINDS = ("Parliament", "Government", "Police", "Other")
PARLIAMENT_KINDS = ("hansard_debate", "westminster_hall", "written_answer", "written_statement",
                    "written_question", "amendment", "bill_amendment")
GOVERNMENT_KINDS = ("ministerial_statement", "document_collection", "pdf_attachment")
KEY_PASSAGES_LIMIT = 40


class Connection(Protocol):
    """Anything with sqlite3's `execute` (a sqlite3 or pysqlite3 connection)."""

    def execute(self, sql: str, parameters: Any = ...) -> Any: ...


def _quoted(values: tuple[str, ...]) -> str:
    """SQL string literals for an IN list."""
    return ", ".join(f"'{value}'" for value in values)


def source_kind_sql(alias: str) -> str:
    """A SQL expression naming the source kind (Parliament, Government, Police, Other) of a row of `alias`."""
    return (
        f"CASE WHEN {alias}.house IS NOT NULL OR {alias}.document_kind IN ({_quoted(PARLIAMENT_KINDS)}) "
        f"THEN 'Parliament' "
        f"WHEN {alias}.document_kind LIKE 'police%' OR {alias}.document_kind = 'pdf_document' THEN 'Police' "
        f"WHEN {alias}.document_kind LIKE 'government%' OR {alias}.document_kind IN "
        f"({_quoted(GOVERNMENT_KINDS)}) THEN 'Government' ELSE 'Other' END"
    )


MENTIONS_BY_MONTH_SQL = f"""
SELECT substr(m.date, 1, 7) AS month, {source_kind_sql("m")} AS source_kind, count(*) AS mentions
FROM mentions m
WHERE m.topic = :topic AND m.date IS NOT NULL
GROUP BY month, source_kind
ORDER BY month, source_kind
"""

# Each mention is checked against the small index of commitment sentences (migration 0016) and only the 40
# chosen passages read their sentence's text, so the page costs one index scan of the topic's mentions.
COMMITMENT_INDEX = "INDEXED BY sentences_commitments"
KEY_PASSAGES_SQL = f"""
WITH flagged AS MATERIALIZED (
  SELECT m.passage_id, m.sentence_id, m.date, m.score, m.method, m.speaker_name, m.house, m.document_kind,
         EXISTS (SELECT 1 FROM sentences c {COMMITMENT_INDEX}
                 WHERE c.id = m.sentence_id AND c.commitment = 1) AS commitment
  FROM mentions m
  WHERE m.topic = :topic AND m.date IS NOT NULL
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY passage_id
                               ORDER BY commitment DESC, score DESC, sentence_id) AS place
  FROM flagged
), best AS (
  SELECT * FROM ranked WHERE place = 1
  ORDER BY commitment DESC, score DESC, date DESC, passage_id
  LIMIT {KEY_PASSAGES_LIMIT}
)
SELECT b.date, b.speaker_name, p.office, s.text AS quote, {source_kind_sql("b")} AS source_kind,
       b.document_kind, p.document_title, b.commitment, round(b.score, 3) AS score, b.method,
       b.passage_id, b.sentence_id, coalesce(p.official_url, p.permalink, d.url) AS official_url,
       p.permalink
FROM best b JOIN sentences s ON s.id = b.sentence_id JOIN passages p ON p.id = b.passage_id
     JOIN documents d ON d.id = p.document_id
ORDER BY b.date, b.passage_id
"""

TOPIC_COUNTS_SQL = """
SELECT topic, count(*) AS mentions, count(DISTINCT passage_id) AS passages,
       min(date) AS first_date, max(date) AS last_date
FROM mentions GROUP BY topic
"""


def query_rows(conn: Connection, sql: str, params: dict[str, Any] | tuple = ()) -> list[dict[str, Any]]:
    """The rows of one query as dicts, whatever the connection's row factory."""
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]


def mentions_by_month(conn: Connection, topic: str) -> list[dict[str, Any]]:
    """Mentions of a topic per month (YYYY-MM) and source kind, oldest first; undated mentions left out."""
    return query_rows(conn, MENTIONS_BY_MONTH_SQL, {"topic": topic})


def key_passages(conn: Connection, topic: str) -> list[dict[str, Any]]:
    """The topic's key passages in date order: commitments first, then the highest-scoring mentions.

    A database served before migration 0016 lacks the commitment index the query names: it is then asked
    without it (the same rows, slower on a big database) rather than failing the page.
    """
    try:
        return query_rows(conn, KEY_PASSAGES_SQL, {"topic": topic})
    except Exception as error:  # sqlite3 and pysqlite3 raise their own OperationalError classes
        if "no such index" not in str(error):
            raise
        return query_rows(conn, KEY_PASSAGES_SQL.replace(COMMITMENT_INDEX, ""), {"topic": topic})


def topic_counts(conn: Connection) -> dict[str, dict[str, Any]]:
    """Per topic id: mentions, distinct passages, first and last date mentioned."""
    return {row.pop("topic"): row for row in query_rows(conn, TOPIC_COUNTS_SQL)}
