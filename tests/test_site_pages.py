"""Topic and ledger pages and their canned queries, served in-process by Datasette on the tagged demo."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from html import unescape

import pytest
import yaml
from markupsafe import escape
from sitekit import datasette_for, fetcher

from db import ledger_pages as ledger_queries
from db.timelines import KEY_PASSAGES_SQL, MENTIONS_BY_MONTH_SQL
from nlp.taxonomy import load_taxonomy
from pursuit import config
from pursuit.citation import cite

OPL_LINE = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."
NPCC_ACCEPTANCE = "c-926c4a4f56"  # the NPCC's 2022 acceptance of HMICFRS's recommendations
CURATED = "c-89e41d7437"  # curated as delivered in curation/commitments.yml
WALKTHROUGH = "/-/commitments?topic=stalking&topic_scope=document&actor_kind=government&since=2021-01-01"


def serve(db_path):
    """A fetch function over Datasette configured as `pursuit serve` configures it."""
    return fetcher(datasette_for(db_path))


@pytest.fixture(scope="module")
def get(tagged_demo_db):
    """Fetch a path from the demo site."""
    fetch, loop = serve(tagged_demo_db)
    yield fetch
    loop.close()


def text_of(html: str) -> str:
    """Visible text with whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def listed_ids(html: str) -> list[str]:
    """Commitment ids of the ledger's rows, in page order."""
    return re.findall(r'<tr class="commitment-row" data-id="(c-[0-9a-f]+)">', html)


def test_topics_page_lists_every_taxonomy_topic_with_its_counts(get, sql):
    html = get("/-/topics").text
    counts = {r["topic"]: r for r in sql("select topic, count(*) n from mentions "
                                         "group by topic")}
    for topic in load_taxonomy().topics:
        row = re.search(rf'<tr id="topic-{topic.id}">(.*?)</tr>', html, re.S).group(1)
        assert f'<a href="/-/topics/{topic.id}">{topic.label}</a>' in row
        assert topic.description[:60] in unescape(row)
        mentions = re.search(r'class="num mentions">([\d,]+)<', row).group(1)
        assert int(mentions.replace(",", "")) == counts.get(topic.id, {"n": 0})["n"]
    assert OPL_LINE in text_of(html)


def test_topic_page_embeds_the_monthly_figures_sqlite_gives(get, sql):
    html = get("/-/topics/stalking").text
    data = json.loads(re.search(r'<script type="application/json" id="topic-chart-data">(.*?)</script>',
                                html, re.S).group(1))
    by_kind = {r["kind"]: r["n"] for r in sql(
        """select case when house is not null or document_kind in ('hansard_debate','written_answer',
                  'written_statement','bill_amendment') then 'Parliament'
                  when document_kind like 'police%' then 'Police'
                  when document_kind like 'government%' or document_kind = 'ministerial_statement'
                  then 'Government' else 'Other' end kind, count(*) n
           from mentions where topic = 'stalking' and date is not null group by kind""")}
    assert {kind: sum(values) for kind, values in data["counts"].items()} == by_kind
    dates = sql("select min(date) lo, max(date) hi from mentions where topic = 'stalking'")[0]
    assert data["months"][0] == dates["lo"][:7] and data["months"][-1] == dates["hi"][:7]
    assert '<script src="/static/topic-chart.js" defer></script>' in html
    assert get("/static/topic-chart.js").text.startswith("/* pursuit topic chart")
    for export in ["/demo/topic_mentions_by_month.csv?topic=stalking",
                   "/demo/topic_key_passages.json?topic=stalking",
                   "/-/topics/stalking/timeline.json", "/demo/amendment_fate_by_topic?topic=stalking"]:
        assert export.replace("&", "&amp;") in html, export
    assert OPL_LINE in text_of(html)


def test_topic_page_lists_key_passages_by_date_with_links(get):
    html = get("/-/topics/stalking").text
    passages = get("/demo/topic_key_passages.json?topic=stalking&_shape=array").json()
    items = re.findall(r'<li class="key-passage".*?</li>', html, re.S)
    assert len(items) == len(passages) > 5
    dates = [re.search(r'<span class="date">([\d-]+)</span>', item).group(1) for item in items]
    assert dates == sorted(dates) == [p["date"] for p in passages]
    first = passages[0]
    assert f'href="/-/passage/{first["passage_id"]}"' in items[0] or "%" in items[0]
    assert all("Passage and citation" in item for item in items)


def test_unknown_topic_is_a_404_naming_it(get):
    assert "No topic &#39;cats&#39;" in get("/-/topics/cats", status=404).text


def test_canned_topic_queries_run_the_same_sql_as_the_pages(get, sql, tagged_demo_db):
    queries = yaml.safe_load(config.METADATA_FILE.read_text())["databases"]["pursuit"]["queries"]
    same = lambda a, b: " ".join(a.split()).replace("( ", "(") == " ".join(b.split()).replace("( ", "(")  # noqa: E731
    assert same(queries["topic_mentions_by_month"]["sql"], MENTIONS_BY_MONTH_SQL)
    assert same(queries["topic_key_passages"]["sql"], KEY_PASSAGES_SQL)
    rows = get("/demo/topic_mentions_by_month.json?topic=domestic_abuse&_shape=array&_size=max").json()
    total = sql("select count(*) n from mentions where topic = 'domestic_abuse' and date is not null")[0]["n"]
    assert sum(r["mentions"] for r in rows) == total > 100
    exported = list(csv.DictReader(io.StringIO(
        get("/demo/topic_mentions_by_month.csv?topic=domestic_abuse&_size=max").text)))
    assert [(r["month"], r["source_kind"], int(r["mentions"])) for r in exported] == \
           [(r["month"], r["source_kind"], r["mentions"]) for r in rows]


def test_timelinejs_export_has_one_dated_event_per_key_passage(get):
    document = get("/-/topics/perpetrator_pursuit/timeline.json").json()
    passages = get("/demo/topic_key_passages.json?topic=perpetrator_pursuit&_shape=array").json()
    assert document["title"]["text"]["headline"] == "Perpetrator pursuit"
    assert len(document["events"]) == len(passages) == 40
    for event, passage in zip(document["events"], passages, strict=False):
        assert "-".join(event["start_date"][k] for k in ("year", "month", "day")) == passage["date"]
        assert event["group"] == passage["source_kind"] and event["unique_id"] == passage["sentence_id"]
        assert event["text"]["headline"] and "<blockquote>" in event["text"]["text"]


def test_ledger_lists_every_commitment_with_curated_and_suggested_status(get, sql):
    html = get("/-/commitments").text
    assert sorted(listed_ids(html)) == sorted(r["id"] for r in sql("select id from commitments"))
    curated = re.search(rf'data-id="{CURATED}">(.*?)</tr>', html, re.S).group(1)
    assert '<span class="status curated">delivered</span>' in curated
    suggested = re.search(rf'data-id="{NPCC_ACCEPTANCE}">(.*?)</tr>', html, re.S).group(1)
    assert '<span class="status suggested">in progress</span>' in suggested and "indicative" in suggested
    text = text_of(html)
    assert "The status scale" in text and "partly delivered" in text and OPL_LINE in text


def test_ledger_comes_a_page_at_a_time_newest_first_keeping_its_filters(get, sql, monkeypatch):
    monkeypatch.setattr(ledger_queries, "PAGE_SIZE", 20)
    newest_first = [r["id"] for r in sql("select id from commitments order by date is null, date desc, id")]
    first, second = get("/-/commitments").text, get("/-/commitments?page=2").text
    assert listed_ids(first) == newest_first[:20] and listed_ids(second) == newest_first[20:40]
    assert f"{len(newest_first)} commitments; 1–20 shown" in text_of(first)
    assert '<a rel="next" href="/-/commitments?page=2">' in first and 'rel="prev"' not in first
    assert '<a rel="prev" href="/-/commitments">' in second
    actor = get("/-/commitments?actor=NPCC&page=99").text  # past the last page: the last page
    assert listed_ids(actor) == [r["id"] for r in sql("select id from commitments where actor = 'NPCC' "
                                                      "order by date is null, date desc, id")][-20:]


def test_walkthrough_finds_government_promises_touching_stalking_since_2021(get, sql):
    html = get(WALKTHROUGH).text
    expected = sql("""select c.id from commitments c where c.actor_kind = 'government'
                      and c.date >= '2021-01-01' and exists (select 1 from passages p join mentions m
                      on m.passage_id = p.id where p.document_id = c.document_id and m.topic = 'stalking')
                      order by c.date desc, c.id""")
    assert listed_ids(html) == [r["id"] for r in expected]
    assert "c-c89d5959c5" in listed_ids(html)  # the Government's May 2024 reply on MAPPA for stalkers
    assert "6 commitments on Stalking (anywhere in the document it was made in)" in text_of(html)
    narrow = listed_ids(get("/-/commitments?topic=stalking&since=2021-01-01&actor_kind=government"
                            "&actor_kind=minister").text)
    assert narrow == []  # no dated government promise names stalking in its own sentence: widen the scope
    police = listed_ids(get("/-/commitments?topic=stalking&since=2021-01-01").text)
    assert police == ["c-d00c188793"]  # the PCCs' pledge on specialist stalking support does


def test_ledger_filters_by_actor_and_status_and_rejects_bad_values(get, sql):
    npcc = listed_ids(get("/-/commitments?actor=NPCC").text)
    assert sorted(npcc) == sorted(r["id"] for r in sql("select id from commitments where actor = 'NPCC'"))
    delivered = listed_ids(get("/-/commitments?status=delivered").text)
    expected = sql("select id from commitments where status = 'delivered'")
    assert sorted(delivered) == sorted(r["id"] for r in expected)
    assert CURATED in delivered
    error = get("/-/commitments?since=2021-02-30", status=400).text
    assert "since=&#39;2021-02-30&#39; is not a date" in error
    assert "is not on the status scale" in get("/-/commitments?status=done", status=400).text


def test_commitment_page_shows_quote_status_restatements_and_dated_evidence(get, sql):
    html = get(f"/-/commitments/{NPCC_ACCEPTANCE}").text
    row = sql("select * from commitments where id = ?", [NPCC_ACCEPTANCE])[0]
    text = text_of(html)
    assert row["quote"] in text and "Who committed NPCC (police)" in text and "Date 2022-03-01" in text
    assert "Suggested status (indicative): in progress" in text and "Curated status: none yet" in text
    evidence = sql("select date, relation, quote from evidence where commitment_id = ? "
                   "order by date, score desc",
                   [NPCC_ACCEPTANCE])
    rows = re.findall(r'<tr class="evidence-row" data-date="([\d-]+)" data-relation="(\w+)">', html)
    assert rows == [(e["date"], e["relation"]) for e in evidence] and len(rows) >= 5
    assert all(e["date"] > row["date"] for e in evidence)
    assert evidence[0]["quote"] in text
    assert html.count('Passage and citation</a>') == len(evidence)
    assert f'href="/-/passage/{row["passage_id"]}"' in html or "%" in row["passage_id"]
    occurrences = sql("select count(*) n from commitment_occurrences where commitment_id = ?",
                      [NPCC_ACCEPTANCE])
    assert f"Stated {occurrences[0]['n']} times" in text
    assert OPL_LINE in text


def test_commitment_page_cites_the_promise_and_each_piece_of_evidence(get, sql):
    html = get(f"/-/commitments/{NPCC_ACCEPTANCE}").text
    row = sql("select * from commitments where id = ?", [NPCC_ACCEPTANCE])[0]
    passage = sql("select * from passages where id = ?", [row["passage_id"]])[0]
    document = sql("select * from documents where id = ?", [row["document_id"]])[0]
    expected = cite(passage, document).text
    assert "National Police Chiefs" in expected and "2022" in expected
    assert f'<code class="citation-text">{escape(expected)}</code>' in html
    evidence = sql("select e.passage_id from evidence e where e.commitment_id = ?", [NPCC_ACCEPTANCE])
    assert html.count('<span class="muted citation-text">') == len(evidence)


def test_curated_commitment_page_shows_both_statuses(get, sql):
    text = text_of(get(f"/-/commitments/{CURATED}").text)
    row = sql("select * from commitments where id = ?", [CURATED])[0]
    assert "Curated status: delivered" in text and row["curated_note"] in text
    assert f"Suggested status (indicative): {row['machine_status']}" in text
    get("/-/commitments/c-0000000000", status=404)


def test_amendment_fate_by_topic_lists_amendments_tagged_with_the_topic(get):
    rows = get("/demo/amendment_fate_by_topic.json?topic=stalking&_shape=array").json()
    assert [(r["recorded_in"], r["date"], r["lead_sponsor_name"]) for r in rows] == [
        ("Hansard", "2021-04-21", "Baroness Royall of Blaisdon"),
        ("Hansard", "2021-04-27", "Baroness Royall of Blaisdon")]
    assert all("stalking" in r["text"].lower() and r["url"].startswith("https://") for r in rows)
    assert get("/demo/amendment_fate_by_topic.json?topic=serious_violence_duty&_shape=array").json() == []


def test_promises_by_finds_a_member_or_a_body(get, sql):
    crawley = get("/demo/promises_by.json?who=Crawley&_shape=array").json()
    by_crawley = [r["id"] for r in sql("select id from commitments where speaker_name = 'Baroness Crawley' "
                                       "order by date desc, id")]
    assert [r["id"] for r in crawley] == by_crawley and "c-2275ba8576" in by_crawley  # registrars: "we shall"
    assert {r["actor_kind"] for r in crawley} == {"member"}
    npcc = get("/demo/promises_by.json?who=NPCC&_shape=array").json()
    by_npcc = sql("select id from commitments where actor = 'NPCC'")
    assert {r["id"] for r in npcc} >= {r["id"] for r in by_npcc}


def test_overdue_query_and_filter_list_only_overdue_commitments(tagged_demo_db, tmp_path, get):
    assert get("/demo/commitments_overdue.json?_shape=array").json() == []  # no dated deadline has passed
    copy = tmp_path / "demo.db"
    shutil.copy(tagged_demo_db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("update commitments set deadline_date = '2023-12-31', deadline_text = 'by 2023', "
                     "overdue = 1 "
                     "where id = ?", [NPCC_ACCEPTANCE])
    fetch, loop = serve(copy)
    try:
        rows = fetch("/demo/commitments_overdue.json?_shape=array").json()
        assert [(r["id"], r["deadline_date"]) for r in rows] == [(NPCC_ACCEPTANCE, "2023-12-31")]
        assert listed_ids(fetch("/-/commitments?overdue=1").text) == [NPCC_ACCEPTANCE]
        assert '<span class="badge overdue">overdue</span>' in fetch(f"/-/commitments/{NPCC_ACCEPTANCE}").text
    finally:
        loop.close()
