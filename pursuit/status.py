"""The text of `pursuit status`: recent updates, each source's state and rejects, the next run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from db import runs


def _pid_alive(pid: int | None) -> bool:
    """Whether a process with this id is running here."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _update_line(row: dict) -> str:
    """One update run: id, times, status, trigger and what the steps did."""
    steps = json.loads(row["steps"] or "{}")
    tagged = steps.get("tag", {}).get("passages")
    extra = f", tagged {tagged} passages" if tagged is not None else ""
    return (f"  #{row['id']} {row['started_at']} -> {row['finished_at'] or '...'} {row['status']} "
            f"({row['trigger']}; {row['sources']}{extra})")


def _source_lines(summary: dict) -> Iterator[str]:
    """A source's latest run, marks and rejects."""
    run = summary["last_run"]
    yield f"  {summary['source']}:"
    if run:
        yield (f"    last run #{run['id']} {run['started_at']} {run['status']}: new {run['items_new']}, "
               f"changed {run['items_changed']}, unchanged {run['items_unchanged']}, rejected "
               f"{run['items_rejected']}, download errors {run['errors']}"
               + (f" ({run['note']})" if run["note"] and run["note"] != "finished" else ""))
    marks = ", ".join(f"{k}={v}" for k, v in summary["marks"].items()) or "none yet"
    yield f"    high-water marks: {marks}"
    yield f"    rejects: {summary['rejects']} distinct ({summary['rejects_seen']} seen)"


def _schedule_line(db) -> str:
    """The next scheduled run, and whether the scheduler that set it is alive."""
    rows = list(db.query("select * from schedules order by name"))
    if not rows or not rows[0]["every"]:
        return "Next scheduled run: none (no scheduler has run; see `pursuit schedule`)"
    row = rows[0]
    if not row["next_run"] or not _pid_alive(row["pid"]):
        return f"Next scheduled run: none (scheduler {row['every']} is not running)"
    return f"Next scheduled run: {row['next_run']} ({row['every']}, scheduler pid {row['pid']})"


def status_lines(db, db_path: Path) -> Iterator[str]:
    """Every line of the status report."""
    yield f"{db_path}"
    updates = runs.recent_updates(db)
    yield "Last updates:" if updates else "Last updates: none yet (run `pursuit update`)"
    yield from (_update_line(row) for row in updates)
    summaries = runs.source_summaries(db)
    yield "Sources:" if summaries else "Sources: none crawled yet"
    for summary in summaries:
        yield from _source_lines(summary)
    yield _schedule_line(db)
