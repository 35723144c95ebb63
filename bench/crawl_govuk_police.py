"""Benchmark: GOV.UK and police crawls of the fixtures over local HTTP, PDF pages/s and articles/s in-process.

Appends its figures to bench/RESULTS.md. Run: .venv/bin/python bench/crawl_govuk_police.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import sqlite_utils

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "tests" / "fixtures" / "responses" / "govuk" / "content"
ARTICLES = REPO / "tests" / "fixtures" / "responses" / "police" / "articles"
RESULTS = REPO / "bench" / "RESULTS.md"


def govuk_routes() -> dict[str, bytes]:
    """Every recorded content item at its API path, and one search page (built, not recorded) listing them."""
    items = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CONTENT.glob("*.json"))]
    routes = {f"/api/content{i['base_path']}": json.dumps(i).encode() for i in items}
    results = [{"link": i["base_path"], "public_timestamp": i.get("public_updated_at") or ""} for i in items]
    routes["/api/search.json"] = json.dumps({"results": results, "total": len(results), "start": 0}).encode()
    return routes


class RouteHandler(BaseHTTPRequestHandler):
    """Serves the routes by path; 404 elsewhere."""

    routes: ClassVar[dict[str, bytes]] = {}

    def do_GET(self):
        """Answer from the routes."""
        body = self.routes.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format, *args):
        """Stay quiet."""


def timed(args: list[str]) -> tuple[float, int, int]:
    """One crawl in a subprocess: (seconds, documents, passages)."""
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pursuit", "crawl", str(db_path), *args], check=True,
                       capture_output=True, cwd=REPO)
        seconds = time.perf_counter() - started
        db = sqlite_utils.Database(db_path)
        return seconds, db["documents"].count, db["passages"].count


def crawl_row(label: str, args: list[str], repeats: int, requests: int) -> str:
    """Median of fresh crawls as a table row."""
    runs = [timed(args) for _ in range(repeats)]
    seconds = statistics.median(r[0] for r in runs)
    return (f"| {label} | {repeats} | {seconds:.2f} | {requests / seconds:.1f} | {runs[0][1]} | "
            f"{runs[0][2] / seconds:.0f} |")


def pdf_row(pages: int, repeats: int) -> str:
    """PDF text extraction speed on a generated many-page PDF, in-process."""
    from fpdf import FPDF

    from spiders.pdf_text import pdf_pages

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for n in range(pages):
        pdf.add_page()
        for _ in range(6):
            sentence = f"Page {n + 1}. The police will pursue the most dangerous perpetrators. "
            pdf.multi_cell(0, 6, sentence * 4)
            pdf.ln(6)
    body = bytes(pdf.output())
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        pdf_pages(body)
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    return f"| PDF text, layout mode ({pages} pages of ~1,500 characters) | {repeats} | {seconds:.2f} | " \
           f"{pages / seconds:.1f} PDF pages/s | | |"


def article_row(repeats: int) -> str:
    """Article extraction speed over the saved police pages, in-process."""
    from spiders.article import extract_article

    pages = [p.read_bytes() for p in sorted(ARTICLES.glob("*.html"))] * 10
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        for page in pages:
            extract_article(page, "https://news.npcc.police.uk/releases/x")
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    return f"| trafilatura extraction ({len(pages)} pages) | {repeats} | {seconds:.2f} | " \
           f"{len(pages) / seconds:.0f} pages/s | | |"


def main() -> None:
    """Measure and append to RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    RouteHandler.routes = govuk_routes()
    server = ThreadingHTTPServer(("127.0.0.1", 0), RouteHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    requests = len(RouteHandler.routes) + 1  # and robots.txt
    rows = [
        crawl_row("govuk --base-url (HTTP, delay 0, one term)", ["govuk", "--base-url", base, "--delay", "0",
                                                                 "-a", "terms=stalking"], repeats, requests),
        crawl_row("govuk --load (file://)", ["govuk", "--load", str(CONTENT)], repeats, requests - 2),
        crawl_row("police --load (file://)", ["police", "--load", str(ARTICLES)], repeats, 4),
        pdf_row(50, repeats),
        article_row(repeats),
    ]
    server.shutdown()
    header = (
        f"\n## GOV.UK and police fixtures — {dt.date.today()}\n\n"
        "Crawls run as subprocesses; wall time includes process start-up (about 1 s), so requests/s "
        "understates steady-state speed on so few files. Median of the repeats.\n\n"
        "| what | repeats | seconds | requests/s (or rate) | documents | passages/s |\n"
        "|---|---|---|---|---|---|"
    )
    text = "\n".join([header, *rows]) + "\n"
    print(text)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
