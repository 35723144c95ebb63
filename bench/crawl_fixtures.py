"""Benchmark: crawl the recorded ParlParse files from disk and over local HTTP; print files/s, passages/s.

Appends its figures to bench/RESULTS.md. Run: .venv/bin/python bench/crawl_fixtures.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import scrapy
import sqlite_utils

REPO = Path(__file__).resolve().parent.parent
PARLPARSE = REPO / "tests" / "fixtures" / "responses" / "parlparse"
RESULTS = REPO / "bench" / "RESULTS.md"


class QuietHandler(SimpleHTTPRequestHandler):
    """A file server that does not log each request."""

    def log_message(self, format, *args):
        """Stay quiet."""


def serve(root: Path) -> ThreadingHTTPServer:
    """Serve `root` on a free 127.0.0.1 port in a background thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed_crawl(args: list[str], db_path: Path) -> tuple[float, int, int]:
    """Run one crawl in a subprocess; return (seconds, files fetched, passages stored)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pursuit", "crawl", str(db_path), "parlparse", *args],
                   check=True, capture_output=True, cwd=REPO)
    seconds = time.perf_counter() - started
    db = sqlite_utils.Database(db_path)
    return seconds, len(list(PARLPARSE.rglob("*.xml"))), db["passages"].count


def measure(label: str, args: list[str], repeats: int) -> str:
    """Median of several fresh crawls, as a Markdown table row."""
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            runs.append(timed_crawl(args, Path(folder) / "bench.db"))
    seconds = statistics.median(r[0] for r in runs)
    files, passages = runs[0][1], runs[0][2]
    return (f"| {label} | {repeats} | {seconds:.2f} | {files / seconds:.1f} | "
            f"{passages / seconds:.0f} | {passages} |")


def parse_and_store(repeats: int) -> str:
    """Median time to parse every fixture file and store it, in-process (no Scrapy, no start-up)."""
    from db import store
    from db.connect import open_db
    from spiders.parlparse_xml import match_file_name, parse_day

    files = sorted(PARLPARSE.rglob("*.xml"))
    timings, passages = [], 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            db = open_db(Path(folder) / "bench.db")
            started = time.perf_counter()
            for path in files:
                parsed = parse_day(path.read_bytes(), match_file_name(path.name), str(path))
                with db.atomic():
                    for document in parsed.documents:
                        store.save_document(db, document, document["passages"])
            timings.append(time.perf_counter() - started)
            passages = db["passages"].count
    seconds = statistics.median(timings)
    return (f"| in-process parse + store (no Scrapy) | {repeats} | {seconds:.2f} | "
            f"{len(files) / seconds:.1f} | {passages / seconds:.0f} | {passages} |")


def main() -> None:
    """Measure both ways in and append the figures to RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(PARLPARSE, root / "pwdata" / "scrapedxml")
        for empty in ("lordswms", "wrans"):
            (root / "pwdata" / "scrapedxml" / empty).mkdir()
        server = serve(root)
        base = f"http://127.0.0.1:{server.server_address[1]}/pwdata/scrapedxml/"
        rows = [
            measure("--load (file://)", ["--load", str(PARLPARSE)], repeats),
            measure("--base-url (HTTP, delay 0)", ["--base-url", base, "--since", "2009-10-01",
                                                   "--until", "2009-10-31", "--delay", "0"], repeats),
        ]
        server.shutdown()
    rows.append(parse_and_store(repeats))
    header = (
        f"\n## ParlParse fixture crawl — {dt.date.today()}\n\n"
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python "
        f"{platform.python_version()}, Scrapy {scrapy.__version__}. Wall time per crawl includes "
        "process start-up (about 1 s). Median of the repeats.\n\n"
        "| way in | repeats | seconds | files/s | passages/s | passages |\n|---|---|---|---|---|---|"
    )
    text = "\n".join([header, *rows]) + "\n"
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nFigures appended by the scripts in bench/.\n")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
