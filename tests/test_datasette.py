"""The published site, served in-process by Datasette with pursuit's metadata, templates and static files."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import markupsafe
import pytest
from datasette.utils import tilde_encode
from sitekit import datasette_for, fetcher

from pursuit.publish import load_metadata

OPL_LINE = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."
OGL_LINE = "Contains public sector information licensed under the Open Government Licence v3.0."
OPL_URL = "https://www.parliament.uk/site-information/copyright-parliament/open-parliament-licence/"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
TABLES = ["documents", "passages", "revisions", "crawl_runs", "crawl_state", "rejects", "redirects",
          "division_votes", "mentions", "sentences", "embeddings", "passage_tags", "bills", "bill_stages",
          "amendments", "questions", "commitments", "commitment_occurrences", "evidence"]
HIDDEN = ["_migrations"] + [f"{table}_fts{suffix}" for table in ("passages", "sentences", "commitments")
                            for suffix in ("", "_config", "_data", "_docsize", "_idx")]
HIDDEN += ["sqlite_sequence", "semantic_indexes"] + [  # semantic search: one sqlite-vec index per model
    f"semantic_indexes_{model}{suffix}" for model in ("all_minilm_l6_v2", "minilm_static_256")
    for suffix in ("", "_keys", "_info", "_chunks", "_rowids", "_vector_chunks00")]
FACETS = ["house", "document_kind", "speaker_name", "year"]


@pytest.fixture(scope="module")
def demo_db(tagged_demo_db) -> Path:
    """The tagged demo database shared by the whole test run (read only here)."""
    return tagged_demo_db


@pytest.fixture(scope="module")
def get(demo_db):
    """A function fetching a path from Datasette configured exactly as `pursuit serve` configures it."""
    fetch, loop = fetcher(datasette_for(demo_db))
    yield fetch
    loop.close()


def visible_text(html: str) -> str:
    """The page's text without tags, with runs of whitespace collapsed to one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def fts_count(sql, match: str, where: str = "1") -> list[dict]:
    """Counts of passages matching an FTS5 query by house, document_kind and source, from SQLite."""
    return sql(f"""select p.house, p.document_kind, p.source, count(*) as n from passages p
                   where p.rowid in (select rowid from passages_fts where passages_fts match ?) and {where}
                   group by 1, 2, 3""", (match,))


def facet_counts(data: dict, column: str) -> dict:
    """A facet's values and counts from a Datasette table JSON response."""
    return {item["value"]: item["count"] for item in data["facet_results"][column]["results"]}


def test_home_page_explains_the_site_and_shows_both_licence_lines(get):
    html = get("/").text
    assert "<h1>pursuit</h1>" in html
    text = visible_text(html)
    assert "searchable record of what Parliament, government and the police" in text
    assert "How to search:" in text
    assert text.count(OPL_LINE) == 2  # in the description and in the footer
    assert text.count(OGL_LINE) == 2
    assert "mySociety" in text and "TheyWorkForYou" in text and "ParlParse" in text
    assert f'href="{OPL_URL}"' in html and f'href="{OGL_URL}"' in html
    assert '<link rel="stylesheet" href="/static/pursuit.css">' in html


def test_stylesheet_is_served_from_the_static_mount(get):
    css = get("/static/pursuit.css").text
    assert "white-space: pre-wrap" in css


def test_search_json_returns_passages_with_both_words_and_facet_counts_that_match_sqlite(get, sql):
    query = "&".join(["_search=domestic+violence", "_shape=objects"] + [f"_facet={f}" for f in FACETS])
    data = get(f"/demo/passages.json?{query}").json()
    expected = fts_count(sql, '"domestic" "violence"')
    assert data["filtered_table_rows_count"] == sum(row["n"] for row in expected) > 0
    rows = data["rows"]
    assert len(rows) == data["filtered_table_rows_count"]  # fewer than one page of 50
    for row in rows:
        haystack = f"{row['text']} {row['document_title']} {row['speaker_name']}".lower()
        assert "domestic" in haystack and "violen" in haystack, row["id"]
    assert any("domestic violence" in row["text"].lower() for row in rows)
    dates = [row["date"] for row in rows if row["date"]]  # newest first; undated passages come last
    assert dates == sorted(dates, reverse=True)
    assert rows[: len(dates)] == [row for row in rows if row["date"]]

    assert set(FACETS) <= set(data["facet_results"])
    houses = {}
    kinds = {}
    for row in expected:
        if row["house"] is not None:  # Datasette's column facets leave out empty values
            houses[row["house"]] = houses.get(row["house"], 0) + row["n"]
        kinds[row["document_kind"]] = kinds.get(row["document_kind"], 0) + row["n"]
    assert facet_counts(data, "house") == houses
    assert houses["Lords"] == 4
    assert "Commons" not in houses  # no Commons speech in the demo data mentions both words
    assert facet_counts(data, "document_kind") == kinds
    assert {"hansard_debate", "government_publication", "police_release"} <= set(kinds)
    assert facet_counts(data, "year")[2009] == 4


def test_metadata_facets_apply_without_facet_parameters(get, sql):
    data = get("/demo/passages.json?_search=stalking").json()
    assert list(data["facet_results"]) == FACETS
    expected = sql("""select year, count(*) as n from passages where year is not null and rowid in
                      (select rowid from passages_fts where passages_fts match '"stalking"') group by year""")
    assert facet_counts(data, "year") == {row["year"]: row["n"] for row in expected}


def test_facet_on_house_narrows_search_results_to_lords_speeches(get):
    data = get("/demo/passages.json?_search=domestic+violence&house=Lords&_shape=objects").json()
    assert data["filtered_table_rows_count"] == 4
    assert {(row["house"], row["source"]) for row in data["rows"]} == {("Lords", "parlparse")}
    assert all(row["permalink"].startswith("https://www.theyworkforyou.com/lords/") for row in data["rows"])


def test_passages_page_offers_search_box_metadata_facets_and_column_notes(get):
    html = get("/demo/passages").text
    assert '<input id="_search" type="search" name="_search"' in html
    for facet in FACETS:
        assert f'data-column="{facet}"' in html, facet
    assert re.search(r'<a href="[^"]*/demo/passages\?house=Lords">Lords</a> 180</li>', html)
    assert re.search(r'<a href="[^"]*/demo/passages\?house=Commons">Commons</a> 603</li>', html)
    assert '<dl class="column-descriptions">' in html
    assert "<dt>column_number</dt><dd>Hansard column number, for citations.</dd>" in html
    assert "Searchable passages: one row per speech" in html
    assert "1,767 rows" in html


def test_search_finds_stalking_protection_orders_in_collected_documents(get, sql):
    data = get("/demo/passages.json?_search=stalking+protection+orders&_shape=objects").json()
    expected = fts_count(sql, '"stalking" "protection" "orders"')
    assert data["filtered_table_rows_count"] == sum(row["n"] for row in expected)
    corpus = [row for row in data["rows"] if row["source"] == "corpus"]
    assert any("stalking protection order" in row["text"].lower() for row in corpus)
    assert all(row["permalink"].startswith("http") for row in corpus)


def test_raw_mode_phrase_search_finds_only_the_exact_phrase(get, sql):
    data = get('/demo/passages.json?_search=%22coercive+control%22&_searchmode=raw&_shape=objects').json()
    expected = sum(row["n"] for row in fts_count(sql, '"coercive control"'))
    assert data["filtered_table_rows_count"] == expected > 0
    for row in data["rows"]:
        assert "coercive control" in f"{row['text']} {row['document_title']}".lower(), row["id"]
    plain = get('/demo/passages.json?_search=%22coercive+control%22').json()
    assert plain["filtered_table_rows_count"] == expected  # quotes keep a phrase in plain mode too


def test_raw_mode_allows_fts_operators_that_plain_search_would_escape(get, sql):
    query = '"coercive control" OR "stalking protection"'
    raw = get(f"/demo/passages.json?_search={query}&_searchmode=raw").json()
    expected = sum(row["n"] for row in fts_count(sql, query))
    assert raw["filtered_table_rows_count"] == expected
    plain = get(f"/demo/passages.json?_search={query}").json()
    assert plain["filtered_table_rows_count"] < expected  # OR became a required word


def test_footer_licence_lines_appear_on_table_and_row_pages(get):
    document_page = f"/demo/documents/{tilde_encode('parlparse/lordspages/2009-10-27a.1095.0')}"
    for path in ["/demo", "/demo/documents", document_page, "/demo/passages?_search=stalking"]:
        html = get(path).text
        footer = visible_text(html.split('<footer class="ft">', 1)[1])
        assert OPL_LINE in footer, path
        assert OGL_LINE in footer, path
        assert "mySociety" in footer, path
        assert "Powered by Datasette" in footer, path


def test_passage_row_page_shows_the_full_text_and_the_licence_lines(get, sql):
    passage = sql("""select id, text, document_title from passages where house = 'Lords'
                     and text like '%domestic violence%' order by length(text) desc limit 1""")[0]
    assert "/" in passage["id"] and "." in passage["id"]  # both need tilde-encoding in the URL
    html = get(f"/demo/passages/{tilde_encode(passage['id'])}").text
    assert len(passage["text"]) > 300
    assert f'<td class="col-text type-str">{markupsafe.escape(passage["text"])}</td>' in html
    assert str(markupsafe.escape(passage["document_title"])) in html
    assert OPL_LINE in html and OGL_LINE in html


def test_passages_name_their_document_by_its_title(get, sql):
    data = get("/demo/passages.json?_labels=on&_shape=objects&_size=5&source=parlparse").json()
    titles = {row["id"]: row["title"] for row in sql("select id, title from documents")}
    for row in data["rows"]:
        document = row["document_id"]
        assert document["label"] == titles[document["value"]]
    first = data["rows"][0]
    html = get(f"/demo/passages?id={quote(first['id'])}").text
    document = first["document_id"]
    label = markupsafe.escape(document["label"])
    link = f'<a href="/demo/documents/{tilde_encode(document["value"])}">{label}</a>'
    assert f"{link}&nbsp;<em>{document['value']}</em>" in html


def test_database_page_hides_fts_shadow_tables_and_migrations(get):
    html = get("/demo").text
    for table in TABLES:
        assert f'<a href="/demo/{table}">{table}</a>' in html, table
    for table in HIDDEN:
        assert f'href="/demo/{table}"' not in html, table
    tables = {table["name"]: table for table in get("/demo.json").json()["tables"]}
    assert {name for name, table in tables.items() if table["hidden"]} == set(HIDDEN)
    assert tables["passages"]["fts_table"] == "passages_fts"


def test_every_published_table_and_column_has_a_description(demo_db, sql):
    tables = load_metadata(demo_db)["databases"]["demo"]["tables"]
    for table in TABLES:
        columns = [row["name"] for row in sql(f"pragma table_info([{table}])")]
        assert tables[table]["description"], table
        assert list(tables[table]["columns"]) == columns, table


def test_amendment_fate_query_lists_amendments_with_sponsor_and_decision(get):
    data = get("/demo/amendment_fate.json?term=attempted&_shape=objects").json()
    assert [row["number"] for row in data["rows"]] == ["2", "4", "5"]
    for row in data["rows"]:
        assert row["bill_title"] == "Unauthorised Entry to Football Matches Bill"
        assert row["lead_sponsor_name"] == "Sir Christopher Chope"
        assert row["lead_sponsor_party"] == "Conservative"
        assert row["decision"] == "NoDecision" and "attempted" in row["text"]


def test_written_answers_are_searchable_beside_debates(get, sql):
    data = get("/demo/passages.json?_search=prison&_facet=document_kind&_shape=objects").json()
    kinds = facet_counts(data, "document_kind")
    assert kinds["written_question"] > 0 and kinds["hansard_debate"] > 0
    expected = sql("""select count(*) as n from passages where document_kind = 'written_question' and rowid in
                      (select rowid from passages_fts where passages_fts match '"prison"')""")[0]["n"]
    assert kinds["written_question"] == expected


def test_demo_is_tagged_and_mentions_show_their_reasons(get, sql):
    counts = {r["topic"]: r["n"] for r in sql("select topic, count(*) n from mentions group by topic")}
    assert {"domestic_abuse", "stalking", "vawg_general", "perpetrator_pursuit"} <= set(counts)
    data = get("/demo/mention_quotes.json?topic=stalking&_shape=objects&_size=5").json()
    assert data["rows"] and all("stalk" in row["sentence"].lower() or row["method"] == "semantic"
                                for row in data["rows"])
    assert all(row["reason"] for row in data["rows"])
    html = get("/demo/mentions?_facet=topic&_facet=method").text
    assert "perpetrator_pursuit" in html and "semantic" in html and "rule" in html
    commitments = sql("select count(*) n from sentences where commitment = 1")[0]["n"]
    assert commitments > 10


def test_demo_holds_the_commitments_ledger_with_dated_evidence(get, sql):
    accepted = sql("select * from commitments where kind = 'accepted recommendation' and actor = 'NPCC'")
    assert accepted and accepted[0]["date"] == "2022-03-01"
    evidence = sql("select * from evidence where commitment_id = ? order by date", [accepted[0]["id"]])
    assert len(evidence) >= 5 and all(e["date"] > "2022-03-01" for e in evidence)
    assert {"police_release", "written_statement"} <= {e["document_kind"] for e in evidence}
    pursue = sql("select id from commitments where quote like 'We want to ensure that perpetrators are%'")
    kinds = {e["document_kind"] for e in sql("select document_kind from evidence where commitment_id = ?",
                                              [pursue[0]["id"]])}
    assert {"written_statement", "hansard_debate", "government_press_release"} <= kinds
    curated = sql("select * from commitments where status_source = 'curated'")
    assert [(c["id"], c["status"]) for c in curated] == [("c-89e41d7437", "delivered")]
    data = get("/demo/commitment_ledger.json?_shape=objects&_size=100").json()
    assert len(data["rows"]) == len(sql("select id from commitments"))
