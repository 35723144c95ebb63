"""Shared test helpers: fixture paths, a local HTTP server for recorded responses, CLI runs."""

from __future__ import annotations

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

FIXTURES = Path(__file__).parent / "fixtures"
PARLPARSE = FIXTURES / "responses" / "parlparse"
CORPUS = FIXTURES / "corpus" / "documents.jsonl"
REPO = Path(__file__).parent.parent


class FixtureHandler(SimpleHTTPRequestHandler):
    """Serves a folder (with directory listings), counts hits, and can fail chosen paths."""

    server: FixtureServer

    def do_GET(self):
        """Record the hit, then fail it if a failure is queued for the path, else serve the file."""
        path = self.path.split("?")[0]
        self.server.hits[path] += 1
        self.server.hit_times.setdefault(path, []).append(time.monotonic())
        queued = self.server.failures.get(path)
        if queued:
            status, headers = queued.pop(0)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

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

    @property
    def base_url(self) -> str:
        """The URL that plays the part of TheyWorkForYou's scrapedxml folder."""
        return f"http://127.0.0.1:{self.server_address[1]}/pwdata/scrapedxml/"

    def fail(self, path: str, status: int, times: int, headers: dict[str, str] | None = None):
        """Answer the next `times` requests for `path` with `status`."""
        self.failures[path] = [(status, headers or {})] * times


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
