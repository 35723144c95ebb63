"""Shared test helpers: fixture paths, a local HTTP server for recorded responses, CLI runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spiders.api import request_key

FIXTURES = Path(__file__).parent / "fixtures"
PARLPARSE = FIXTURES / "responses" / "parlparse"
CORPUS = FIXTURES / "corpus" / "documents.jsonl"
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
        if key != path.lstrip("/"):
            self.server.hits[key] += 1
            self.server.hit_times.setdefault(key, []).append(time.monotonic())
        queued = self.server.failures.get(key) or self.server.failures.get(path)
        if queued:
            status, headers = queued.pop(0)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if key in self.server.routes:
            self._send_route(self.server.routes[key])
            return
        super().do_GET()

    def _send_route(self, file: Path):
        """Serve a routed file as JSON."""
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Stay quiet in test output."""


class FixtureServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 with hit counts and queued failures per path."""

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), partial(FixtureHandler, directory=str(root)))
        self.root = root
        self.hits: Counter[str] = Counter()
        self.hit_times: dict[str, list[float]] = {}
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.routes: dict[str, Path] = {}

    @property
    def base_url(self) -> str:
        """The URL that plays the part of TheyWorkForYou's scrapedxml folder."""
        return f"http://127.0.0.1:{self.server_address[1]}/pwdata/scrapedxml/"

    def fail(self, path: str, status: int, times: int, headers: dict[str, str] | None = None):
        """Answer the next `times` requests for `path` (a path, or a route key with query) with `status`."""
        self.failures[path] = [(status, headers or {})] * times

    def route(self, index: Path) -> None:
        """Serve each saved response of an API index (request key -> file) at its key under the root."""
        for key, name in json.loads(index.read_text(encoding="utf-8")).items():
            self.routes[key] = index.parent / name

    @property
    def root_url(self) -> str:
        """The server's root, which plays the part of each Parliament API's base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}/"


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
        server.route(api_responses / source / "index.json")
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
