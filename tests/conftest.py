"""Shared test helpers: fixture paths, a local HTTP server for recorded responses, CLI runs."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from spiders.api import request_key

FIXTURES = Path(__file__).parent / "fixtures"
PARLPARSE = FIXTURES / "responses" / "parlparse"
CORPUS = FIXTURES / "corpus" / "documents.jsonl"
GOVUK = FIXTURES / "responses" / "govuk"
POLICE = FIXTURES / "responses" / "police"
RESPONSES = FIXTURES / "responses"
API_SOURCES = ("hansard", "bills", "questions")
REPO = Path(__file__).parent.parent


class FixtureHandler(SimpleHTTPRequestHandler):
    """Serves a folder (with directory listings), counts hits, and can fail chosen paths."""

    server: FixtureServer

    def do_GET(self):
        """Record the hit, then fail it if a failure is queued for the path, else serve the file."""
        path = self.path.split("?")[0]
        key = request_key(self.path, "/")
        self.server.hits[path] += 1
        self.server.hit_times.setdefault(path, []).append(time.monotonic())
        if key != path.lstrip("/") and (key in self.server.index_routes or key in self.server.failures):
            self.server.hits[key] += 1
            self.server.hit_times.setdefault(key, []).append(time.monotonic())
        self.server.requests.append(self.path)
        fault = self.server.faults.get(path)
        if fault:
            self._misbehave(fault.pop(0), path)
            return
        queued = self.server.failures.get(key) or self.server.failures.get(path)
        if queued:
            status, headers = queued.pop(0)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if key in self.server.index_routes:
            self._send(200, "application/json; charset=utf-8", self.server.index_routes[key].read_bytes())
            return
        route = self.server.find_route(self.path)
        if route is not None:
            self._send(route.status, route.content_type, route.body)
            return
        super().do_GET()

    def _misbehave(self, fault: str, path: str):
        """Answer badly: `hang` (say nothing until the client gives up), `truncate` (half the body, then
        close), or `wrong-type` (an HTML error page with status 200 where the file should be)."""
        if fault == "hang":
            time.sleep(self.server.hang_seconds)
            self.close_connection = True
            return
        if fault == "wrong-type":
            self._send(200, "text/html; charset=utf-8",
                       b"<html><body><script>alert(1)</script><p>Service unavailable</p></body></html>")
            return
        body = (self.server.root / path.lstrip("/")).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _send(self, status: int, content_type: str, body: bytes):
        """Answer with a canned body."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Stay quiet in test output."""


@dataclass
class Route:
    """A canned answer for one path, chosen when the request's query holds every `query` pair."""

    query: dict[str, str] | None
    body: bytes
    status: int
    content_type: str


class FixtureServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 with hit counts and queued failures per path."""

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), partial(FixtureHandler, directory=str(root)))
        self.root = root
        self.hits: Counter[str] = Counter()
        self.hit_times: dict[str, list[float]] = {}
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.routes: dict[str, list[Route]] = {}
        self.index_routes: dict[str, Path] = {}
        self.requests: list[str] = []
        self.faults: dict[str, list[str]] = {}
        self.hang_seconds = 3.0

    @property
    def root_url(self) -> str:
        """The server's own base URL, ending in a slash."""
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def route(self, path: str, body: bytes | Path, query: dict[str, str] | None = None, status: int = 200,
              content_type: str = "application/json; charset=utf-8") -> None:
        """Serve `body` at `path`: with query None only to a bare path, else when the query holds `query`."""
        data = body.read_bytes() if isinstance(body, Path) else body
        self.routes.setdefault(path, []).insert(0, Route(query, data, status, content_type))

    def route_index(self, index: Path) -> None:
        """Serve each saved response of an API index (request key -> file) at its key under the root."""
        for key, name in json.loads(index.read_text(encoding="utf-8")).items():
            self.index_routes[key] = index.parent / name

    def find_route(self, raw_path: str) -> Route | None:
        """The first route (latest added first) matching a request path and query."""
        parts = urlsplit(raw_path)
        asked = parse_qs(parts.query, keep_blank_values=True)
        for route in self.routes.get(parts.path, []):
            if route.query is None and not asked:
                return route
            if route.query is not None and all(v in asked.get(k, []) for k, v in route.query.items()):
                return route
        return None

    @property
    def base_url(self) -> str:
        """The URL that plays the part of TheyWorkForYou's scrapedxml folder."""
        return f"http://127.0.0.1:{self.server_address[1]}/pwdata/scrapedxml/"

    def fail(self, path: str, status: int, times: int, headers: dict[str, str] | None = None):
        """Answer the next `times` requests for `path` with `status`."""
        self.failures[path] = [(status, headers or {})] * times

    def misbehave(self, path: str, *faults: str):
        """Answer the next requests for `path` with these faults in turn (hang, truncate, wrong-type)."""
        self.faults[path] = list(faults)


@pytest.fixture
def parlparse_tree(tmp_path: Path) -> Path:
    """A writable copy of the recorded ParlParse files laid out as on TheyWorkForYou."""
    root = tmp_path / "site"
    shutil.copytree(PARLPARSE, root / "pwdata" / "scrapedxml")
    for empty in ("lordswms", "wrans"):  # listed by the real site; no recorded files of them here
        (root / "pwdata" / "scrapedxml" / empty).mkdir()
    return root


@pytest.fixture
def fixture_server(parlparse_tree: Path):
    """A running local server for the ParlParse copy, shut down after the test."""
    server = FixtureServer(parlparse_tree)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def route_server(tmp_path: Path):
    """A running local server that answers only the routes a test gives it (404 elsewhere)."""
    root = tmp_path / "www"
    root.mkdir()
    server = FixtureServer(root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_pursuit(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `pursuit` CLI in a subprocess (Scrapy's reactor runs once per process)."""
    result = subprocess.run(
        [sys.executable, "-m", "pursuit", *args],
        capture_output=True, text=True, timeout=240, cwd=REPO,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"pursuit {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def crawl_fixture_server(db_path: Path, server: FixtureServer, *extra: str):
    """Crawl the local ParlParse server for October 2009 with no politeness delay."""
    return run_pursuit(
        "crawl", str(db_path), "parlparse", "--base-url", server.base_url,
        "--since", "2009-10-01", "--until", "2009-10-31", "--delay", "0", *extra,
    )


def make_pdf(pages: list[list[str]]) -> bytes:
    """A real PDF written with fpdf2: one page per list, one paragraph per string, blank lines between."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(6)
    return bytes(pdf.output())


@pytest.fixture
def api_responses(tmp_path: Path) -> Path:
    """A writable copy of the saved Parliament API responses (hansard, bills, questions)."""
    root = tmp_path / "api"
    for source in API_SOURCES:
        shutil.copytree(RESPONSES / source, root / source)
    return root


@pytest.fixture
def api_server(api_responses: Path):
    """A local server answering the three Parliament APIs' requests from the saved responses."""
    server = FixtureServer(api_responses)
    for source in API_SOURCES:
        server.route_index(api_responses / source / "index.json")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def crawl_api_server(db_path: Path, server: FixtureServer, sources: tuple[str, ...], *extra: str):
    """Crawl Parliament API sources from the local server for 5-10 January 2024, with no delay."""
    return run_pursuit(
        "crawl", str(db_path), *sources, "--base-url", server.root_url, "--since", "2024-01-05",
        "--until", "2024-01-10", "--delay", "0", "-a", "terms=stalking", "-a", "page_size=4",
        "-a", "window=tabled", *extra,
    )


@pytest.fixture(scope="session", autouse=True)
def model_cache_dir(tmp_path_factory) -> Iterator[Path]:
    """Exported models (ONNX) go to a cache folder of this test run, never the user's ~/.cache."""
    from nlp.onnx_export import CACHE_ENV

    folder = tmp_path_factory.mktemp("model-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(folder))  # subprocesses (the CLI runs) inherit it
        yield folder


@pytest.fixture(scope="session")
def tagged_demo_db(tmp_path_factory) -> Path:
    """The tagged demo database with its ledger, built once per test run; tests must copy it to write."""
    db = tmp_path_factory.mktemp("tagged-demo") / "demo.db"
    subprocess.run([sys.executable, "-m", "pursuit", "demo", "--db", str(db), "--no-serve"],
                   check=True, capture_output=True, timeout=1200)
    return db


@pytest.fixture(scope="session")
def sql(tagged_demo_db):
    """A function running one read-only query on the tagged demo database and returning its rows as dicts."""
    conn = sqlite3.connect(f"file:{tagged_demo_db}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    yield lambda query, params=(): [dict(row) for row in conn.execute(query, params)]
    conn.close()
