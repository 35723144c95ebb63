"""Read-only queries behind the published site: coverage, ranked full-text search with facets, passages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SOURCE_LABELS = {
    "parlparse": "Hansard (TheyWorkForYou ParlParse XML)",
    "hansard": "Hansard (Parliament's Hansard API)",
    "bills": "Bills and amendments (Parliament's Bills API)",
    "questions": "Written questions and statements (Parliament's API)",
    "govuk": "GOV.UK publications, speeches and statements",
    "police": "Police news (NPCC, College of Policing)",
    "corpus": "Key documents collected for the mission",
}
FILTERS = ("topic", "house", "kind", "speaker", "party", "year")
PAGE_SIZE = 20
HIT_START, HIT_END = "\ue000", "\ue001"

# One FTS5 query per target, ranked by bm25; every filter is optional ('' means "any").
# The same SQL is the site's search page and the canned queries search_passages / search_sentences.
PASSAGE_HITS = """
from passages_fts f join passages p on p.rowid = f.rowid
where :q != '' and passages_fts match :q
  and (:house = '' or p.house = :house)
  and (:kind = '' or p.document_kind = :kind)
  and (:speaker = '' or p.speaker_name = :speaker)
  and (:party = '' or p.party = :party)
  and (:year = '' or p.year = cast(:year as integer))
  and (:topic = '' or p.id in (select passage_id from mentions where topic = :topic))
"""
SENTENCE_HITS = """
from sentences_fts f join sentences s on s.rowid = f.rowid join passages p on p.id = s.passage_id
where :q != '' and sentences_fts match :q
  and (:house = '' or s.house = :house)
  and (:kind = '' or s.document_kind = :kind)
  and (:speaker = '' or s.speaker_name = :speaker)
  and (:party = '' or p.party = :party)
  and (:year = '' or s.year = cast(:year as integer))
  and (:topic = '' or s.id in (select sentence_id from mentions where topic = :topic))
"""
HITS = {"passages": PASSAGE_HITS, "sentences": SENTENCE_HITS}
RESULT_COLUMNS = {
    "passages": "p.id as passage_id, p.date, p.speaker_name, p.party, p.house, p.document_kind, "
                "p.document_title, snippet(passages_fts, 0, {start}, {end}, '…', 40) as snippet",
    "sentences": "s.passage_id, s.id as sentence_id, s.date, s.speaker_name, p.party, s.house, "
                 "s.document_kind, p.document_title, "
                 "snippet(sentences_fts, 0, {start}, {end}, '…', 40) as snippet",
}
# Ranking and facets cover at most this many matches, the most recently stored (FTS5 reads rowids in
# order without sorting): a phrase or a rare word is ranked exactly, a very common word by its newest
# matches, so a search on a million passages stays fast. Matches are counted up to TOTAL_CAP.
CANDIDATES = 2000
TOTAL_CAP = 10_000
TIE_BREAK = {"passages": "passage_id", "sentences": "sentence_id"}  # equal scores: a stable order
PAGE_MARKS = (":hit_start", ":hit_end")
CANNED_MARKS = ("'['", "']'")
FACET_EXPRESSIONS = {
    "passages": {"house": "p.house", "kind": "p.document_kind", "speaker": "p.speaker_name",
                 "party": "p.party", "year": "p.year"},
    "sentences": {"house": "s.house", "kind": "s.document_kind", "speaker": "s.speaker_name",
                  "party": "p.party", "year": "s.year"},
}
TOPIC_FACET = {
    "passages": "select m.topic as value, count(distinct m.passage_id) as n from mentions m "
                "where m.passage_id in (select p.id {hits} order by f.rowid desc limit {cap}) "
                "group by 1 order by 2 desc, 1 limit 10",
    "sentences": "select m.topic as value, count(*) as n from mentions m "
                 "where m.sentence_id in (select s.id {hits} order by f.rowid desc limit {cap}) "
                 "group by 1 order by 2 desc, 1 limit 10",
}


class SearchSyntaxError(ValueError):
    """The search words are not valid full-text query syntax; the message says what to change."""


@dataclass
class SearchResults:
    """One page of ranked hits, the number of hits in all, and the facet counts over them."""

    rows: list[dict[str, Any]]
    total: int
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    total_capped: bool = False  # more than TOTAL_CAP matches: `total` is the cap
    bounded: bool = False  # more than CANDIDATES matches: ranked and faceted among the newest of them


def ranked_sql(target: str, marks: tuple[str, str] = PAGE_MARKS) -> str:
    """The bm25-ranked search for `passages` or `sentences`, one page at a time (:page from 1).

    `marks` are the SQL expressions put around each match in the snippet: parameters for the site's page,
    literal brackets for the canned queries.
    """
    columns = RESULT_COLUMNS[target].format(start=marks[0], end=marks[1])
    tie_break = TIE_BREAK[target]
    return (f"select * from (select {columns}, bm25({target}_fts) as rank {HITS[target]}"
            f"order by f.rowid desc limit {CANDIDATES}) "
            f"order by rank, {tie_break} "
            f"limit {PAGE_SIZE} offset {PAGE_SIZE} * max(0, cast(:page as integer) - 1)")


def search_params(query: str, filters: Mapping[str, Any] | None = None, page: int = 1) -> dict[str, Any]:
    """Named parameters for the search SQL: the FTS5 query, every filter ('' when unset) and the page."""
    given = filters or {}
    params = {name: str(given.get(name) or "") for name in FILTERS}
    return {**params, "q": query, "page": max(1, page), "hit_start": HIT_START, "hit_end": HIT_END}


def search(conn, target: str, query: str, filters: Mapping[str, Any] | None = None,
           page: int = 1) -> SearchResults:
    """Ranked hits for an FTS5 query over passages or sentences, with their total and facets."""
    if target not in HITS:
        raise ValueError(f"unknown search target {target!r}: choose passages or sentences")
    params = search_params(query, filters, page)
    try:
        rows = [dict(zip([c[0] for c in cur.description], row, strict=True))
                for cur in [conn.execute(ranked_sql(target), params)] for row in cur.fetchall()]
        total = count_hits(conn, target, params)
        facets = facet_counts(conn, target, params)
    except Exception as error:  # sqlite3 or pysqlite3 OperationalError, whichever the caller uses
        raise _syntax_error(error, query) from error
    return SearchResults(rows, min(total, TOTAL_CAP), facets, total_capped=total > TOTAL_CAP,
                         bounded=total > CANDIDATES)


def count_hits(conn, target: str, params: Mapping[str, Any]) -> int:
    """How many hits there are, counted up to one past TOTAL_CAP."""
    sql = f"select count(*) from (select 1 {HITS[target]} limit {TOTAL_CAP + 1})"
    return conn.execute(sql, params).fetchone()[0]


Facets = dict[str, list[tuple[Any, int]]]


def facet_counts(conn, target: str, params: Mapping[str, Any]) -> Facets:
    """The ten commonest values of each facet among the (at most CANDIDATES newest) hits, in two passes."""
    expressions = FACET_EXPRESSIONS[target]
    counters: dict[str, Counter] = {name: Counter() for name in expressions}
    sql = f"select {', '.join(expressions.values())} {HITS[target]} order by f.rowid desc limit {CANDIDATES}"
    for row in conn.execute(sql, params):
        for name, value in zip(expressions, row, strict=True):
            if value is not None:
                counters[name][value] += 1
    topic_sql = TOPIC_FACET[target].format(hits=HITS[target], cap=CANDIDATES)
    facets: Facets = {"topic": [tuple(r) for r in conn.execute(topic_sql, params)]}
    for name, counter in counters.items():
        facets[name] = sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))[:10]
    return facets


def _syntax_error(error: Exception, query: str) -> Exception:
    """A SearchSyntaxError for FTS5 query mistakes; anything else is returned unchanged."""
    message = str(error)
    if type(error).__name__ != "OperationalError":
        return error
    if message.startswith(("fts5:", "no such column", "unterminated string", "unknown special query")):
        return SearchSyntaxError(
            f"The search {query!r} is not valid search syntax ({message}). Check that quotes are paired, "
            "that AND, OR and NOT sit between words, and that a colon or other punctuation is inside "
            "double quotes.")
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


def coverage(conn) -> list[dict[str, Any]]:
    """Per source: documents held, the first and last document dates, and when it was last collected."""
    sql = """
        select d.source, count(*) as documents, min(d.date) as first_date, max(d.date) as last_date,
               (select max(r.finished_at) from crawl_runs r where r.source = d.source and r.status = 'ok')
                   as last_collected
        from documents d group by d.source order by last_date desc
    """
    cur = conn.execute(sql)
    names = [c[0] for c in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    for row in rows:
        row["label"] = SOURCE_LABELS.get(row["source"], row["source"])
    return rows


def _one(conn, sql: str, params: tuple) -> dict[str, Any] | None:
    """The first row of a query as a dict, or None."""
    cur = conn.execute(sql, params)
    row = cur.fetchone()
    return dict(zip([c[0] for c in cur.description], row, strict=True)) if row else None


def _all(conn, sql: str, params: tuple) -> list[dict[str, Any]]:
    """Every row of a query as dicts."""
    cur = conn.execute(sql, params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def passage_view(conn, passage_id: str) -> dict[str, Any] | None:
    """A passage with its document, neighbours, topics, commitments and evidence; None if unknown."""
    passage = _one(conn, "select * from passages where id = ?", (passage_id,))
    if passage is None:
        return None
    document = _one(conn, "select * from documents where id = ?", (passage["document_id"],)) or {}
    neighbours = ("select id, speaker_name, office, text, kind from passages "
                  "where document_id = ? and position {} ? order by position {} limit 1")
    return {
        "passage": passage,
        "document": document,
        "previous": _one(conn, neighbours.format("<", "desc"), (passage["document_id"], passage["position"])),
        "next": _one(conn, neighbours.format(">", "asc"), (passage["document_id"], passage["position"])),
        "mentions": _optional(conn, "select m.topic, m.method, m.score, m.reason, s.text as sentence "
                                    "from mentions m join sentences s on s.id = m.sentence_id "
                                    "where m.passage_id = ? order by s.position, m.topic", passage_id),
        "commitments": _optional(conn, "select id, quote, status, deadline_text, overdue from commitments "
                                       "where passage_id = ? order by id", passage_id),
        "evidence_for": _optional(conn, "select e.commitment_id, e.relation, c.quote from evidence e "
                                        "join commitments c on c.id = e.commitment_id "
                                        "where e.passage_id = ? order by e.score desc", passage_id),
    }


def _optional(conn, sql: str, passage_id: str) -> list[dict[str, Any]]:
    """Rows from a table that an older, untagged database may not have yet (then none)."""
    try:
        return _all(conn, sql, (passage_id,))
    except Exception as error:
        if "no such table" in str(error):
            return []
        raise


NO_ENTRIES = """
union all
select 'pursuit:no-entries' as atom_id, {title} as atom_title,
       coalesce((select max(finished_at) from crawl_runs), '1970-01-01T00:00:00+00:00') as atom_updated,
       'Nothing matches yet. New entries appear here as the site is updated.' as atom_content,
       {link} as atom_link
where not exists (select 1 from ({entries}))
"""
# Feed links are the official source when it is an http(s) address, else the passage's page here.
SAFE_PASSAGE_LINK = ("case when p.permalink like 'http://%' or p.permalink like 'https://%' then p.permalink "
                     "else '/-/passage/' || p.id end")
SEARCH_FEED = f"""
select p.id as atom_id,
       coalesce(p.speaker_name || ': ', '') || coalesce(p.document_title, p.document_id) as atom_title,
       coalesce(p.date || 'T00:00:00+00:00', (select first_seen from documents where id = p.document_id))
           as atom_updated,
       p.text as atom_content, {SAFE_PASSAGE_LINK} as atom_link
from passages p
where p.rowid in (select f.rowid {PASSAGE_HITS} order by f.rowid desc limit {CANDIDATES})
order by p.date desc, p.id limit 50
"""
TOPIC_FEED = f"""
select m.sentence_id as atom_id,
       coalesce(m.speaker_name || ': ', '') || coalesce(p.document_title, p.document_id) as atom_title,
       coalesce(m.date || 'T00:00:00+00:00', (select first_seen from documents where id = p.document_id))
           as atom_updated,
       s.text || char(10) || char(10) || 'Topic: ' || m.topic || ' (' || coalesce(m.reason, m.method) || ')'
           as atom_content,
       {SAFE_PASSAGE_LINK} as atom_link
from mentions m join sentences s on s.id = m.sentence_id join passages p on p.id = m.passage_id
where m.topic = :topic
order by m.date desc, m.sentence_id limit 50
"""
EVIDENCE_FEED = """
select e.id as atom_id,
       e.relation || ': ' || coalesce(e.document_title, e.document_id) as atom_title,
       e.date || 'T00:00:00+00:00' as atom_updated,
       e.quote || char(10) || char(10) || 'Why linked: ' || e.reason as atom_content,
       case when e.url like 'http://%' or e.url like 'https://%' then e.url
            else '/-/passage/' || e.passage_id end as atom_link
from evidence e
where e.commitment_id = :commitment_id
order by e.date desc, e.id limit 50
"""


def feed_sql(entries: str, empty_title: str, empty_link: str) -> str:
    """A feed query that always has an entry: when nothing matches, one entry says so (Atom needs one).

    `empty_link` is an SQL expression for that entry's link, the site page the feed follows.
    """
    entries = entries.strip()
    title = "'" + empty_title.replace("'", "''") + "'"
    return f"select * from ({entries})" + NO_ENTRIES.format(title=title, entries=entries, link=empty_link)


def canned_queries() -> dict[str, dict[str, Any]]:
    """The site's canned queries: ranked searches and the Atom feeds (add `.atom` to their URL)."""
    syntax = ('Search words use full-text syntax: "exact phrase", a AND b, a OR b, a NOT b, prefix*. '
              "Leave a filter empty to ignore it.")
    return {
        "search_passages": {
            "title": "Search passages, best matches first",
            "description": f"Passages ranked by relevance (bm25). {syntax}",
            "sql": ranked_sql("passages", CANNED_MARKS),
        },
        "search_sentences": {
            "title": "Search sentences, best matches first",
            "description": f"Tagged sentences ranked by relevance (bm25). {syntax}",
            "sql": ranked_sql("sentences", CANNED_MARKS),
        },
        "search_feed": {
            "title": "pursuit: saved search",
            "description": f"The newest 50 passages matching a search, as an Atom feed (.atom). {syntax}",
            "sql": feed_sql(SEARCH_FEED, "No passages match this search yet", "'/-/search?q=' || :q"),
        },
        "topic_mentions_feed": {
            "title": "pursuit: new mentions of a topic",
            "description": "The newest 50 sentences tagged with a topic, as an Atom feed (.atom).",
            "sql": feed_sql(TOPIC_FEED, "No mentions of this topic yet", "'/-/topics/' || :topic"),
        },
        "commitment_evidence_feed": {
            "title": "pursuit: new evidence on a commitment",
            "description": "The newest 50 pieces of evidence on a commitment, as an Atom feed (.atom).",
            "sql": feed_sql(EVIDENCE_FEED, "No evidence linked to this commitment yet",
                            "'/-/commitments/' || :commitment_id"),
        },
    }
