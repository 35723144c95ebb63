"""Helpers shared by the benchmark scripts: the machine line every result carries, and appending results."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _version(package: str) -> str:
    """An installed distribution's version, or '-'."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def sqlite_version() -> str:
    """The SQLite library sqlite-utils and Datasette use (pysqlite3's when installed)."""
    try:
        import pysqlite3.dbapi2 as sqlite3
    except ImportError:
        import sqlite3
    return sqlite3.sqlite_version


def load_note() -> str:
    """The machine's 1/5/15-minute load averages, flagged when other work shares the cores."""
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count() or 1
    busy = (
        " — **measured under load from other work on the machine; figures are pessimistic**"
        if five > 0.75 * cores
        else ""
    )
    return f"load average {one:.1f}/{five:.1f}/{fifteen:.1f} on {cores} cores{busy}"


def machine_line() -> str:
    """Date, machine, versions and load, for a results heading."""
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\nMachine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite_version()}, "
        f"sqlite-utils {_version('sqlite-utils')}, Datasette {_version('datasette')}; {load_note()}."
    )


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (0-1) of values, by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def p50_p95(values: list[float]) -> str:
    """'p50 / p95' of milliseconds."""
    return f"{statistics.median(values):.0f} / {percentile(values, 0.95):.0f}"


def append_results(text: str) -> None:
    """Print the figures and append them to bench/RESULTS.md (only print when $BENCH_DRY_RUN is set)."""
    print(text)
    if os.environ.get("BENCH_DRY_RUN"):
        return
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)
