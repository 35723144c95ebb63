"""The query and format code behind the topic and ledger pages, on a small real SQLite database."""

from __future__ import annotations

import json

import pytest

from db.connect import open_db
from db.ledger_pages import (
    LedgerFilters,
    count_commitments,
    evidence_timeline,
    filter_choices,
    list_commitments,
    passages_and_documents,
    restatements,
)
from db.timelines import key_passages, mentions_by_month, topic_counts
from nlp.link import STATUS_SCALE
from nlp.taxonomy import load_taxonomy
from pursuit.ledger_pages import (
    STATUS_MEANINGS,
    FilterError,
    citations,
    describe_filters,
    filters_query,
    page_links,
    page_number,
    passage_path,
    read_filters,
)
from pursuit.timelines import chart_series, month_range, script_json, timelinejs, topic_summaries

TOPICS = load_taxonomy().ids()
# (document id, kind, house, date, passage texts); every sentence is one passage here.
DOCUMENTS = [
    ("parlparse/lords/2021-04-21a.1", "hansard_debate", "Lords", "2021-04-21",
     ["We will legislate to register serial stalkers.", "Stalking is rising."]),
    ("govuk/plan", "government_publication", None, "2021-04-30", ["The plan tackles stalking <b>now</b>."]),
    ("police/npcc/1", "police_release", None, "2021-06-02", ["Forces arrested more stalkers."]),
    ("corpus/blog", "campaign", None, "2021-06-20", ["Stalking victims wait too long."]),
    ("corpus/undated", "campaign", None, None, ["Stalking undated."]),
]


def add_document(db, doc_id, kind, house, date, texts):
    """A document with one passage, sentence and stalking mention per text."""
    db["documents"].insert({"id": doc_id, "source": doc_id.split("/")[0], "native_id": doc_id, "kind": kind,
                            "title": f"Title of {doc_id}", "date": date, "house": house,
                            "url": f"https://example.org/{doc_id}"})
    for n, text in enumerate(texts):
        passage_id = f"{doc_id}/p{n}"
        db["passages"].insert({"id": passage_id, "document_id": doc_id, "text": text, "date": date,
                               "house": house, "document_kind": kind, "document_title": f"Title of {doc_id}",
                               "speaker_name": "Lord Example" if house else None,
                               "permalink": f"https://twfy.example/{passage_id}",
                               "official_url": "https://hansard.example/x" if house else None})
        sentence = {"id": f"{passage_id}#s0", "passage_id": passage_id, "text": text, "text_hash": text,
                    "topics": "stalking", "commitment": int(text.startswith("We will")), "date": date,
                    "house": house, "document_kind": kind}
        db["sentences"].insert(sentence)
        db["mentions"].insert({"sentence_id": sentence["id"], "topic": "stalking", "passage_id": passage_id,
                               "method": "rule", "score": 0.5 + n / 10, "reason": "phrase", "date": date,
                               "house": house, "document_kind": kind})


def add_commitment(db, cid, date, actor, actor_kind, topics, passage_id, **extra):
    """A commitments row with the fields the ledger pages read."""
    row = {"id": cid, "quote": f"Promise {cid}", "date": date, "actor": actor, "actor_kind": actor_kind,
           "topics": topics, "sentence_id": f"{passage_id}#s0", "passage_id": passage_id,
           "document_id": passage_id.rsplit("/", 1)[0], "text_hash": cid, "status": "not yet rated",
           "machine_status": "not yet rated", "status_source": "machine (indicative)", **extra}
    db["commitments"].insert(row)


@pytest.fixture
def site_db(tmp_path):
    """A migrated database holding five documents on stalking and three commitments with evidence."""
    db = open_db(tmp_path / "site.db")
    for document in DOCUMENTS:
        add_document(db, *document)
    add_commitment(db, "c-01", "2021-04-21", "Government", "minister", "stalking",
                   "parlparse/lords/2021-04-21a.1/p0", status="delivered", curated_status="delivered",
                   status_source="curated", overdue=0)
    add_commitment(db, "c-02", "2021-04-30", "Home Office", "government", "domestic_abuse", "govuk/plan/p0",
                   overdue=1)
    add_document(db, "police/npcc/2", "police_release", None, "2019-01-01",
                 ["We will act.", "Stalkers fear us."])
    db.execute("DELETE FROM mentions WHERE passage_id = 'police/npcc/2/p0'")  # only p1 mentions stalking
    add_commitment(db, "c-03", "2019-01-01", "NPCC", "police", "perpetrator_pursuit", "police/npcc/2/p0")
    for n, date in enumerate(["2022-05-01", "2021-09-01"]):
        db["evidence"].insert({"id": f"c-01|e{n}", "commitment_id": "c-01", "date": date,
                               "relation": "progress", "quote": f"Evidence {n}", "similarity": 0.7,
                               "score": 0.78, "reason": "similar",
                               "sentence_id": "police/npcc/1/p0#s0", "passage_id": "police/npcc/1/p0",
                               "document_id": "police/npcc/1", "linked_at": "2024-01-01"})
    db["commitment_occurrences"].insert({"sentence_id": "parlparse/lords/2021-04-21a.1/p0#s0",
                                         "commitment_id": "c-01",
                                         "passage_id": "parlparse/lords/2021-04-21a.1/p0",
                                         "document_id": "parlparse/lords/2021-04-21a.1", "date": "2021-04-21",
                                         "quote": "Promise c-01", "similarity": 1.0})
    yield db.conn
    db.close()


def test_mentions_per_month_group_by_source_kind_and_leave_out_undated(site_db):
    rows = mentions_by_month(site_db, "stalking")
    assert rows == [
        {"month": "2019-01", "source_kind": "Police", "mentions": 1},
        {"month": "2021-04", "source_kind": "Government", "mentions": 1},
        {"month": "2021-04", "source_kind": "Parliament", "mentions": 2},
        {"month": "2021-06", "source_kind": "Other", "mentions": 1},
        {"month": "2021-06", "source_kind": "Police", "mentions": 1},
    ]
    assert mentions_by_month(site_db, "domestic_abuse") == []


def test_chart_series_fills_empty_months_and_keeps_kinds_in_a_fixed_order():
    rows = [{"month": "2021-11", "source_kind": "Police", "mentions": 2},
            {"month": "2022-02", "source_kind": "Parliament", "mentions": 3},
            {"month": "2022-02", "source_kind": "Police", "mentions": 1}]
    series = chart_series(rows)
    assert series["months"] == ["2021-11", "2021-12", "2022-01", "2022-02"]
    assert series["kinds"] == ["Parliament", "Police"]
    assert series["counts"] == {"Parliament": [0, 0, 0, 3], "Police": [2, 0, 0, 1]}
    assert series["total"] == 6 and set(series["colours"]) == {"Parliament", "Police"}
    assert chart_series([])["months"] == []
    assert month_range("2020-12", "2021-01") == ["2020-12", "2021-01"]


def test_key_passages_put_commitments_first_and_come_back_in_date_order(site_db):
    rows = key_passages(site_db, "stalking")
    assert [row["date"] for row in rows] == ["2019-01-01", "2021-04-21", "2021-04-21", "2021-04-30",
                                             "2021-06-02", "2021-06-20"]
    debate = [row for row in rows if row["passage_id"].startswith("parlparse")]
    assert {row["commitment"] for row in debate} == {0, 1}
    assert debate[0]["official_url"] == "https://hansard.example/x"
    assert {row["source_kind"] for row in rows} == {"Parliament", "Government", "Police", "Other"}
    police = next(row for row in rows if row["passage_id"] == "police/npcc/1/p0")
    assert police["official_url"] == "https://twfy.example/police/npcc/1/p0"  # permalink when no official URL


def test_key_passages_are_the_same_on_a_database_served_before_its_commitment_index(site_db):
    expected = key_passages(site_db, "stalking")
    site_db.execute("DROP INDEX sentences_commitments")
    assert key_passages(site_db, "stalking") == expected


def test_topic_counts_and_summaries_cover_every_taxonomy_topic(site_db):
    counts = topic_counts(site_db)
    assert counts["stalking"] == {"mentions": 7, "passages": 7, "first_date": "2019-01-01",
                                  "last_date": "2021-06-20"}
    summaries = topic_summaries(list(load_taxonomy().topics), counts)
    assert [s["id"] for s in summaries] == TOPICS
    assert next(s for s in summaries if s["id"] == "domestic_abuse")["mentions"] == 0


def test_timelinejs_document_escapes_source_html_and_dates_each_event(site_db):
    topic = next(t for t in load_taxonomy().topics if t.id == "stalking")
    document = timelinejs(topic, key_passages(site_db, "stalking"), passage_path)
    assert document["title"]["text"]["headline"] == "Stalking"
    assert len(document["events"]) == 6
    plan = next(e for e in document["events"] if e["unique_id"] == "govuk/plan/p0#s0")
    assert plan["start_date"] == {"year": "2021", "month": "04", "day": "30"}
    assert plan["group"] == "Government"
    assert "&lt;b&gt;now&lt;/b&gt;" in plan["text"]["text"] and "<b>" not in plan["text"]["text"]
    assert 'href="/-/passage/govuk/plan/p0"' in plan["text"]["text"]
    json.dumps(document)  # serialisable as it stands


def test_script_json_cannot_close_the_script_element():
    text = script_json({"quote": "</script><script>alert(1)</script> & more"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"quote": "</script><script>alert(1)</script> & more"}


def test_passage_paths_keep_slashes_and_encode_query_characters():
    assert passage_path("parlparse/lords/2021-04-21a.1/p0") == "/-/passage/parlparse/lords/2021-04-21a.1/p0"
    encoded = "/-/passage/corpus/x.com/lords%3Fid%3D1%26s%3Da%253Ab/p1"
    assert passage_path("corpus/x.com/lords?id=1&s=a%3Ab/p1") == encoded


def test_ledger_filters_by_topic_scope_actor_kind_status_date_and_overdue(site_db):
    ids = lambda **kw: [row["id"] for row in list_commitments(site_db, LedgerFilters(**kw))]  # noqa: E731
    assert ids() == ["c-02", "c-01", "c-03"]  # newest first
    assert ids(topic="stalking") == ["c-01"]
    assert ids(topic="stalking", topic_scope="passage") == ["c-02", "c-01"]  # c-02's passage names it
    assert ids(topic="stalking", topic_scope="document") == ["c-02", "c-01", "c-03"]  # and c-03's document
    assert ids(actor_kinds=["government", "minister"], since="2021-01-01") == ["c-02", "c-01"]
    assert ids(actor="NPCC") == ["c-03"]
    assert ids(status="delivered") == ["c-01"]
    assert ids(overdue=True) == ["c-02"]
    assert ids(until="2020-12-31") == ["c-03"]
    assert ids(words="PROMISE C-0") == ["c-02", "c-01", "c-03"]
    rows = list_commitments(site_db, LedgerFilters(topic="stalking"))
    assert rows[0]["latest_evidence"] == "2022-05-01"
    choices = filter_choices(site_db)
    assert {c["value"]: c["n"] for c in choices["status"]} == {"not yet rated": 2, "delivered": 1}


def test_evidence_timeline_and_restatements_come_in_date_order(site_db):
    assert [e["date"] for e in evidence_timeline(site_db, "c-01")] == ["2021-09-01", "2022-05-01"]
    assert [o["quote"] for o in restatements(site_db, "c-01")] == ["Promise c-01"]
    assert evidence_timeline(site_db, "c-02") == []


def test_read_filters_checks_values_and_round_trips_through_the_query_string():
    args = {"topic": ["stalking"], "topic_scope": ["document"], "actor_kind": ["government", "minister"],
            "since": ["2021-01-01"], "overdue": ["1"], "q": [" plan "]}
    filters = read_filters(args, TOPICS)
    assert filters == LedgerFilters(topic="stalking", topic_scope="document",
                                    actor_kinds=["government", "minister"],
                                    since="2021-01-01", overdue=True, words="plan")
    query = filters_query(filters)
    assert query == ("topic=stalking&topic_scope=document&actor_kind=government&actor_kind=minister"
                     "&overdue=1&since=2021-01-01&q=plan")
    assert describe_filters(filters, {"stalking": "Stalking"}).startswith(
        "on Stalking (anywhere in the document it was made in), by government and departments or ministers")
    for bad, message in [({"since": ["2021-13-01"]}, "since='2021-13-01' is not a date"),
                         ({"topic": ["cats"]}, "topic='cats' is not a topic"),
                         ({"topic_scope": ["everywhere"]}, "topic_scope='everywhere'"),
                         ({"status": ["done"]}, "status='done' is not on the status scale")]:
        with pytest.raises(FilterError, match=message.replace("(", r"\(")):
            read_filters(bad, TOPICS)


def test_every_status_on_the_published_scale_is_explained():
    assert tuple(STATUS_MEANINGS) == STATUS_SCALE


def test_citations_name_the_house_date_and_column_or_the_publisher_and_title(site_db):
    site_db.execute("UPDATE passages SET column_number = '1930', source = 'parlparse' "
                    "WHERE id = 'parlparse/lords/2021-04-21a.1/p0'")
    site_db.execute("UPDATE documents SET source = 'parlparse' WHERE id = 'parlparse/lords/2021-04-21a.1'")
    site_db.execute("UPDATE documents SET publisher = 'Home Office' WHERE id = 'govuk/plan'")
    wanted = ["parlparse/lords/2021-04-21a.1/p0", "govuk/plan/p0", "missing"]
    sources = passages_and_documents(site_db, wanted)
    assert set(sources) == {"parlparse/lords/2021-04-21a.1/p0", "govuk/plan/p0"}
    cited = citations(sources)
    assert cited["parlparse/lords/2021-04-21a.1/p0"].startswith("HL Deb 21 April 2021")
    assert "col 1930" in cited["parlparse/lords/2021-04-21a.1/p0"]
    assert cited["govuk/plan/p0"].startswith("Home Office, Title of govuk/plan (30 April 2021)")


def test_the_ledger_comes_a_page_at_a_time_with_links_that_keep_the_filters(site_db):
    everything = list_commitments(site_db, LedgerFilters())
    assert count_commitments(site_db, LedgerFilters()) == len(everything) == 3
    pages = [list_commitments(site_db, LedgerFilters(), limit=2, offset=offset) for offset in (0, 2)]
    assert pages[0] + pages[1] == everything
    filters = LedgerFilters(actor="NPCC")
    links = page_links(filters, 2, total=5, size=2)
    assert (links["first"], links["last"], links["last_page"]) == (3, 4, 3)
    assert links["previous_url"] == "/-/commitments?actor=NPCC"
    assert links["next_url"] == "/-/commitments?actor=NPCC&page=3"
    assert page_links(LedgerFilters(), 1, total=0, size=2)["next_url"] is None
    assert page_number({"page": ["2"]}) == 2 and page_number({"page": ["x"]}) == page_number({}) == 1
