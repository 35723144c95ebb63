"""Read-only queries behind the published site: coverage, passages, feeds and canned queries (search is in
db.search)."""

from __future__ import annotations

from typing import Any

from db.search import TARGETS, canned_page_sql, newest_sql

SOURCE_LABELS = {
    "parlparse": "Hansard (TheyWorkForYou ParlParse XML)",
    "hansard": "Hansard (Parliament's Hansard API)",
    "bills": "Bills and amendments (Parliament's Bills API)",
    "questions": "Written questions and statements (Parliament's API)",
    "govuk": "GOV.UK publications, speeches and statements",
    "police": "Police news (NPCC, College of Policing)",
    "corpus": "Key documents collected for the mission",
}


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
where p.rowid in ({newest_sql(TARGETS["passages"], "f.rowid")})
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
            "sql": canned_page_sql("passages"),
        },
        "search_sentences": {
            "title": "Search sentences, best matches first",
            "description": f"Tagged sentences ranked by relevance (bm25). {syntax}",
            "sql": canned_page_sql("sentences"),
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
