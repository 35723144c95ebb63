"""Run `pursuit update` on a schedule: daily at a time or every N hours, catching up missed runs."""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import schedule

logger = logging.getLogger("pursuit.schedule")
SCHEDULE_NAME = "update"
_EVERY = re.compile(r"^\s*(?:(\d+)\s*)?(hour|hours|day|days|h|d)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Every:
    """How often to update: `interval` units of `unit` ("hours" or "days"), optionally at a time of day."""

    interval: int
    unit: str
    at: str | None = None

    @property
    def period(self) -> dt.timedelta:
        """The time between two scheduled runs."""
        return dt.timedelta(**{self.unit: self.interval})

    def describe(self) -> str:
        """Human words for the schedule, e.g. `every 1 days at 06:00`."""
        return f"every {self.interval} {self.unit}" + (f" at {self.at}" if self.at else "")


def parse_every(text: str, at: str | None = None) -> Every:
    """Parse `day`, `2 days`, `6 hours` or `6h` (with `at` HH:MM for daily schedules)."""
    match = _EVERY.match(text or "")
    if not match:
        raise ValueError(f"--every {text!r}: expected `day`, `N days` or `N hours`")
    interval = int(match.group(1) or 1)
    unit = "hours" if match.group(2).lower().startswith("h") else "days"
    if interval < 1:
        raise ValueError(f"--every {text!r}: the interval must be at least 1")
    if at is not None:
        if unit != "days":
            raise ValueError("--at applies to daily schedules (--every day), not hourly ones")
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at):
            raise ValueError(f"--at {at!r}: expected HH:MM (24-hour clock)")
    return Every(interval, unit, at)


def safe_job(run: Callable[[str], None], trigger: str = "schedule") -> Callable[[], None]:
    """Wrap an update so that a failure is logged with its context and the scheduler keeps running."""

    def job() -> None:
        started = dt.datetime.now().isoformat(timespec="seconds")
        try:
            run(trigger)
        except Exception:
            logger.exception("scheduled update (trigger %s, started %s) failed; the next run stays scheduled",
                             trigger, started)

    return job


def build_scheduler(every: Every, run: Callable[[str], None]) -> schedule.Scheduler:
    """A scheduler with one job that calls `run` on the given cadence."""
    scheduler = schedule.Scheduler()
    job = scheduler.every(every.interval)
    job = job.hours if every.unit == "hours" else job.days
    if every.at:
        job = job.at(every.at)
    job.do(safe_job(run)).tag(SCHEDULE_NAME)
    return scheduler


def last_due(every: Every, now: dt.datetime) -> dt.datetime:
    """The latest moment at or before `now` when a run was due."""
    if every.at:
        hour, minute = map(int, every.at.split(":"))
        today = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        return today if today <= now else today - dt.timedelta(days=1)
    return now - every.period


def missed_run(every: Every, last_started: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a run was due while nothing ran (the machine was off): never ran, or last ran before it."""
    return last_started is None or last_started < last_due(every, now)


def update_command(db_path: Path, config: Path | None, trigger: str) -> list[str]:
    """The `pursuit update` command line a scheduled job runs (a fresh process per run)."""
    command = [sys.executable, "-m", "pursuit", "update", str(db_path), "--trigger", trigger]
    return command + (["--config", str(config)] if config else [])


class UpdateFailed(RuntimeError):
    """A scheduled `pursuit update` exited with an error."""


def subprocess_runner(db_path: Path, config: Path | None) -> Callable[[str], None]:
    """A runner that starts `pursuit update` and raises UpdateFailed (with its output's tail) if it fails."""

    def run(trigger: str) -> None:
        logger.info("starting update of %s (trigger %s)", db_path, trigger)
        result = subprocess.run(update_command(db_path, config, trigger), capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout)[-2000:]
            raise UpdateFailed(f"pursuit update {db_path} exited {result.returncode}: {tail}")
        logger.info("update of %s finished: %s", db_path, result.stdout.strip().splitlines()[-1:])

    return run


def run_loop(scheduler: schedule.Scheduler, stop: threading.Event, on_tick: Callable[[], None] | None = None,
             max_wait: float = 60.0) -> None:
    """Run due jobs until `stop` is set; a stop request takes effect between jobs, never inside one."""
    while not stop.is_set():
        scheduler.run_pending()
        if on_tick:
            on_tick()
        idle = scheduler.idle_seconds
        stop.wait(max(0.0, min(max_wait, idle if idle is not None else max_wait)))
