"""Update runs, the scheduler's record and the run history that `pursuit status` reports."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from db.store import now_iso

INTERRUPTED = "interrupted"


def create_update_tables(db: sqlite_utils.Database) -> None:
    """`update_runs` (one row per `pursuit update`), `schedules`, and crawl_runs.update_id."""
    db["update_runs"].create(
        {
            "id": int, "started_at": str, "finished_at": str, "status": str, "trigger": str,
            "sources": str, "steps": str, "error": str, "pid": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["schedules"].create(
        {"name": str, "every": str, "at": str, "next_run": str, "pid": int, "started_at": str,
         "updated_at": str, "last_error": str},
        pk="name",
        if_not_exists=True,
    )
    if "update_id" not in db["crawl_runs"].columns_dict:
        db["crawl_runs"].add_column("update_id", int)


def start_update(db: sqlite_utils.Database, sources: list[str], trigger: str, pid: int) -> int:
    """Open an `update_runs` row and return its id."""
    with db.atomic():
        table = db["update_runs"].insert(
            {"started_at": now_iso(), "status": "running", "trigger": trigger,
             "sources": ",".join(sources), "steps": "{}", "pid": pid}
        )
    return int(table.last_pk)


def record_step(db: sqlite_utils.Database, update_id: int, step: str, result: dict[str, Any]) -> None:
    """Add one finished step's result to the update's `steps` JSON."""
    with db.atomic():
        steps = json.loads(db["update_runs"].get(update_id)["steps"] or "{}")
        steps[step] = result
        db["update_runs"].update(update_id, {"steps": json.dumps(steps, sort_keys=True)})


def finish_update(db: sqlite_utils.Database, update_id: int, status: str, error: str | None = None) -> None:
    """Close an `update_runs` row with its final status and the error, if any."""
    with db.atomic():
        db["update_runs"].update(update_id, {"status": status, "finished_at": now_iso(), "error": error})


def attach_crawl_runs(db: sqlite_utils.Database, update_id: int, run_ids: list[int]) -> None:
    """Mark crawl runs as part of an update."""
    with db.atomic():
        for run_id in run_ids:
            db["crawl_runs"].update(run_id, {"update_id": update_id})


def close_interrupted(db: sqlite_utils.Database) -> int:
    """Mark runs left `running` by a killed process as interrupted; call only while holding the lock."""
    why = "process ended before the run closed"
    with db.atomic():
        stamp = now_iso()
        crawls = db.execute(
            "update crawl_runs set status = ?, finished_at = ?, note = ? where status = 'running'",
            [INTERRUPTED, stamp, why]).rowcount
        updates = db.execute(
            "update update_runs set status = ?, finished_at = ?, error = ? where status = 'running'",
            [INTERRUPTED, stamp, why]).rowcount
    return crawls + updates


def last_update_started(db: sqlite_utils.Database, successful_only: bool = True) -> str | None:
    """When the latest (successful, by default) update started, or None."""
    where = "where status in ('ok', 'completed with errors')" if successful_only else ""
    row = db.execute(f"select max(started_at) from update_runs {where}").fetchone()
    return row[0] if row else None


def save_schedule(db: sqlite_utils.Database, name: str, fields: dict[str, Any]) -> None:
    """Upsert the scheduler's record (every, at, next run, pid)."""
    with db.atomic():
        db["schedules"].upsert({"name": name, **fields, "updated_at": now_iso()}, pk="name")


def recent_updates(db: sqlite_utils.Database, limit: int = 5) -> list[dict[str, Any]]:
    """The latest update runs, newest first."""
    return list(db.query("select * from update_runs order by id desc limit ?", [limit]))


def source_summaries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per source: its latest crawl run, its high-water marks and its reject count."""
    sources = [r["source"] for r in db.query(
        "select source from crawl_runs union select source from crawl_state "
        "union select source from rejects order by source")]
    summaries = []
    for source in sources:
        last = list(db.query("select * from crawl_runs where source = ? order by id desc limit 1", [source]))
        marks = {r["key"]: r["value"] for r in db.query(
            "select key, value from crawl_state where source = ? order by key", [source])}
        rejects = db.execute("select count(*), coalesce(sum(times_seen), 0) from rejects where source = ?",
                             [source]).fetchone()
        summaries.append({"source": source, "last_run": last[0] if last else None, "marks": marks,
                          "rejects": rejects[0], "rejects_seen": rejects[1]})
    return summaries
