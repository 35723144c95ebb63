"""`pursuit schedule`: jobs inspected without sleeping, failures logged, catch-up, clean stop on SIGTERM."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
import schedule
from updating import REPO, parlparse_sources, write_config

from db.connect import open_db
from pursuit.scheduling import build_scheduler, missed_run, parse_every, run_loop, safe_job, update_command

MORNING = dt.datetime(2024, 3, 5, 9, 30)


def next_run_recorded(db_path) -> bool:
    """Whether the scheduler has recorded its next run, read without migrating or locking the database."""
    if not db_path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)) as conn:
            return bool(conn.execute("select 1 from schedules where next_run is not null").fetchall())
    except sqlite3.OperationalError:  # the scheduler is still creating or migrating the database
        return False


def test_daily_job_runs_at_the_given_time():
    scheduler = build_scheduler(parse_every("day", "06:00"), lambda trigger: None)
    (job,) = scheduler.jobs
    assert (job.interval, job.unit, job.at_time) == (1, "days", dt.time(6, 0))
    assert job.next_run.time() == dt.time(6, 0) and job.next_run > dt.datetime.now()


def test_every_n_hours_accepts_words_and_short_forms():
    for text in ("6 hours", "6h", " 6  HOURS "):
        (job,) = build_scheduler(parse_every(text), lambda trigger: None).jobs
        assert (job.interval, job.unit, job.at_time) == (6, "hours", None)
    assert parse_every("2 days").period == dt.timedelta(days=2)


@pytest.mark.parametrize("every, at, message", [
    ("fortnight", None, "expected `day`"),
    ("0 hours", None, "at least 1"),
    ("6 hours", "06:00", "daily schedules"),
    ("day", "6am", "HH:MM"),
])
def test_bad_schedules_are_refused_with_the_reason(every, at, message):
    with pytest.raises(ValueError, match=message):
        parse_every(every, at)


def test_a_failing_job_is_logged_with_context_and_the_next_job_still_runs(caplog):
    calls = []

    def failing(trigger):
        calls.append(("failing", trigger))
        raise RuntimeError("source unreachable")

    scheduler = build_scheduler(parse_every("1 hours"), failing)
    scheduler.every(1).hours.do(lambda: calls.append(("second", None)))
    with caplog.at_level(logging.ERROR, logger="pursuit.schedule"):
        scheduler.run_all()
        scheduler.run_all()
    assert calls == [("failing", "schedule"), ("second", None)] * 2
    assert len(scheduler.jobs) == 2  # the failing job stays scheduled
    record = caplog.records[0]
    assert "scheduled update (trigger schedule" in record.getMessage() and "failed" in record.getMessage()
    assert "source unreachable" in caplog.text


def test_catch_up_runs_when_a_daily_run_was_missed():
    every = parse_every("day", "06:00")
    assert missed_run(every, None, MORNING)
    assert missed_run(every, MORNING - dt.timedelta(days=1), MORNING)  # yesterday 09:30 < today 06:00
    assert not missed_run(every, MORNING.replace(hour=6, minute=1), MORNING)
    early = MORNING.replace(hour=5)
    assert not missed_run(every, early - dt.timedelta(hours=20), early)  # yesterday 09:00 > yesterday 06:00


def test_catch_up_runs_when_an_hourly_run_was_missed():
    every = parse_every("6 hours")
    assert missed_run(every, MORNING - dt.timedelta(hours=7), MORNING)
    assert not missed_run(every, MORNING - dt.timedelta(hours=5), MORNING)


def test_loop_stops_between_jobs_when_asked():
    stop = threading.Event()
    ran = []
    scheduler = schedule.Scheduler()
    scheduler.every(1).hours.do(safe_job(lambda trigger: (ran.append(trigger), stop.set())))
    scheduler.jobs[0].next_run = dt.datetime.now() - dt.timedelta(seconds=1)
    run_loop(scheduler, stop, max_wait=0)
    assert ran == ["schedule"] and stop.is_set()


def test_scheduled_job_runs_the_update_command(tmp_path):
    command = update_command(tmp_path / "p.db", tmp_path / "u.yml", "schedule")
    assert command[1:] == ["-m", "pursuit", "update", str(tmp_path / "p.db"), "--trigger", "schedule",
                           "--config", str(tmp_path / "u.yml")]


@pytest.mark.slow
def test_scheduler_catches_up_records_next_run_and_stops_cleanly_on_sigterm(tmp_path, fixture_server):
    config = write_config(tmp_path / "u.yml", parlparse_sources(fixture_server.base_url), None, tag=False)
    db_path = tmp_path / "p.db"
    process = subprocess.Popen([sys.executable, "-m", "pursuit", "schedule", str(db_path), "--every", "6",
                                "hours", "--config", str(config)], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if next_run_recorded(db_path):
                break
            time.sleep(0.5)
        status = subprocess.run([sys.executable, "-m", "pursuit", "status", str(db_path)], cwd=REPO,
                                capture_output=True, text=True).stdout
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "a scheduled update was missed; catching up now" in out
    assert "received SIGTERM: stopping after the current step" in out and "scheduler stopped" in out
    db = open_db(db_path)
    (update,) = list(db.query("select * from update_runs"))
    assert update["trigger"] == "catch-up" and update["status"] == "ok"
    line = next(x for x in status.splitlines() if x.startswith("Next scheduled run: "))
    assert "(every 6 hours, scheduler pid" in line
    next_run = dt.datetime.fromisoformat(line.split()[3])
    assert dt.timedelta(hours=5) < next_run - dt.datetime.now().astimezone() <= dt.timedelta(hours=6)
    (row,) = list(db.query("select * from schedules"))
    assert row["next_run"] is None and row["every"] == "every 6 hours"
