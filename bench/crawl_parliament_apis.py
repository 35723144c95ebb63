"""Benchmark: crawl the saved Hansard, Bills and Written Questions API responses over local HTTP.

Prints requests, items stored (documents plus bills, stages, amendments and questions rows) and
items/s per source, and appends them to bench/RESULTS.md.
Run: .venv/bin/python bench/crawl_parliament_apis.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import scrapy
import sqlite_utils

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from spiders.api import request_key  # noqa: E402

RESPONSES = REPO / "tests" / "fixtures" / "responses"
RESULTS = REPO / "bench" / "RESULTS.md"
SOURCES = ("hansard", "bills", "questions")
ARGS = ["--since", "2024-01-05", "--until", "2024-01-10", "--delay", "0",
        "-a", "terms=stalking", "-a", "page_size=4", "-a", "window=tabled"]
TABLES = ("documents", "bills", "bill_stages", "amendments", "questions")


class RoutedHandler(BaseHTTPRequestHandler):
    """Answers each routed request with its saved JSON, counting requests; 404 otherwise."""

    routes: ClassVar[dict[str, Path]] = {}
    count = 0

    def do_GET(self):
        """Serve the saved response for this path and query."""
        RoutedHandler.count += 1
        file = self.routes.get(request_key(self.path, "/"))
        body = file.read_bytes() if file else b""
        self.send_response(200 if file else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Stay quiet."""


def serve() -> ThreadingHTTPServer:
    """Serve every saved API response on a free 127.0.0.1 port."""
    for source in SOURCES:
        index = RESPONSES / source / "index.json"
        for key, name in json.loads(index.read_text(encoding="utf-8")).items():
            RoutedHandler.routes[key] = index.parent / name
    server = ThreadingHTTPServer(("127.0.0.1", 0), RoutedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def crawl(source: str, base: str) -> tuple[float, int, int]:
    """One fresh crawl of a source in a subprocess: (seconds, requests, items stored)."""
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        before = RoutedHandler.count
        started = time.perf_counter()
        command = [sys.executable, "-m", "pursuit", "crawl", str(db_path), source, "--base-url", base, *ARGS]
        subprocess.run(command, check=True, capture_output=True, cwd=REPO)
        seconds = time.perf_counter() - started
        db = sqlite_utils.Database(db_path)
        items = sum(db[t].count for t in TABLES)
        return seconds, RoutedHandler.count - before, items


def main() -> None:
    """Measure each source and append the figures to RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    server = serve()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = []
    for source in SOURCES:
        runs = [crawl(source, base) for _ in range(repeats)]
        seconds = statistics.median(r[0] for r in runs)
        _, requests, items = runs[0]
        rates = f"{items / seconds:.1f} | {requests / seconds:.1f}"
        rows.append(f"| {source} | {repeats} | {seconds:.2f} | {requests} | {items} | {rates} |")
    server.shutdown()
    header = (
        f"\n## Parliament API fixture crawls — {dt.date.today()}\n\n"
        f"Machine: {platform.machine()}, Python {platform.python_version()}, Scrapy {scrapy.__version__}. "
        "Saved responses served on 127.0.0.1, delay 0, one source per crawl, wall time per crawl including "
        "process start-up (about 1 s, most of it here: the saved sets are small). Items are documents plus "
        "bills, stages, amendments and questions rows. Median of the repeats.\n\n"
        "| source | repeats | seconds | requests | items | items/s | requests/s |\n"
        "|---|---|---|---|---|---|---|"
    )
    text = "\n".join([header, *rows]) + "\n"
    print(text)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
