"""Benchmark: ingest rate (parsed and stored passages/s) for ParlParse XML and JSON, in-process and by CLI.

In-process: the parse and store functions alone, no Scrapy and no process start-up, on a fresh database.
CLI: `pursuit crawl --load` (ParlParse XML, GOV.UK content JSON) and `pursuit import` (JSON lines), one fresh
process each, start-up included. Median of the repeats. Appends to bench/RESULTS.md.

Run: .venv/bin/python bench/ingest.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import append_results, machine_line

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
FIXTURES = REPO / "tests" / "fixtures"
PARLPARSE = FIXTURES / "responses" / "parlparse"
CORPUS = FIXTURES / "corpus" / "documents.jsonl"
GOVUK = FIXTURES / "responses" / "govuk" / "content"


def passages_in(db_path: Path) -> int:
    """Passages stored in a database file."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select count(*) from passages").fetchone()[0]
    finally:
        conn.close()


def parlparse_in_process(db_path: Path) -> None:
    """Parse every recorded ParlParse file and store its documents, one transaction per file."""
    from db import store
    from db.connect import open_db
    from spiders.parlparse_xml import match_file_name, parse_day

    db = open_db(db_path)
    for path in sorted(PARLPARSE.rglob("*.xml")):
        parsed = parse_day(path.read_bytes(), match_file_name(path.name), str(path))
        with db.atomic():
            for document in parsed.documents:
                store.save_document(db, document, document["passages"])
    db.close()


def jsonl_in_process(db_path: Path) -> None:
    """Import the corpus's JSON lines."""
    from db.connect import open_db
    from pursuit.importer import import_jsonl

    db = open_db(db_path)
    import_jsonl(db, CORPUS, "corpus")
    db.close()


def cli(*args: str) -> Callable[[Path], None]:
    """A step running `pursuit <args with {db}>` in its own process."""

    def run(db_path: Path) -> None:
        argv = [a.replace("{db}", str(db_path)) for a in args]
        subprocess.run([sys.executable, "-m", "pursuit", *argv], check=True, capture_output=True, cwd=REPO)

    return run


def measure(label: str, step: Callable[[Path], None], repeats: int) -> str:
    """Median seconds of `step` on fresh databases (schema created beforehand), as a table row."""
    from db.connect import open_db

    timings, passages = [], 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            db_path = Path(folder) / "ingest.db"
            open_db(db_path).close()
            started = time.perf_counter()
            step(db_path)
            timings.append(time.perf_counter() - started)
            passages = passages_in(db_path)
    seconds = statistics.median(timings)
    return f"| {label} | {repeats} | {passages} | {seconds:.2f} | {passages / seconds:,.0f} |"


def main() -> None:
    """Measure each way in and append the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    rows = [
        measure("ParlParse XML, in-process parse + store", parlparse_in_process, repeats),
        measure("ParlParse XML, `pursuit crawl --load` (CLI)",
                cli("crawl", "{db}", "parlparse", "--load", str(PARLPARSE)), repeats),
        measure("JSON lines, in-process import", jsonl_in_process, repeats),
        measure("JSON lines, `pursuit import` (CLI)",
                cli("import", "{db}", str(CORPUS), "--source", "corpus"), repeats),
        measure("GOV.UK content JSON, `pursuit crawl govuk --load` (CLI)",
                cli("crawl", "{db}", "govuk", "--load", str(GOVUK)), repeats),
    ]
    text = (
        f"\n## Ingest — {machine_line()}\n\n"
        "Recorded fixtures, fresh database each run (schema made beforehand, not timed); CLI rows include "
        "process start-up (about 1-3 s here), which dominates on files this small. Median of the repeats.\n\n"
        "| way in | repeats | passages | seconds | passages/s |\n|---|---|---|---|---|\n"
        + "\n".join(rows) + "\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
