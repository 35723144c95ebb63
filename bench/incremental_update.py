"""Benchmark: a second `pursuit update` over unchanged data, against the first; counts every row it writes.

The first pass crawls the recorded ParlParse, GOV.UK and police files (`load`), tags them with the real
model and links the ledger. Counting triggers are then added to every ordinary table (not to FTS shadow
tables: such a trigger crashed SQLite 3.51 during an FTS rebuild, so FTS indexes are compared by digest),
and the same update runs again several times over the unchanged data: its wall time (median) against the
first pass, and the rows it inserted, updated or deleted per table. Only the update's own record
(update_runs, crawl_runs) should change. Appends to bench/RESULTS.md.

Run: .venv/bin/python bench/incremental_update.py [--repeats 3] [--before OLD_CHECKOUT]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import append_results, machine_line

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from db.write_audit import add_write_counters, take_write_counts

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "responses"
BOOKKEEPING = {"update_runs", "crawl_runs"}


def write_config(path: Path) -> Path:
    """An update config reading the recorded files of three sources, with the real model."""
    sources = {
        "parlparse": {"load": str(FIXTURES / "parlparse")},
        "govuk": {"load": str(FIXTURES / "govuk" / "content")},
        "police": {"load": str(FIXTURES / "police" / "articles")},
    }
    path.write_text(yaml.safe_dump({"sources": sources, "delay": 0}), encoding="utf-8")
    return path


def timed_update(db_path: Path, config: Path, code: Path = REPO) -> float:
    """Seconds for one `pursuit update` process (running the code in `code`), start to end."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pursuit", "update", str(db_path), "--config", str(config)],
        check=True,
        capture_output=True,
        cwd=code,
    )
    return time.perf_counter() - started


def fts_fingerprint(conn: sqlite3.Connection) -> str:
    """A digest of every FTS index's stored segments (a rebuild or any indexed write changes it)."""
    digest = hashlib.sha1()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_fts_data'")]
    for table in sorted(tables):
        for row in conn.execute(f'SELECT id, block FROM "{table}" ORDER BY id'):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def take_changes(db_path: Path) -> tuple[dict[str, int], str]:
    """The counted row changes per table since the last call (which resets them), and the FTS digest."""
    changes = take_write_counts(db_path)
    conn = sqlite3.connect(db_path)
    fingerprint = fts_fingerprint(conn)
    conn.close()
    return changes, fingerprint


def passes_over_unchanged(
    db_path: Path, config: Path, code: Path, label: str, first: float, repeats: int
) -> str:
    """Median time and rows written of repeated passes over unchanged data, as a Markdown table row."""
    again, writes = [], []
    _, fingerprint = take_changes(db_path)
    for _ in range(repeats):
        again.append(timed_update(db_path, config, code))
        changes, after = take_changes(db_path)
        if after != fingerprint:
            changes["FTS index rewritten"] = 1
        fingerprint = after
        writes.append(changes)
    second = statistics.median(again)
    data = sum(n for t, n in writes[-1].items() if t not in BOOKKEEPING)
    listed = ", ".join(f"{t} {n}" for t, n in writes[-1].items()) or "none"
    runs = ", ".join(f"{s:.1f}" for s in again)
    share = f"{100 * second / first:.1f}%"
    return f"| again, unchanged, {label} (median of {runs}) | {second:.1f} | {share} | {data} | {listed} |"


def main() -> None:
    """First pass once, then repeated passes over unchanged data; print and append the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--before",
        type=Path,
        help="Another checkout (e.g. `git archive` of an older commit) "
        "whose passes over the same unchanged data are measured too, for a before/after.",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_path, config = Path(folder) / "update.db", write_config(Path(folder) / "update.yml")
        first = timed_update(db_path, config)
        conn = sqlite3.connect(db_path)
        passages, sentences = (
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("passages", "sentences")
        )
        conn.close()
        tables = add_write_counters(db_path, fts_shadow_tables=False)
        rows = []
        for label, code in ((f"before ({args.before.name})", args.before), ("this code", REPO)):
            if code is not None:
                rows.append(passes_over_unchanged(db_path, config, code, label, first, args.repeats))
    text = (
        f"\n## Incremental update — {machine_line()}\n\n"
        "`pursuit update` (CLI, its own process) reading the recorded parlparse, govuk and police files; "
        f"real model. First pass: {passages} passages, {sentences} sentences crawled, tagged and linked, "
        "once. Then "
        f"{args.repeats} passes over the unchanged data, median; rows written counted by triggers on all "
        f"{len(tables)} ordinary tables, and FTS indexes compared by digest.\n\n"
        "| pass | seconds | share of first | rows written (outside update_runs, crawl_runs) "
        "| rows written per table |\n|---|---|---|---|---|\n"
        f"| first | {first:.1f} | 100% | all | |\n" + "\n".join(rows) + "\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
