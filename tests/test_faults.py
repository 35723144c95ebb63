"""Politeness and faults: bounded retries with backoff, Retry-After, timeouts, truncation, wrong types,
and an error budget that closes one failing source without touching the others."""

from __future__ import annotations

import itertools

import pytest
from updating import COMPARED_TABLES, parlparse_sources, run_update, table_rows, write_config

from db.connect import open_db
from spiders import settings as project_settings
from spiders.middlewares import backoff_seconds

SCRAPED = "/pwdata/scrapedxml/"
WMS = SCRAPED + "wms/ministerial2009-10-29a.xml"
WESTMINHALL = SCRAPED + "westminhall/westminster2009-10-29a.xml"
LORDSWRANS = SCRAPED + "lordswrans/lordswrans2009-10-29a.xml"
FAST_RETRIES = {"RETRY_BACKOFF_BASE": 0.3, "RETRY_BACKOFF_MAX": 2, "DOWNLOAD_TIMEOUT": 1.5}
MAX_ATTEMPTS = project_settings.RETRY_TIMES + 1


def gaps(times: list[float]) -> list[float]:
    """Seconds between consecutive requests."""
    return [b - a for a, b in itertools.pairwise(times)]


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n, 2.0, 10.0) for n in range(5)] == [2.0, 4.0, 8.0, 10.0, 10.0]


def test_http_cache_if_enabled_never_stores_retried_responses():
    assert set(project_settings.RETRY_HTTP_CODES) <= set(project_settings.HTTPCACHE_IGNORE_HTTP_CODES)
    assert project_settings.HTTPCACHE_ENABLED is False


@pytest.mark.slow
def test_every_item_lands_through_throttling_errors_timeouts_and_truncation(tmp_path, fixture_server):
    clean = tmp_path / "clean.db"
    config = write_config(tmp_path / "u.yml", parlparse_sources(fixture_server.base_url), None,
                          FAST_RETRIES, tag=False)
    run_update(clean, config)
    fixture_server.hits.clear()
    fixture_server.hit_times.clear()
    fixture_server.fail(WMS, 429, times=1, headers={"Retry-After": "2"})
    fixture_server.fail(WESTMINHALL, 500, times=2)
    fixture_server.misbehave(LORDSWRANS, "truncate", "hang")
    fixture_server.fail(SCRAPED + "lordswrans/", 503, times=1)

    faulty = tmp_path / "faulty.db"
    result = run_update(faulty, config)

    assert "parlparse: ok — new 31, changed 0, unchanged 0, rejected 0, download errors 0" in result.stdout
    for table in COMPARED_TABLES:
        assert table_rows(faulty, table) == table_rows(clean, table), table
    hits = fixture_server.hits
    assert hits[WMS] == 2 and hits[WESTMINHALL] == 3 and hits[LORDSWRANS] == 3
    assert max(hits.values()) <= MAX_ATTEMPTS  # retries stay bounded
    assert gaps(fixture_server.hit_times[WMS])[0] >= 1.9  # Retry-After honoured
    assert [round(g, 1) >= want for g, want in zip(gaps(fixture_server.hit_times[WESTMINHALL]), (0.3, 0.6),
                                                   strict=True)] == [True, True]  # backoff doubles
    assert gaps(fixture_server.hit_times[LORDSWRANS])[1] >= 1.5  # the hung request timed out first


@pytest.mark.slow
def test_retries_stop_at_the_limit_and_the_failure_is_recorded(tmp_path, fixture_server):
    fixture_server.fail(WMS, 500, times=10)
    config = write_config(tmp_path / "u.yml", parlparse_sources(fixture_server.base_url), None,
                          FAST_RETRIES, tag=False)
    db_path = tmp_path / "p.db"
    result = run_update(db_path, config)
    assert "parlparse: completed with errors — new 19," in result.stdout
    assert "download errors 1" in result.stdout
    assert fixture_server.hits[WMS] == MAX_ATTEMPTS
    db = open_db(db_path)
    (reject,) = list(db.query("select * from rejects"))
    assert reject["reason"] == "HTTP 500 after retries" and reject["url"].endswith(WMS)
    assert "last_day:wms" not in {r["key"] for r in db.query("select key from crawl_state")}


@pytest.mark.slow
def test_a_wrong_content_type_is_rejected_and_lands_on_the_next_update(tmp_path, fixture_server):
    fixture_server.misbehave(WMS, "wrong-type")
    config = write_config(tmp_path / "u.yml", parlparse_sources(fixture_server.base_url), None,
                          FAST_RETRIES, tag=False)
    db_path = tmp_path / "p.db"
    first = run_update(db_path, config)
    assert "new 19, changed 0, unchanged 0, rejected 1" in first.stdout
    db = open_db(db_path)
    (reject,) = list(db.query("select source, url, reason from rejects"))
    assert reject["source"] == "parlparse" and reject["url"].endswith(WMS)
    assert reject["reason"] in ("malformed XML", "not a ParlParse file")
    assert "last_day:wms" not in {r["key"] for r in db.query("select key from crawl_state")}
    db.close()
    second = run_update(db_path, config)
    assert "new 12, changed 0, unchanged 19" in second.stdout
    assert open_db(db_path)["documents"].count == 31


@pytest.mark.slow
def test_error_budget_closes_a_failing_source_and_the_others_carry_on(tmp_path, fixture_server, api_server):
    for directory in ("debates", "westminhall", "wms", "lordspages", "lordswrans", "lordswms", "wrans"):
        fixture_server.fail(f"{SCRAPED}{directory}/", 500, times=10)
    sources = {
        "parlparse": {"base_url": fixture_server.base_url, "until": "2009-10-31"},
        "bills": {"base_url": api_server.root_url, "since": "2024-01-05", "until": "2024-01-10",
                  "terms": "stalking", "page_size": "4"},
    }
    settings = {**FAST_RETRIES, "PURSUIT_ERROR_BUDGET": 2, "RETRY_TIMES": 1}
    db_path = tmp_path / "p.db"
    run_update(db_path, write_config(tmp_path / "u.yml", sources, None, settings, tag=False))
    db = open_db(db_path)
    runs = {r["source"]: r for r in db.query("select * from crawl_runs")}
    assert runs["parlparse"]["status"] == "stopped: error budget exceeded"
    assert runs["parlparse"]["note"] == "error budget exceeded (2 download failures)"
    assert runs["parlparse"]["errors"] >= 2
    listings_tried = sum(fixture_server.hits[f"{SCRAPED}{d}/"] > 0 for d in ("debates", "westminhall", "wms",
                                                                               "lordspages", "lordswrans"))
    assert listings_tried >= 2
    assert runs["bills"]["status"] == "ok" and runs["bills"]["items_new"] > 0
    assert db["update_runs"].get(1)["status"] == "completed with errors"
