"""pursuit's own site pages, served in-process exactly as `pursuit serve` publishes them (SQL off)."""

from __future__ import annotations

import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from datasette.app import Datasette
from sitekit import datasette_for, fetcher

from db import search, site
from pursuit import site as pages
from pursuit.citation import cite
from pursuit.publish import datasette_argv, public_settings, secret_from_env

OPL_LINE = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."
OGL_LINE = "Contains public sector information licensed under the Open Government Licence v3.0."
ATOM = "{http://www.w3.org/2005/Atom}"
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
XSS_ID = "corpus/xss-test/p1"


def public_datasette(db: Path, allow_sql: bool = False, **overrides) -> Datasette:
    """Datasette configured as `pursuit serve` configures it (arbitrary SQL off unless allowed)."""
    return datasette_for(db, public_settings(allow_sql), **overrides)


@pytest.fixture(scope="module")
def get(tagged_demo_db):
    """Fetch a path from the public site on the tagged demo database."""
    fetch, loop = fetcher(public_datasette(tagged_demo_db))
    yield fetch
    loop.close()


def text_of(html: str) -> str:
    """Visible text with tags removed and whitespace collapsed."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def content_of(html: str) -> str:
    """The page's main content section."""
    return html.split('<section class="content">', 1)[1].split("</section>\n</div>", 1)[0]


def fts_ids(sql, table: str, match: str) -> list[str]:
    """Ids of the rows an FTS5 query matches, best first by bm25, straight from SQLite."""
    key = "p.id" if table == "passages" else "s.passage_id"
    alias = "p" if table == "passages" else "s"
    return [r["id"] for r in sql(f"select {key} as id from {table}_fts f join {table} {alias} "
                                 f"on {alias}.rowid = f.rowid where {table}_fts match ? "
                                 f"order by bm25({table}_fts), {alias}.id", (match,))]


# Home and navigation


def test_home_page_leads_to_every_part_of_the_site_and_says_what_each_source_covers(get, sql):
    html = get("/").text
    for href in ("/-/search", "/-/topics", "/-/commitments", "/-/semantic", "/demo/crawl_runs"):
        assert f'href="{href}"' in content_of(html), href
    text = text_of(html)
    for row in sql("select source, count(*) as n, min(date) as first, max(date) as last from documents "
                   "group by source"):
        expected = (f"{site.SOURCE_LABELS[row['source']]} {row['n']:,} {row['first'] or 'no dates'} "
                    f"{row['last'] or 'no dates'}")
        assert expected in text, row
    crawled = sql("select max(finished_at) as f from crawl_runs where source = 'parlparse' and status = 'ok'")
    assert crawled[0]["f"][:16].replace("T", " ") + " UTC" in text
    assert "imported, not crawled" in text  # the corpus is imported, not crawled
    assert text.count(OPL_LINE) == 2 and text.count(OGL_LINE) == 2


@pytest.mark.parametrize("path", [
    "/", "/-/search", "/-/search?q=stalking", "/-/passage/parlparse/lordspages/2009-10-27a.1095.1",
    "/demo", "/demo/passages", "/demo/search_passages?q=stalking", "/demo/mention_quotes",
    "/-/passage/no/such/passage",
])
def test_every_page_has_the_navigation_bar_and_both_licence_lines(get, path):
    status = 404 if "no/such" in path else 200
    html = get(path, status).text
    nav = html.split('<div class="pursuit-nav"', 1)[1].split("</div>", 1)[0]
    for label, href in pages.nav_links("demo"):
        assert f'href="{href}"' in nav and label in nav
    assert OPL_LINE in text_of(html) and OGL_LINE in text_of(html)


# Search


def test_search_ranks_passages_by_bm25_and_counts_every_match(get, sql):
    html = get("/-/search?q=stalking").text
    expected = fts_ids(sql, "passages", "stalking")
    assert f"{len(expected):,} passages match" in text_of(html)
    links = re.findall(r'<p class="pursuit-result-title"><a href="([^"]+)"', html)
    assert links == [pages.passage_path(i).replace("&", "&amp;") for i in expected[: search.PAGE_SIZE]]
    assert "<mark>stalking</mark>" in html.lower()


def test_second_page_continues_the_ranking(get, sql):
    expected = fts_ids(sql, "passages", "stalking")
    assert len(expected) > search.PAGE_SIZE
    html = get("/-/search?q=stalking&page=2").text
    links = re.findall(r'<p class="pursuit-result-title"><a href="([^"]+)"', html)
    assert links[0] == pages.passage_path(expected[search.PAGE_SIZE]).replace("&", "&amp;")
    assert 'rel="prev"' in html


@pytest.mark.parametrize("example", [e for e, _ in pages.SYNTAX_EXAMPLES])
def test_every_syntax_example_on_the_page_finds_passages_in_the_demo(tagged_demo_db, example):
    with sqlite3.connect(tagged_demo_db) as conn:
        assert search.search(conn, "passages", example).total > 0


def test_phrase_or_not_and_prefix_syntax_do_what_the_page_says(tagged_demo_db, sql):
    with sqlite3.connect(tagged_demo_db) as conn:
        def ids(query):
            return {r["passage_id"] for page in range(1, 30)
                    for r in search.search(conn, "passages", query, page=page).rows}
        words, phrase = ids("coercive control"), ids('"coercive control"')
        assert phrase and phrase <= words
        stalking, harassment = ids("stalking"), ids("harassment")
        assert ids("stalking OR harassment") == stalking | harassment
        assert ids("stalking NOT harassment") == stalking - harassment
        assert ids("stalk*") >= ids("stalker") | ids("stalking") | ids("stalkers")
        assert ids("stalk*") > ids("stalking")
    for passage_id in phrase:
        row = sql("select text, document_title, speaker_name from passages where id = ?", (passage_id,))[0]
        haystack = " ".join(v or "" for v in row.values()).lower()
        assert "coercive control" in re.sub(r"\s+", " ", haystack), passage_id


@pytest.mark.parametrize("query", ['"stalking', "stalking AND", "police:stalking", "NOT", "(stalking"])
def test_invalid_search_syntax_gets_a_friendly_message_not_an_error(get, query):
    html = get(f"/-/search?q={quote(query)}", 400).text
    assert "is not valid search syntax" in html
    assert "Check that quotes are paired" in html
    assert '<ol class="pursuit-results"' not in html


def test_house_facet_link_narrows_results_to_its_count(get, sql):
    html = get("/-/search?q=violence").text
    match = re.search(r'<li><a href="([^"]*house=Lords[^"]*)">Lords</a> (\d+)</li>', html)
    assert match, "no Lords value in the house facet"
    href, count = match.group(1).replace("&amp;", "&"), int(match.group(2))
    expected = sql("select count(*) as n from passages_fts f join passages p on p.rowid = f.rowid "
                   "where passages_fts match 'violence' and p.house = 'Lords'")[0]["n"]
    assert count == expected
    assert "(clear)" not in html
    narrowed = get(href).text
    assert f"{expected:,} passage" in text_of(narrowed)
    assert '<li class="selected"><a href="' in narrowed
    assert narrowed.count("(clear)") == 1
    assert '<a class="pursuit-clear" href="/-/search?q=violence">(clear)</a>' in narrowed


def test_a_search_over_the_time_limit_is_stopped_with_a_message(tagged_demo_db):
    fetch, loop = fetcher(public_datasette(tagged_demo_db, sql_time_limit_ms=1))
    try:
        html = fetch("/-/search?q=the+OR+police+OR+government", 400).text
    finally:
        loop.close()
    assert "This search took too long and was stopped" in html


def test_search_urls_keep_the_search_and_change_only_what_is_asked():
    asked = pages.search_request({"q": '"coercive control"', "house": "Lords", "page": "3", "in": "nowhere"})
    assert asked["target"] == "passages" and asked["page"] == 3
    assert pages.search_url(asked, page=1) == "/-/search?q=%22coercive+control%22&house=Lords"
    assert pages.search_url(asked, house="") == "/-/search?q=%22coercive+control%22&page=3"
    assert pages.search_request({"page": "x"})["page"] == 1
    assert pages.feed_url("demo", asked) == "/demo/search_feed.atom?q=%22coercive+control%22&house=Lords"


def test_snippets_split_into_text_and_matches_without_markup():
    marked = f"a {search.HIT_START}<b>{search.HIT_END} c {search.HIT_START}d{search.HIT_END}"
    assert search.snippet_parts(marked) == [("a ", False), ("<b>", True), (" c ", False), ("d", True)]
    assert search.snippet_parts(None) == []


@pytest.mark.parametrize("url, safe", [("https://x.org/a", True), ("HTTP://x", True),
                                       ("javascript:alert(1)", False), (" javascript:x", False),
                                       ("data:text/html,x", False), (None, False)])
def test_only_http_links_from_the_data_become_links(url, safe):
    assert (pages.http_url(url) is not None) is safe


def test_topic_and_year_facets_count_what_sqlite_counts(tagged_demo_db, sql):
    with sqlite3.connect(tagged_demo_db) as conn:
        found = search.search(conn, "passages", "stalking")
    topics = dict(found.facets["topic"])
    assert topics
    topic, count = next(iter(topics.items()))
    assert count == sql("select count(distinct p.id) as n from passages_fts f join passages p "
                        "on p.rowid = f.rowid join mentions m on m.passage_id = p.id "
                        "where passages_fts match 'stalking' and m.topic = ?", (topic,))[0]["n"]
    years = dict(found.facets["year"])
    assert sum(years.values()) <= found.total and years


def test_party_facet_offers_only_parties_the_sources_give(tagged_demo_db, sql, get):
    parties = {r["party"] for r in sql("select distinct party from passages where party is not null")}
    with sqlite3.connect(tagged_demo_db) as conn:
        found = search.search(conn, "passages", "stalking")
    assert {value for value, _ in found.facets["party"]} <= parties
    page = get("/-/search?q=stalking").text
    assert "ParlParse and Hansard API speeches carry member ids but no party" in page


def test_sentence_search_lists_sentences_ranked_and_linked_to_their_passage(get, sql):
    html = get("/-/search?q=relentlessly&in=sentences").text
    expected = fts_ids(sql, "sentences", "relentlessly")
    assert expected and f"{len(expected):,} sentence" in text_of(html)
    links = re.findall(r'<p class="pursuit-result-title"><a href="([^"]+)"', html)
    assert links[0] == pages.passage_path(expected[0]).replace("&", "&amp;")


def test_search_page_offers_a_feed_for_the_current_search_with_its_filters(get):
    html = get("/-/search?q=stalking&house=Lords").text
    feed = "/demo/search_feed.atom?q=stalking&amp;house=Lords"
    assert ('<link rel="alternate" type="application/atom+xml" title="New passages matching stalking" '
            f'href="{feed}">') in html
    assert f'href="{feed}"' in content_of(html)


def test_canned_search_queries_rank_like_the_page_and_link_passage_ids(get, sql):
    rows = get("/demo/search_passages.json?q=stalking&_shape=array").json()
    assert [r["passage_id"] for r in rows] == fts_ids(sql, "passages", "stalking")[: search.PAGE_SIZE]
    assert "[stalking]" in rows[0]["snippet"].lower()
    html = get("/demo/search_passages?q=stalking").text
    assert f'<a href="{pages.passage_path(rows[0]["passage_id"])}">' in html.replace("&amp;", "&")
    get("/demo/search_passages")  # no words yet: an empty form, not an error
    assert get("/demo/search_sentences.json?q=stalking&_shape=array").json()


# Passages


def test_passage_page_shows_quote_speaker_role_context_source_topics_and_citation(get, sql):
    passage = sql("""select p.* from passages p where p.source = 'parlparse'
                     and p.position > 0 and exists (select 1 from mentions m where m.passage_id = p.id)
                     and exists (select 1 from passages n where n.document_id = p.document_id
                                 and n.position = p.position + 1) order by p.id limit 1""")[0]
    document = sql("select * from documents where id = ?", (passage["document_id"],))[0]
    html = get(pages.passage_path(passage["id"])).text
    content = content_of(html)
    assert str(markup(passage["text"])) in content
    assert str(markup(passage["speaker_name"])) in content
    assert passage["date"] in content
    citation = cite(passage, document)
    assert f'<code id="citation-text">{markup(citation.text)}</code>' in content
    assert f'href="{markup(passage["permalink"])}"' in content
    previous = sql("select id from passages where document_id = ? and position = ?",
                   (passage["document_id"], passage["position"] - 1))[0]["id"]
    following = sql("select id from passages where document_id = ? and position = ?",
                    (passage["document_id"], passage["position"] + 1))[0]["id"]
    assert f'<a href="{pages.passage_path(previous)}">Before this</a>' in content
    assert f'<a href="{pages.passage_path(following)}">After this</a>' in content
    for row in sql("select distinct topic from mentions where passage_id = ?", (passage["id"],)):
        assert f'href="/-/topics/{row["topic"]}"' in content
        assert f'href="/demo/topic_mentions_feed.atom?topic={row["topic"]}"' in html
    assert "Copy citation" in content


def test_passage_page_shows_the_speakers_role(get, sql):
    passage = sql("select * from passages where source = 'parlparse' and office is not null "
                  "order by id limit 1")[0]
    content = content_of(get(pages.passage_path(passage["id"])).text)
    assert str(markup(passage["speaker_name"])) in content and str(markup(passage["office"])) in content


def markup(value: str) -> str:
    """A value as Jinja's autoescape writes it."""
    import markupsafe

    return str(markupsafe.escape(value))


def test_passage_ids_with_query_characters_round_trip_through_their_links(get, sql):
    odd = sql("select id, text from passages where id like '%?%' order by id limit 1")[0]
    path = pages.passage_path(odd["id"])
    assert "?" not in path
    assert markup(odd["text"][:60]) in get(path).text


def test_unknown_passage_is_a_404_naming_the_id(get):
    html = get("/-/passage/parlparse/none/such", 404).text
    assert "There is no passage with the id <code>parlparse/none/such</code>" in html


def linked_passages(html: str) -> list[str]:
    """The passage ids a page links to their passage pages, decoded."""
    return [unquote(unescape(href)) for href in re.findall(r'<a href="/-/passage/([^"]+)">', html)]


@pytest.mark.parametrize("table, key", [("mention_quotes", "sentence_id"), ("evidence", "id"),
                                        ("sentences", "id"), ("commitments", "id")])
def test_passage_ids_in_tables_and_views_link_to_passage_pages(get, sql, table, key):
    html = get(f"/demo/{table}?_size=5&_sort={key}").text
    expected = sql(f"select passage_id from {table} order by {key} limit 5")
    assert expected and linked_passages(html) == [r["passage_id"] for r in expected]


# Feeds


def entries(xml: str) -> list[dict[str, str]]:
    """The id, title and link of each entry of an Atom feed."""
    root = ET.fromstring(xml)
    return [{"id": e.findtext(f"{ATOM}id"), "title": e.findtext(f"{ATOM}title"),
             "link": (e.find(f"{ATOM}link").get("href") if e.find(f"{ATOM}link") is not None else None)}
            for e in root.iter(f"{ATOM}entry")]


def test_saved_search_feed_lists_the_newest_matching_passages(get, sql):
    response = get("/demo/search_feed.atom?q=violence&house=Lords")
    assert response.headers["content-type"].startswith("application/xml")
    expected = sql("""select p.id from passages_fts f join passages p on p.rowid = f.rowid
                      where passages_fts match 'violence' and p.house = 'Lords'
                      order by p.date desc, p.id limit 50""")
    assert expected and [e["id"] for e in entries(response.text)] == [r["id"] for r in expected]


def test_feed_with_no_matches_says_so_instead_of_failing(get):
    found = entries(get("/demo/search_feed.atom?q=zzzzunmatched").text)
    assert found == [{"id": "pursuit:no-entries", "title": "No passages match this search yet",
                      "link": "/-/search?q=zzzzunmatched"}]


def test_topic_feed_lists_newest_mentions_of_the_topic(get, sql):
    topic = sql("select topic from mentions group by topic order by count(*) desc limit 1")[0]["topic"]
    expected = sql("select sentence_id from mentions where topic = ? "
                   "order by date desc, sentence_id limit 50", (topic,))
    found = entries(get(f"/demo/topic_mentions_feed.atom?topic={topic}").text)
    assert [e["id"] for e in found] == [r["sentence_id"] for r in expected]


def test_commitment_evidence_feed_lists_its_evidence(get, sql):
    commitment = sql("select commitment_id, count(*) as n from evidence group by 1 order by 2 desc limit 1")
    if not commitment:
        pytest.skip("the demo ledger linked no evidence")
    path = f"/demo/commitment_evidence_feed.atom?commitment_id={quote(commitment[0]['commitment_id'])}"
    found = entries(get(path).text)
    assert len(found) == min(50, commitment[0]["n"])
    assert all(e["id"].startswith("") and e["link"] for e in found)


# Safe public serving


def test_arbitrary_sql_is_off_for_visitors_but_canned_queries_work(get):
    get("/demo.json?sql=select+1", 403)
    get("/demo/search_passages.json?q=stalking")


def test_allow_sql_turns_arbitrary_sql_on(tagged_demo_db):
    fetch, loop = fetcher(public_datasette(tagged_demo_db, allow_sql=True))
    try:
        assert fetch("/demo.json?sql=select+1+as+one&_shape=array").json() == [{"one": 1}]
    finally:
        loop.close()


def test_serve_arguments_are_read_only_safe_and_take_the_secret_from_the_environment(tmp_path):
    argv = datasette_argv(tmp_path / "x.db", tmp_path / "m.json", "127.0.0.1", 8001)
    settings = {argv[i + 1]: argv[i + 2] for i, arg in enumerate(argv) if arg == "--setting"}
    assert settings["default_allow_sql"] == "off" and settings["suggest_facets"] == "off"
    assert int(settings["sql_time_limit_ms"]) > 0
    assert "--secret" not in argv
    allowed = datasette_argv(tmp_path / "x.db", tmp_path / "m.json", "127.0.0.1", 8001, allow_sql=True,
                             immutable=True, secret="s3")
    assert ["-i", str(tmp_path / "x.db")] == allowed[1:3]
    assert allowed[allowed.index("--secret") + 1] == "s3"
    assert {allowed[i + 1]: allowed[i + 2] for i, a in enumerate(allowed) if a == "--setting"}[
        "default_allow_sql"] == "on"
    assert secret_from_env({"PURSUIT_SECRET": "a", "DATASETTE_SECRET": "b"}) == "a"
    assert secret_from_env({"DATASETTE_SECRET": "b"}) == "b"
    assert secret_from_env({}) is None


def test_robots_allow_content_pages_but_not_expensive_urls(get):
    robots = get("/robots.txt").text.splitlines()
    assert robots[0] == "User-agent: *"
    for line in ("Allow: /-/passage/", "Allow: /-/topics", "Allow: /-/commitments", "Disallow: /-/search",
                 "Disallow: /*?sql=", "Disallow: /*.json", "Disallow: /*.atom", "Disallow: /*_next="):
        assert line in robots
    assert "Disallow: /" not in robots


@pytest.fixture(scope="module")
def xss_get(tagged_demo_db, tmp_path_factory):
    """Fetch from the public site on a copy of the demo database holding a passage whose text is a script."""
    db = tmp_path_factory.mktemp("xss") / "demo.db"
    shutil.copy(tagged_demo_db, db)
    add_xss_passage(db)
    fetch, loop = fetcher(public_datasette(db))
    yield fetch
    loop.close()


def add_xss_passage(db: Path) -> None:
    """Store a document and passage whose title, speaker and text are HTML that would run script."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "insert into documents (id, source, native_id, kind, title, date, publisher, url, licence) "
            "values ('corpus/xss-test', 'corpus', 'xss-test', 'police_release', ?, '2024-05-01', ?, "
            "'https://example.org/xss', 'test')", (XSS, XSS))
        conn.execute(
            "insert into passages (id, date, speaker_name, text, document_title, document_kind, kind, "
            "permalink, document_id, source, position, year) values (?, '2024-05-01', ?, ?, ?, "
            "'police_release', 'paragraph', 'javascript:window.__xss=1', 'corpus/xss-test', 'corpus', "
            "0, 2024)", (XSS_ID, XSS, XSS, XSS))


@pytest.mark.parametrize("path", [
    "/-/search?q=onerror", pages.passage_path(XSS_ID), "/demo/passages?_search=onerror",
    "/demo/search_passages?q=onerror", "/demo/passages/corpus~2Fxss-test~2Fp1",
])
def test_html_in_source_text_is_shown_as_text_never_run(xss_get, path):
    html = xss_get(path).text
    assert "onerror" in html
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_xss_feed_entries_are_plain_text(xss_get):
    xml = xss_get("/demo/search_feed.atom?q=onerror").text
    assert '<content type="text">' in xml and "<script>" not in xml


def test_a_very_common_word_is_ranked_among_its_newest_matches_and_counted_up_to_a_cap(
        tagged_demo_db, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 5)
    monkeypatch.setattr(search, "TOTAL_CAP", 8)
    newest_sql = ("select p.id from passages_fts f join passages p on p.rowid = f.rowid "
                  "where passages_fts match 'police' order by f.rowid desc limit 5")
    with sqlite3.connect(f"file:{tagged_demo_db}?mode=ro", uri=True) as conn:
        newest = {row[0] for row in conn.execute(newest_sql)}
        found = search.search(conn, "passages", "police")
    assert (found.total, found.total_capped, found.bounded) == (8, True, True)
    assert {row["passage_id"] for row in found.rows} == newest
    assert sum(count for _, count in found.facets["year"]) <= 5
    shown = pages.results_context(pages.search_request({"q": "police"}), found, "demo")
    assert shown["last_page"] == 1 and shown["bounded"] and shown["total_capped"]
