"""Crash safety: updates SIGKILLed at random moments, then resumed, end with an uninterrupted run's rows."""

from __future__ import annotations

import random
import signal
import subprocess
import time

import pytest
from updating import (
    COMPARED_TABLES,
    REPO,
    integrity,
    parlparse_sources,
    run_update,
    table_rows,
    train_fake_heads,
    update_command,
    write_config,
)

from db.connect import open_db

KILLS = 20
SEED = 8


@pytest.fixture(scope="module")
def fake_heads(tmp_path_factory):
    """Heads trained on the hashing embedder, once for this module."""
    return train_fake_heads(tmp_path_factory.mktemp("heads") / "heads.npz")


def kill_at(db_path, config, after: float) -> bool:
    """Start an update and SIGKILL it after `after` seconds; True if it was still running then."""
    process = subprocess.Popen(update_command(db_path, config), cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True


@pytest.mark.slow
def test_updates_killed_at_random_moments_resume_to_the_uninterrupted_rows(tmp_path, fixture_server,
                                                                           fake_heads):
    config = write_config(tmp_path / "update.yml", parlparse_sources(fixture_server.base_url), fake_heads)
    reference = tmp_path / "reference.db"
    started = time.monotonic()
    run_update(reference, config)
    duration = time.monotonic() - started

    victim = tmp_path / "victim.db"
    rng = random.Random(SEED)
    killed = attempts = 0
    while killed < KILLS and attempts < 3 * KILLS:  # a run that finishes before its kill is not counted
        attempts += 1
        killed += kill_at(victim, config, rng.uniform(0.2, duration))
        assert integrity(victim) == "ok" if victim.exists() else True
    run_update(victim, config)

    assert killed == KILLS
    assert integrity(victim) == "ok"
    for table in COMPARED_TABLES:
        assert table_rows(victim, table) == table_rows(reference, table), table
    db = open_db(victim)
    statuses = [r["status"] for r in db.query("select status from update_runs order by id")]
    assert statuses[-1] == "ok" and statuses.count("interrupted") >= KILLS // 2
    assert set(statuses) <= {"interrupted", "ok"}  # a run that beat its kill finished ok; none failed
    assert not list(db.query("select id from crawl_runs where status = 'running'"))
    assert db["documents"].count == 31 and db["passages"].count == 100
    assert db.execute("select count(*) from (select id from passages group by id having count(*) > 1)"
                      ).fetchone()[0] == 0
