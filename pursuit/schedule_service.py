"""The long-running scheduler process: signals, catch-up at start, and its record in the database."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from pursuit.scheduling import (
    SCHEDULE_NAME,
    Every,
    build_scheduler,
    missed_run,
    run_loop,
    safe_job,
    subprocess_runner,
)


def _record(db_path: Path, fields: dict) -> None:
    """Write the scheduler's state to the `schedules` table (short transaction)."""
    from db.connect import open_db
    from db.runs import save_schedule

    db = open_db(db_path)
    try:
        save_schedule(db, SCHEDULE_NAME, fields)
    finally:
        db.close()


def _last_started(db_path: Path) -> dt.datetime | None:
    """When the last successful update started, as a naive local time."""
    from db.connect import open_db
    from db.runs import last_update_started

    db = open_db(db_path)
    try:
        value = last_update_started(db)
    finally:
        db.close()
    return dt.datetime.fromisoformat(value).astimezone().replace(tzinfo=None) if value else None


def install_stop_handlers(stop: threading.Event, echo: Callable[[str], None]) -> None:
    """SIGTERM and SIGINT ask the loop to stop after the current job."""

    def handle(signum, _frame):
        echo(f"received {signal.Signals(signum).name}: stopping after the current step")
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def serve_schedule(db_path: Path, every: Every, config: Path | None, catch_up: bool = True,
                   echo: Callable[[str], None] = print, stop: threading.Event | None = None) -> None:
    """Run updates on `every` until stopped, recording the next run time for `pursuit status`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = stop or threading.Event()
    install_stop_handlers(stop, echo)
    run = subprocess_runner(db_path, config)
    scheduler = build_scheduler(every, run)
    _record(db_path, {"every": every.describe(), "at": every.at, "pid": os.getpid(),
                      "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")})
    if catch_up and missed_run(every, _last_started(db_path), dt.datetime.now()):
        echo(f"{db_path}: a scheduled update was missed; catching up now")
        safe_job(run, trigger="catch-up")()
    last_next: list[str | None] = [None]

    def note_next_run() -> None:
        upcoming = scheduler.next_run.astimezone().isoformat(timespec="seconds") if scheduler.jobs else None
        if upcoming != last_next[0]:
            _record(db_path, {"next_run": upcoming})
            last_next[0] = upcoming

    echo(f"{db_path}: scheduled {every.describe()}; next run {scheduler.next_run:%Y-%m-%d %H:%M}")
    run_loop(scheduler, stop, on_tick=note_next_run)
    _record(db_path, {"next_run": None, "pid": None})
    echo(f"{db_path}: scheduler stopped")
