"""Real Scrapy crawls of the ParlParse spider against recorded files served on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils
from conftest import PARLPARSE, crawl_fixture_server, run_pursuit

from db import store
from db.connect import open_db

DEBATES = "/pwdata/scrapedxml/debates/debates2009-10-28c.xml"
SUPERSEDED = "/pwdata/scrapedxml/debates/debates2009-10-28a.xml"
LORDSWRANS = "/pwdata/scrapedxml/lordswrans/lordswrans2009-10-29a.xml"
WMS = "/pwdata/scrapedxml/wms/ministerial2009-10-29a.xml"
EXPECTED_PASSAGES = {
    "debates": 493, "lordspages": 144, "westminhall": 52, "wms": 12, "lordswrans": 36,
}


def passages_by_directory(db: sqlite_utils.Database) -> dict[str, int]:
    """Stored passage counts keyed by ParlParse directory."""
    sql = "select substr(id, 11, instr(substr(id, 11), '/') - 1) d, count(*) n from passages group by d"
    return {row["d"]: row["n"] for row in db.query(sql)}


def table_dump(db: sqlite_utils.Database, table: str) -> list[dict]:
    """Every row of a table in primary-key order."""
    return list(db.query(f"select * from {table} order by 1"))


def test_crawl_stores_every_speech_question_and_answer(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    result = crawl_fixture_server(db_path, fixture_server)
    assert "parlparse: ok" in result.stdout
    db = open_db(db_path)
    assert passages_by_directory(db) == EXPECTED_PASSAGES
    pm = db["passages"].get("parlparse/debates/2009-10-28c.277.0")
    assert pm["speaker_name"] == "Gordon Brown"
    assert pm["speaker_id"] == "member/1997"
    assert pm["office"] == "The Prime Minister"
    assert pm["column_number"] == "277"
    assert pm["time"] == "11:30:00"
    assert pm["date"] == "2009-10-28" and pm["year"] == 2009 and pm["house"] == "Commons"
    assert pm["permalink"] == "https://www.theyworkforyou.com/debates/?id=2009-10-28c.277.0"
    assert pm["official_url"].startswith("http://www.publications.parliament.uk/pa/cm200809/")
    assert pm["text"].startswith("Before listing my engagements")
    assert "\n\nThis morning I had meetings" in pm["text"]
    answer = db["passages"].get("parlparse/lordswrans/2009-10-29a.172.2")
    assert answer["kind"] == "answer" and answer["speaker_name"] == "Lord Davies of Oldham"
    assert "compensation of £750 for each" in answer["text"]
    document = db["documents"].get(pm["document_id"])
    assert document["kind"] == "hansard_debate" and document["licence"] == "Open Parliament Licence v3.0"
    assert document["source_url"] == fixture_server.base_url + "debates/debates2009-10-28c.xml"


def test_crawl_keeps_divisions_with_each_vote(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    crawl_fixture_server(db_path, fixture_server)
    db = open_db(db_path)
    division = db["passages"].get("parlparse/debates/2009-10-28c.344.3")
    assert division["kind"] == "division"
    assert division["text"] == "Division No. 232: Ayes 234, Noes 289."
    votes = list(db.query(
        "select vote, count(*) n, sum(teller) t from division_votes where division_id = ? group by vote",
        [division["id"]],
    ))
    assert {v["vote"]: (v["n"], v["t"]) for v in votes} == {"aye": (236, 2), "no": (291, 2)}


def test_crawl_records_run_and_high_water_marks(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    crawl_fixture_server(db_path, fixture_server)
    db = open_db(db_path)
    run = table_dump(db, "crawl_runs")[-1]
    assert run["status"] == "ok" and run["items_new"] == 67 and run["items_rejected"] == 0
    assert store.get_state(db, "parlparse", "last_day:debates") == "2009-10-28"
    assert store.get_state(db, "parlparse", "last_day:lordswrans") == "2009-10-29"


def test_recrawl_is_idempotent(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    crawl_fixture_server(db_path, fixture_server)
    db = open_db(db_path)
    before = {t: table_dump(db, t) for t in ("documents", "passages", "division_votes")}
    db.close()
    result = crawl_fixture_server(db_path, fixture_server)
    assert "new 0, changed 0, unchanged 67" in result.stdout
    db = open_db(db_path)
    assert {t: table_dump(db, t) for t in before} == before
    assert db["revisions"].count == 0


def test_changed_file_keeps_old_version_in_revisions(tmp_path, fixture_server, parlparse_tree):
    db_path = tmp_path / "p.db"
    crawl_fixture_server(db_path, fixture_server)
    served = parlparse_tree / DEBATES.lstrip("/")
    original = "This morning I had meetings with ministerial colleagues and others."
    corrected = "This morning I had meetings with ministerial colleagues."
    served.write_bytes(served.read_bytes().replace(original.encode(), corrected.encode()))
    result = crawl_fixture_server(db_path, fixture_server)
    assert "changed 1" in result.stdout
    db = open_db(db_path)
    pm = db["passages"].get("parlparse/debates/2009-10-28c.277.0")
    assert corrected in pm["text"] and original not in pm["text"]
    (revision,) = table_dump(db, "revisions")
    assert revision["document_id"] == pm["document_id"]
    old = json.loads(revision["snapshot"])
    assert any(original in p["text"] for p in old["passages"])
    assert [r["id"] for r in db["passages"].search('"colleagues and others"')] == []
    assert pm["id"] in [r["id"] for r in db["passages"].search('"ministerial colleagues"')]


def test_superseded_file_does_not_replace_the_current_one(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    crawl_fixture_server(db_path, fixture_server)
    assert fixture_server.hits[SUPERSEDED] == 1
    db = open_db(db_path)
    debate_ids = [r["id"] for r in db.query("select id from passages where id like 'parlparse/debates/%'")]
    assert debate_ids and all("2009-10-28c." in i for i in debate_ids)
    assert db["redirects"].count == 521
    redirect = db["redirects"].get("parlparse/debates/2009-10-28a.267.0")
    assert redirect["new_id"] == "parlparse/debates/2009-10-28b.267.0"


def test_malformed_xml_is_rejected_and_nothing_stored_is_lost(tmp_path, fixture_server, parlparse_tree):
    db_path = tmp_path / "p.db"
    crawl_fixture_server(db_path, fixture_server)
    served = parlparse_tree / LORDSWRANS.lstrip("/")
    served.write_bytes(served.read_bytes()[:5000])
    result = crawl_fixture_server(db_path, fixture_server)
    assert "rejected 1" in result.stdout
    db = open_db(db_path)
    (reject,) = table_dump(db, "rejects")
    assert reject["url"] == fixture_server.base_url + "lordswrans/lordswrans2009-10-29a.xml"
    assert reject["reason"] == "malformed XML"
    assert "line" in reject["detail"]
    assert passages_by_directory(db) == EXPECTED_PASSAGES
    assert table_dump(db, "crawl_runs")[-1]["status"] == "completed with errors"


def test_server_error_is_retried_then_recorded_and_not_fatal(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    fixture_server.fail(WMS, 500, times=10)
    result = crawl_fixture_server(db_path, fixture_server)
    assert result.returncode == 0
    assert fixture_server.hits[WMS] == 4  # the first try and three retries
    db = open_db(db_path)
    (reject,) = table_dump(db, "rejects")
    assert reject["url"].endswith("wms/ministerial2009-10-29a.xml")
    assert reject["reason"] == "HTTP 500 after retries"
    counts = passages_by_directory(db)
    assert "wms" not in counts and counts["debates"] == EXPECTED_PASSAGES["debates"]
    assert store.get_state(db, "parlparse", "last_day:wms") is None


def test_retry_after_is_honoured_before_retrying(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    fixture_server.fail(WMS, 503, times=1, headers={"Retry-After": "2"})
    crawl_fixture_server(db_path, fixture_server)
    first, second = fixture_server.hit_times[WMS]
    assert second - first >= 1.9
    assert passages_by_directory(open_db(db_path))["wms"] == EXPECTED_PASSAGES["wms"]


def test_crawl_without_since_starts_at_the_high_water_mark(tmp_path, fixture_server):
    db_path = tmp_path / "p.db"
    db = open_db(db_path)
    with db.atomic():
        store.set_state(db, "parlparse", "last_day:lordspages", "2009-10-28")
    db.close()
    run_pursuit("crawl", str(db_path), "parlparse", "--base-url", fixture_server.base_url,
                "--until", "2009-10-31", "--delay", "0")
    assert fixture_server.hits["/pwdata/scrapedxml/lordspages/daylord2009-10-27a.xml"] == 0
    assert fixture_server.hits[DEBATES] == 1
    counts = passages_by_directory(open_db(db_path))
    assert "lordspages" not in counts and counts["debates"] == EXPECTED_PASSAGES["debates"]


def test_load_parses_saved_files_exactly_like_a_crawl(tmp_path, fixture_server):
    crawled, loaded = tmp_path / "crawled.db", tmp_path / "loaded.db"
    crawl_fixture_server(crawled, fixture_server)
    run_pursuit("crawl", str(loaded), "parlparse", "--load", str(PARLPARSE))
    columns = "id, document_id, kind, speaker_name, column_number, time, permalink, text"
    rows = [list(open_db(p).query(f"select {columns} from passages order by id")) for p in (crawled, loaded)]
    assert rows[0] == rows[1]


def test_unknown_source_is_a_clear_usage_error(tmp_path: Path):
    result = run_pursuit("crawl", str(tmp_path / "p.db"), "nosuchsource", check=False)
    assert result.returncode == 2
    assert "unknown source(s) nosuchsource; available: " in result.stderr
    assert "parlparse" in result.stderr.split("available: ")[1]
