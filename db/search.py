"""Ranked full-text search over passages and sentences that stays fast on a million passages.

One idea bounds every search, the site's /-/search page, its canned queries and Python callers alike:
FTS5 reads a query's matches newest-stored first (rowid order, which it walks without sorting), and only
the first CANDIDATES of them that pass the filters are ranked by bm25 and counted in the facets. A phrase
or a rarer word has fewer matches than that and is ranked exactly; a very common word is ranked among its
newest CANDIDATES matches, which is what people searching a word like "police" mostly want. Matches are
counted up to TOTAL_CAP. Snippets, which cost more than the ranking itself, are made for the shown page
only. Queries use FTS5 syntax: words (all must match), "a phrase", OR, NOT, NEAR(a b, 5) and prefixes
such as stalk*.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

CANDIDATES = 2000
TOTAL_CAP = 10_000
PAGE_SIZE = 20
FILTERS = ("topic", "house", "kind", "speaker", "party", "year")
HIT_START, HIT_END = "\ue000", "\ue001"
CANNED_MARKS = ("'['", "']'")
# bm25 weights of passages_fts's columns (text, speaker_name, document_title) for the text results of
# `search_passages` and the `search_ranked` canned query: a title hit counts double there.
TITLE_WEIGHTS = (1.0, 1.0, 2.0)

Facets = dict[str, list[tuple[Any, int]]]


class Connection(Protocol):
    """Anything with sqlite3's `execute`: a sqlite3 or pysqlite3 connection, or a sqlite_utils Database."""

    def execute(self, sql: str, parameters: Any = ...) -> Any: ...


@dataclass(frozen=True)
class Target:
    """A searchable table: its full-text index, the SQL behind each filter and facet, and what a hit shows."""

    table: str
    alias: str
    key: str  # the hit's id, also the tie-break between equal scores
    columns: dict[str, str]  # filter and facet name -> SQL expression
    topic: str  # the topic filter's condition
    topic_facet: str  # the topic facet's SQL over :keys, a JSON array of hit ids
    shown: str  # the columns of a hit
    passages_join: str = ""  # reaches passages' own columns (party, title) from another table

    @property
    def fts(self) -> str:
        """The table's FTS5 index."""
        return f"{self.table}_fts"

    def content_join(self) -> str:
        """The join from the index's rowid to the table's row (and to the passage, for sentences).

        A cross join: the index leads, so its matches are read in rowid order and never sorted, even when a
        filter (such as a topic's passages) would tempt the planner to start from the table.
        """
        join = f"cross join {self.table} {self.alias} on {self.alias}.rowid = f.rowid"
        return f"{join} {self.passages_join}".rstrip()


TARGETS = {
    "passages": Target(
        "passages", "p", "p.id",
        {"house": "p.house", "kind": "p.document_kind", "speaker": "p.speaker_name", "party": "p.party",
         "year": "p.year"},
        topic="p.id in (select passage_id from mentions where topic = :topic)",
        topic_facet="select m.topic, count(distinct m.passage_id) from mentions m "
                    "where m.passage_id in (select value from json_each(:keys)) "
                    "group by 1 order by 2 desc, 1 limit 10",
        shown="p.id as passage_id, p.date, p.speaker_name, p.party, p.house, p.document_kind, "
              "p.document_title"),
    "sentences": Target(
        "sentences", "s", "s.id",
        {"house": "s.house", "kind": "s.document_kind", "speaker": "s.speaker_name", "party": "p.party",
         "year": "s.year"},
        topic="s.id in (select sentence_id from mentions where topic = :topic)",
        topic_facet="select m.topic, count(*) from mentions m "
                    "where m.sentence_id in (select value from json_each(:keys)) "
                    "group by 1 order by 2 desc, 1 limit 10",
        shown="s.passage_id, s.id as sentence_id, s.date, s.speaker_name, p.party, s.house, s.document_kind, "
              "p.document_title",
        passages_join="join passages p on p.id = s.passage_id"),
}
TEXT_RESULT = ("p.id, p.date, p.speaker_name, p.party, p.house, p.document_kind, p.document_title, p.text, "
               "p.permalink, p.document_id")


class SearchSyntaxError(ValueError):
    """The search words are not valid full-text query syntax; the message says what to change."""


@dataclass
class SearchResults:
    """One page of ranked hits, the number of hits in all, and the facet counts over them."""

    rows: list[dict[str, Any]]
    total: int
    facets: Facets = field(default_factory=dict)
    total_capped: bool = False  # more than TOTAL_CAP matches: `total` is the cap
    bounded: bool = False  # more than CANDIDATES matches: ranked and faceted among the newest of them


def _condition(target: Target, name: str, optional: bool) -> str:
    """The SQL condition of one filter; `optional` lets an empty parameter mean "any"."""
    if name == "topic":
        condition = target.topic
    elif name == "year":
        condition = f"{target.columns['year']} = cast(:year as integer)"
    else:
        condition = f"{target.columns[name]} = :{name}"
    return f"(:{name} = '' or {condition})" if optional else condition


def filter_sql(target: Target, active: list[str] | None = None) -> str:
    """`and`-ed filter conditions: those named in `active`, or every filter with '' meaning any (None)."""
    names = FILTERS if active is None else active
    return "".join(f"\n  and {_condition(target, name, active is None)}" for name in names)


def _bm25(target: Target, weights: tuple[float, ...] | None) -> str:
    """The bm25 call for the target's index, with column weights if given."""
    return f"bm25({target.fts}" + "".join(f", {w}" for w in weights or ()) + ")"


def newest_sql(target: Target, columns: str, active: list[str] | None = None, query: str = ":q",
               joined: bool = True) -> str:
    """The bounding idea: `columns` of the newest CANDIDATES matches that pass the filters (rowid order).

    `joined` False reads the index alone (no filters, no columns of the table).
    """
    source = f"{target.fts} f {target.content_join()}" if joined else f"{target.fts} f"
    return (f"select {columns}\n"
            f"from {source}\n"
            f"where {query} != '' and {target.fts} match {query}{filter_sql(target, active)}\n"
            f"order by f.rowid desc limit {CANDIDATES}")


def candidates_sql(target: Target, active: list[str] | None = None, extra: str = "",
                   weights: tuple[float, ...] | None = None, query: str = ":q", joined: bool = True) -> str:
    """The newest CANDIDATES matches that pass the filters, with their bm25 score (lower is better)."""
    columns = f"f.rowid as rowid, {_bm25(target, weights)} as score{extra}"
    return newest_sql(target, columns, active, query, joined)


def canned_page_sql(target_name: str) -> str:
    """A page of ranked hits with snippets in one statement, for the canned queries (:q, filters, :page).

    Snippets come from the index looked up by rowid for the page's hits only.
    """
    target = TARGETS[target_name]
    start, end = CANNED_MARKS
    return (f"with candidates as (\n{candidates_sql(target, extra=f', {target.key} as key')}\n), "
            f"shown as (\n  select rowid, score, key from candidates order by score, key\n"
            f"  limit {PAGE_SIZE} offset {PAGE_SIZE} * max(0, cast(:page as integer) - 1)\n)\n"
            f"select {target.shown}, snippet({target.fts}, 0, {start}, {end}, '…', 40) as snippet, "
            f"shown.score as rank\n"
            f"from shown cross join {target.fts} f {target.content_join()}\n"
            f"where f.rowid = shown.rowid and {target.fts} match :q\n"
            f"order by shown.score, shown.key")


def _ranked_text_sql(limit: str, offset: str) -> str:
    """Passages with their full text, title hits counting double, equal scores newest first (:query)."""
    passages = TARGETS["passages"]
    candidates = candidates_sql(passages, [], weights=TITLE_WEIGHTS, query=":query", joined=False)
    return (f"with candidates as (\n{candidates}\n), "
            f"shown as (\n  select c.rowid, c.score, p.date from candidates c "
            f"join passages p on p.rowid = c.rowid\n"
            f"  order by c.score, p.date desc limit {limit} offset {offset}\n)\n"
            f"select {TEXT_RESULT}, round(shown.score, 3) as score\n"
            f"from shown join passages p on p.rowid = shown.rowid\n"
            f"order by shown.score, shown.date desc")


# The `search_ranked` canned query (datasette/metadata.yml holds the same SQL): fixed paging, since a
# canned query's parameters arrive as text.
CANNED_SEARCH_SQL = _ranked_text_sql("50", "0")


def search_params(query: str, filters: Mapping[str, Any] | None = None, page: int = 1) -> dict[str, Any]:
    """Named parameters for the canned search SQL: the query, every filter ('' when unset) and the page."""
    given = filters or {}
    params = {name: str(given.get(name) or "") for name in FILTERS}
    return {**params, "q": query, "page": max(1, page), "hit_start": HIT_START, "hit_end": HIT_END}


def _rows(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every row of a statement as dicts."""
    cursor = conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _active(filters: Mapping[str, Any] | None) -> dict[str, str]:
    """The filters that are set, as text."""
    return {name: str(value) for name, value in (filters or {}).items() if name in FILTERS and value}


def _count(conn: Connection, target: Target, params: Mapping[str, Any], active: list[str]) -> int:
    """How many hits there are, counted up to one past TOTAL_CAP (from the index alone when unfiltered)."""
    source = f"{target.fts} f {target.content_join()}" if active else f"{target.fts} f"
    sql = (f"select count(*) from (select 1 from {source} where {target.fts} match :q"
           f"{filter_sql(target, active)} limit {TOTAL_CAP + 1})")
    return conn.execute(sql, params).fetchone()[0]


def _total(conn: Connection, target: Target, params: Mapping[str, Any], active: list[str], found: int) -> int:
    """The number of hits: the candidates themselves when they are fewer than CANDIDATES, else counted."""
    return found if found < CANDIDATES else _count(conn, target, params, active)


def _facets(conn: Connection, target: Target, candidates: list[dict[str, Any]]) -> Facets:
    """The ten commonest values of each facet among the candidates, and their topics."""
    facets: Facets = {}
    keys = json.dumps([row["key"] for row in candidates])
    facets["topic"] = [tuple(row) for row in conn.execute(target.topic_facet, {"keys": keys})]
    for name in target.columns:
        counter = Counter(row[name] for row in candidates if row[name] is not None)
        facets[name] = sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))[:10]
    return facets


def _snippet_rows(conn: Connection, target: Target, query: str,
                  rowids: list[int]) -> dict[int, dict[str, Any]]:
    """The shown columns and a snippet of each of these hits (looked up by rowid), by rowid."""
    snippet = f"snippet({target.fts}, 0, :hit_start, :hit_end, '…', 40)"
    sql = (f"select f.rowid as rowid, {target.shown}, {snippet} as snippet "
           f"from json_each(:rowids) r cross join {target.fts} f {target.content_join()} "
           f"where f.rowid = r.value and {target.fts} match :q")
    params = {"q": query, "rowids": json.dumps(rowids), "hit_start": HIT_START, "hit_end": HIT_END}
    return {row.pop("rowid"): row for row in _rows(conn, sql, params)}


def _checked(query: str, run):
    """run(), with FTS5's complaints about the query turned into SearchSyntaxError."""
    if not query.strip():
        raise SearchSyntaxError("cannot search for an empty query: type some words")
    try:
        return run()
    except Exception as error:  # sqlite3 and pysqlite3 raise their own OperationalError classes
        raise _syntax_error(error, query) from error


def search(conn: Connection, target: str, query: str, filters: Mapping[str, Any] | None = None,
           page: int = 1) -> SearchResults:
    """A page of hits for an FTS5 query over passages or sentences, best first, with snippets and facets."""
    if target not in TARGETS:
        raise ValueError(f"unknown search target {target!r}: choose passages or sentences")
    chosen, active = TARGETS[target], _active(filters)
    params = {"q": query, **active}

    def run() -> SearchResults:
        names = [f"{expression} as {name}" for name, expression in chosen.columns.items()]
        extra = f", {chosen.key} as key, " + ", ".join(names)
        candidates = _rows(conn, candidates_sql(chosen, list(active), extra), params)
        candidates.sort(key=lambda row: (row["score"], row["key"]))
        start = (max(1, page) - 1) * PAGE_SIZE
        shown = candidates[start:start + PAGE_SIZE]
        found = _snippet_rows(conn, chosen, query, [row["rowid"] for row in shown])
        rows = [{**found[row["rowid"]], "rank": row["score"]} for row in shown if row["rowid"] in found]
        total = _total(conn, chosen, params, list(active), len(candidates))
        return SearchResults(rows, min(total, TOTAL_CAP), _facets(conn, chosen, candidates),
                             total_capped=total > TOTAL_CAP, bounded=total > CANDIDATES)

    return _checked(query, run)


def search_passages(conn: Connection, query: str, limit: int = 20, offset: int = 0) -> SearchResults:
    """Passages with their full text, best first (a title hit counts double; ties newest first).

    The rows come from the same SQL as the `search_ranked` canned query.
    """
    chosen = TARGETS["passages"]

    def run() -> SearchResults:
        params = {"query": query, "limit": max(0, limit), "offset": max(0, offset)}
        rows = _rows(conn, _ranked_text_sql(":limit", ":offset"), params)
        total = _count(conn, chosen, {"q": query}, [])
        return SearchResults(rows, min(total, TOTAL_CAP), total_capped=total > TOTAL_CAP,
                             bounded=total > CANDIDATES)

    return _checked(query, run)


def _syntax_error(error: Exception, query: str) -> Exception:
    """A SearchSyntaxError for FTS5 query mistakes; anything else is returned unchanged."""
    message = str(error)
    if type(error).__name__ != "OperationalError":
        return error
    if message.startswith(("fts5:", "no such column", "unterminated string", "unknown special query")) or (
            "syntax error" in message):
        return SearchSyntaxError(
            f"cannot search for {query!r}: it is not valid search syntax ({message}). Check that quotes are "
            "paired, that AND, OR and NOT sit between words, and that a colon or other punctuation is "
            "inside double quotes.")
    return error


def snippet_parts(snippet: str | None) -> list[tuple[str, bool]]:
    """A snippet split into (text, is_match) parts, so a template can mark matches without raw HTML."""
    parts: list[tuple[str, bool]] = []
    rest = snippet or ""
    while rest:
        before, start, after = rest.partition(HIT_START)
        if before:
            parts.append((before, False))
        if not start:
            break
        hit, _end, rest = after.partition(HIT_END)
        parts.append((hit, True))
    return parts
