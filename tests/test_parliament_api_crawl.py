"""Real Scrapy crawls of the hansard, bills and questions spiders against saved API responses on 127.0.0.1."""

from __future__ import annotations

import json

import sqlite_utils
from conftest import RESPONSES, crawl_api_server, run_pursuit

from db import store
from db.connect import open_db

D1 = "5E7D0C1A-0000-4000-8000-000000000101"
D2 = "5E7D0C1A-0000-4000-8000-000000000201"
SEARCH_PAGE_2 = (
    "search/contributions/Spoken.json?queryparameters.enddate=2024-01-10&queryparameters.orderby="
    "SittingDateAsc&queryparameters.searchterm=stalking&queryparameters.skip=4&queryparameters."
    "startdate=2024-01-05&queryparameters.take=4"
)
BILLS_PAGE_2 = "Bills?searchterm=stalking&skip=4&sortorder=DateUpdatedDescending&take=4"
AMENDMENTS_PAGE_2 = "Bills/3786/Stages/20099/Amendments?skip=4&take=4"
FULL_ANSWER = "writtenquestions/questions/1679416?expandmember=true"
STATEMENTS = (
    "writtenstatements/statements?expandmember=true&madewhenfrom=2024-01-05&madewhento=2024-01-10"
    "&searchterm=stalking&skip=0&take=4"
)
ALL = ("hansard", "bills", "questions")


def rows(db: sqlite_utils.Database, sql: str, params=()) -> list[dict]:
    """The rows of a query as dicts."""
    return list(db.query(sql, params))


def counts_by_source(db: sqlite_utils.Database, table: str) -> dict[str, int]:
    """Row counts of documents or passages per source."""
    return {r["source"]: r["n"] for r in db.query(f"select source, count(*) n from {table} group by source")}


def dump(db: sqlite_utils.Database) -> dict[str, list[dict]]:
    """Every row of the tables a crawl fills, in key order."""
    tables = ("documents", "passages", "bills", "bill_stages", "amendments", "questions")
    return {t: rows(db, f"select * from {t} order by 1") for t in tables}


def test_crawl_of_all_three_apis_fills_documents_passages_amendments_and_questions(tmp_path, api_server):
    db_path = tmp_path / "p.db"
    result = crawl_api_server(db_path, api_server, ALL)
    for source in ALL:
        assert f"{source}: ok" in result.stdout, result.stdout
    db = open_db(db_path)
    assert counts_by_source(db, "documents") == {"hansard": 5, "bills": 6, "questions": 4}
    assert counts_by_source(db, "passages") == {"hansard": 9, "bills": 6, "questions": 6}
    assert db["bills"].count == 7 and db["bill_stages"].count == 7 and db["amendments"].count == 6
    fate = rows(
        db,
        """select a.number, a.lead_sponsor_name, a.decision, a.decision_explanation, b.short_title,
                       s.description from amendments a join bills b using (bill_id)
                       join bill_stages s using (bill_stage_id) order by a.number""",
    )
    assert [r["number"] for r in fate] == ["1", "2", "3", "4", "5", "6"]
    assert {(r["lead_sponsor_name"], r["decision"], r["short_title"], r["description"]) for r in fate} == {
        ("Sir Christopher Chope", "NoDecision", "Unauthorised Entry to Football Matches Bill", "Report stage")
    }
    question = db["questions"].get(1679416)
    assert question["answer_truncated"] == 0 and question["answering_body"] == "Department for Education"
    answer = db["passages"].get("questions/question/1679416/answer")
    assert len(answer["text"]) > 1000 and answer["text"].endswith("in due course.")
    speech = db["passages"].get(f"hansard/{D1.lower()}/5e7d0c1a-0000-4000-8000-000000001012")
    assert (
        speech["speaker_name"] == "The Minister for Safeguarding (Sam Sample)"
        and speech["column_number"] == "101"
    )
    assert speech["permalink"].startswith("https://hansard.parliament.uk/commons/2024-01-08/debates/")
    assert rows(db, "select count(*) n from rejects")[0]["n"] == 0


def test_the_same_debate_reached_by_date_and_by_search_is_fetched_and_stored_once(tmp_path, api_server):
    db_path = tmp_path / "p.db"
    crawl_api_server(db_path, api_server, ("hansard",))
    assert api_server.hits[f"/debates/debate/{D1}.json"] == 1
    assert api_server.hits[f"/debates/debate/{D2}.json"] == 1
    db = open_db(db_path)
    titles = [r["title"] for r in rows(db, "select title from documents order by title")]
    assert titles == [
        "Domestic Abuse: Perpetrator Programmes",
        "Domestic Abuse: Support Services",
        "Interim Orders",
        "Stalking Protection Orders",
        "Violence against Women and Girls",
    ]
    lords = rows(db, "select house, chamber, date from documents where house = 'Lords'")
    assert lords == [
        {"house": "Lords", "chamber": "Lords Chamber", "date": "2024-01-10"}
    ]  # found by search only
    assert store.get_state(db, "hansard", "last_day:Commons") == "2024-01-10"
    assert store.get_state(db, "hansard", "search:last_day") == "2024-01-10"


def test_every_page_of_every_listing_is_followed(tmp_path, api_server):
    crawl_api_server(tmp_path / "p.db", api_server, ALL)
    for key in (SEARCH_PAGE_2, BILLS_PAGE_2, AMENDMENTS_PAGE_2, STATEMENTS):
        assert api_server.hits[key] == 1, key


def test_real_question_list_is_paged_by_skip_and_take_to_its_total(tmp_path, api_server):
    db_path = tmp_path / "p.db"
    run_pursuit(
        "crawl",
        str(db_path),
        "questions",
        "--base-url",
        api_server.root_url,
        "--since",
        "2024-01-05",
        "--until",
        "2024-01-05",
        "--delay",
        "0",
        "-a",
        "terms=",
        "-a",
        "window=tabled",
        "-a",
        "page_size=8",
        "-a",
        "kinds=questions",
        "-a",
        "full_answers=no",
    )
    for skip in (0, 8, 16):
        key = (
            f"writtenquestions/questions?expandmember=true&skip={skip}&tabledwhenfrom=2024-01-05"
            f"&tabledwhento=2024-01-05&take=8"
        )
        assert api_server.hits[key] == 1
    db = open_db(db_path)
    assert db["questions"].count == 20
    assert rows(db, "select sum(answer_truncated) n from questions")[0]["n"] == 16
    home_office = rows(db, "select * from questions where answering_body = 'Home Office'")
    assert [(q["id"], q["answer_is_correction"]) for q in home_office] == [(1679326, 1)]


def test_429_with_retry_after_is_waited_out_then_the_page_is_stored(tmp_path, api_server):
    db_path = tmp_path / "p.db"
    api_server.fail(BILLS_PAGE_2, 429, times=1, headers={"Retry-After": "2"})
    result = crawl_api_server(db_path, api_server, ("bills",))
    assert "bills: ok" in result.stdout
    first, second = api_server.hit_times[BILLS_PAGE_2]
    assert second - first >= 1.9
    assert open_db(db_path)["amendments"].count == 6


def test_server_error_then_success_stores_the_full_answer(tmp_path, api_server):
    db_path = tmp_path / "p.db"
    api_server.fail(FULL_ANSWER, 500, times=1)
    result = crawl_api_server(db_path, api_server, ("questions",))
    assert "questions: ok" in result.stdout and api_server.hits[FULL_ANSWER] == 2
    db = open_db(db_path)
    assert db["questions"].get(1679416)["answer_truncated"] == 0
    assert db["rejects"].count == 0


def test_answer_that_cannot_be_fetched_is_kept_truncated_and_recorded(tmp_path, api_server):
    db_path = tmp_path / "p.db"
    api_server.fail(FULL_ANSWER, 500, times=10)
    result = crawl_api_server(db_path, api_server, ("questions",))
    assert "questions: completed with errors" in result.stdout
    db = open_db(db_path)
    assert db["questions"].get(1679416)["answer_truncated"] == 1
    assert db["passages"].get("questions/question/1679416/answer")["text"].endswith("...")
    (reject,) = rows(db, "select * from rejects")
    assert reject["reason"] == "HTTP 500 after retries" and reject["url"].endswith(
        "questions/1679416?expandMember=true"
    )
    assert store.get_state(db, "questions", "last_day:questions") is None
    assert store.get_state(db, "questions", "last_day:statements") == "2024-01-10"


def test_truncated_json_is_rejected_and_the_crawl_goes_on(tmp_path, api_server, api_responses):
    db_path = tmp_path / "p.db"
    served = api_responses / "hansard" / "debate_domestic-abuse-support-services.json"
    served.write_bytes(served.read_bytes()[:700])
    result = crawl_api_server(db_path, api_server, ("hansard",))
    assert "hansard: completed with errors" in result.stdout
    db = open_db(db_path)
    (reject,) = rows(db, "select * from rejects")
    assert reject["reason"] == "malformed JSON" and reject["url"].endswith(f"/debates/debate/{D2}.json")
    assert reject["source"] == "hansard" and "line" in reject["detail"]
    assert counts_by_source(db, "documents") == {"hansard": 4}
    assert (
        store.get_state(db, "hansard", "last_day:Commons") is None
    )  # the day with the bad debate is retried
    assert store.get_state(db, "hansard", "search:last_day") is None  # the search found that debate too


def test_item_missing_a_required_field_is_rejected_alone(tmp_path, api_server, api_responses):
    served = api_responses / "bills" / "amendments_3786_20099_skip0_take4.json"
    page = json.loads(served.read_text(encoding="utf-8"))
    del page["items"][0]["amendmentId"]
    served.write_text(json.dumps(page), encoding="utf-8")
    db_path = tmp_path / "p.db"
    crawl_api_server(db_path, api_server, ("bills",))
    db = open_db(db_path)
    (reject,) = rows(db, "select * from rejects")
    assert reject["reason"] == "missing required field: amendment #0 has no 'amendmentId'"
    assert db["amendments"].count == 5
    assert store.get_state(db, "bills", "last_update:bill/3786") is None
    assert store.get_state(db, "bills", "last_update:bill/4280") == "2026-09-11T16:45:26.2725225"


def test_recrawl_is_idempotent_and_unchanged_bills_are_not_walked_again(tmp_path, api_server):
    db_path = tmp_path / "p.db"
    crawl_api_server(db_path, api_server, ALL)
    before = dump(open_db(db_path))
    result = crawl_api_server(db_path, api_server, ALL, "-a", "full_refresh=yes")
    assert "hansard: ok — new 0, changed 0, unchanged 6" in result.stdout
    assert "bills: ok — new 0, changed 0, unchanged 6" in result.stdout
    assert "questions: ok — new 0, changed 0, unchanged 4" in result.stdout
    db = open_db(db_path)
    assert dump(db) == before and db["revisions"].count == 0
    stages_hits = api_server.hits["/Bills/3786/Stages"]
    crawl_api_server(db_path, api_server, ("bills",))
    assert api_server.hits["/Bills/3786/Stages"] == stages_hits  # lastUpdate unchanged: not walked again
    assert dump(open_db(db_path)) == before


def test_holding_answer_replaced_by_the_answer_keeps_the_holding_answer_in_revisions(
    tmp_path, api_server, api_responses
):
    db_path = tmp_path / "p.db"
    crawl_api_server(db_path, api_server, ("questions",))
    served = api_responses / "questions" / "questions_search_stalking.json"
    page = json.loads(served.read_text(encoding="utf-8"))
    page["results"][0]["value"].update(
        answerIsHolding=False,
        answerText="<p>Figures are published each year.</p>",
        dateAnswered="2024-01-10T00:00:00",
    )
    served.write_text(json.dumps(page), encoding="utf-8")
    result = crawl_api_server(db_path, api_server, ("questions",))
    assert "changed 1" in result.stdout
    db = open_db(db_path)
    row = db["questions"].get(9900001)
    assert row["answer_is_holding"] == 0 and row["date_holding_answer"] == "2024-01-09"
    assert (
        db["passages"].get("questions/question/9900001/answer")["text"] == "Figures are published each year."
    )
    (revision,) = rows(db, "select * from revisions")
    old = json.loads(revision["snapshot"])
    assert revision["document_id"] == "questions/question/9900001"
    assert [p["kind"] for p in old["passages"]] == ["question", "holding_answer"]


def test_load_replays_saved_responses_exactly_like_a_crawl(tmp_path, api_server):
    crawled, loaded = tmp_path / "crawled.db", tmp_path / "loaded.db"
    crawl_api_server(crawled, api_server, ("bills",))
    run_pursuit(
        "crawl",
        str(loaded),
        "bills",
        "--load",
        str(RESPONSES / "bills"),
        "--since",
        "2024-01-05",
        "-a",
        "terms=stalking",
        "-a",
        "page_size=4",
    )
    columns = "id, number, text, lead_sponsor_name, decision, bill_title, stage"
    crawled_rows, loaded_rows = (
        rows(open_db(p), f"select {columns} from amendments order by id") for p in (crawled, loaded)
    )
    assert crawled_rows == loaded_rows
    assert open_db(loaded)["amendments"].count == 6


def test_load_without_a_saved_response_rejects_that_request(tmp_path):
    db_path = tmp_path / "p.db"
    result = run_pursuit(
        "crawl", str(db_path), "bills", "--load", str(RESPONSES / "bills"), "-a", "terms=no such bill"
    )
    assert "bills: completed with errors" in result.stdout
    (reject,) = rows(open_db(db_path), "select * from rejects")
    assert reject["reason"] == "no saved response" and "SearchTerm=no%20such%20bill" in reject["url"]


def test_malformed_spider_argument_is_a_usage_error(tmp_path):
    result = run_pursuit("crawl", str(tmp_path / "p.db"), "bills", "-a", "since=2024-01-01", check=False)
    assert result.returncode == 2 and "expected NAME=VALUE" in result.stderr
