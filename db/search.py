"""Ranked full-text search over passages that stays fast on a million rows, for the site and canned queries.

Ranking every match by bm25 costs time in proportion to the number of matches: a phrase is cheap, a
common word like "police" matches hundreds of thousands of passages and takes a second. So ranking is
bounded: FTS5 walks the matches newest-stored first (rowid order, which it reads without sorting) and
ranks at most CANDIDATES of them. A query with fewer matches than that is ranked exactly; a very common
one returns the most relevant of its most recent CANDIDATES matches. Queries use FTS5 syntax: words (all
must match), "a phrase", OR, NOT, NEAR(a b, 5) and prefixes such as stalk*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

CANDIDATES = 2000
# bm25 weights of passages_fts's columns: text, speaker_name, document_title (a title hit counts double).
WEIGHTS = (1.0, 1.0, 2.0)

RANKED_SEARCH_SQL = f"""
with candidates as (
  select rowid, bm25(passages_fts, {", ".join(str(w) for w in WEIGHTS)}) as score
  from passages_fts where passages_fts match :query
  order by rowid desc limit {CANDIDATES}
)
select p.id, p.date, p.speaker_name, p.party, p.house, p.document_kind, p.document_title, p.text,
       p.permalink, p.document_id, round(c.score, 3) as score
from candidates c join passages p on p.rowid = c.rowid
order by c.score, p.date desc
limit :limit offset :offset
""".strip()

# The same query with fixed paging, for a Datasette canned query (its parameters arrive as text).
CANNED_SEARCH_SQL = RANKED_SEARCH_SQL.replace(":limit", "50").replace(":offset", "0")

COUNT_SQL = """
select count(*) from (select rowid from passages_fts where passages_fts match :query limit :cap)
"""


class SearchSyntaxError(ValueError):
    """A search query FTS5 cannot parse."""


@dataclass
class SearchResult:
    """One page of ranked passages, how many matched (counted up to a cap) and whether ranking was bounded."""

    query: str
    rows: list[dict[str, Any]]
    matches: int
    matches_capped: bool
    bounded: bool


def _run(db: sqlite_utils.Database, sql: str, params: dict[str, Any]) -> list[tuple]:
    """Run a search statement, turning FTS5's parse errors into SearchSyntaxError."""
    try:
        return db.execute(sql, params).fetchall()
    except Exception as error:  # sqlite3 and pysqlite3 raise their own OperationalError classes
        message = str(error)
        if "fts5" in message or "syntax error" in message or "unterminated" in message:
            raise SearchSyntaxError(f"cannot search for {params['query']!r}: {message}") from error
        raise


def count_matches(db: sqlite_utils.Database, query: str, cap: int = 10_000) -> tuple[int, bool]:
    """How many passages match, counted up to `cap` (common words stop there); True if capped."""
    count = _run(db, COUNT_SQL, {"query": query, "cap": cap + 1})[0][0]
    return min(count, cap), count > cap


def search_passages(db: sqlite_utils.Database, query: str, limit: int = 20, offset: int = 0) -> SearchResult:
    """Passages matching an FTS5 query, best first (bm25, ties newest first), with a capped match count."""
    if not query.strip():
        raise SearchSyntaxError("cannot search for an empty query")
    cursor = _run(db, RANKED_SEARCH_SQL, {"query": query, "limit": limit, "offset": offset})
    columns = (
        "id",
        "date",
        "speaker_name",
        "party",
        "house",
        "document_kind",
        "document_title",
        "text",
        "permalink",
        "document_id",
        "score",
    )
    rows = [dict(zip(columns, row, strict=True)) for row in cursor]
    matches, capped = count_matches(db, query)
    return SearchResult(query, rows, matches, capped, bounded=matches > CANDIDATES)
