"""Readers during writes: Datasette keeps answering while `pursuit update` crawls, tags and re-indexes."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from conftest import run_pursuit
from updating import REPO, parlparse_sources, train_fake_heads, update_command, write_config

PAGES = [
    "/p.json", "/p/passages.json?_size=50", "/p/passages?_search=minister", "/p/documents?_sort_desc=date",
    "/p/crawl_runs.json", "/p/update_runs.json", "/p/sentences.json?_size=20",
    "/p.json?sql=select+count(*)+from+passages",
]


def free_port() -> int:
    """A TCP port nobody is listening on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, deadline: float) -> None:
    """Poll until Datasette answers."""
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"Datasette did not start at {url}")


def read_until(base: str, stop: threading.Event, results: list) -> None:
    """Request every page in turn until told to stop, keeping (path, status, locked?) for each answer."""
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            for path in PAGES:
                response = client.get(path)
                results.append((path, response.status_code, "database is locked" in response.text))


@pytest.mark.slow
def test_datasette_serves_without_errors_while_an_update_writes(tmp_path, fixture_server):
    heads = train_fake_heads(tmp_path / "heads.npz")
    config = write_config(tmp_path / "u.yml", parlparse_sources(fixture_server.base_url, directories=""),
                          heads)
    db_path = tmp_path / "p.db"
    run_pursuit("init", str(db_path))
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "pursuit", "serve", str(db_path), "--port", str(port),
                               "--allow-sql"],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/p.json", time.monotonic() + 60)
        stop, results = threading.Event(), []
        reader = threading.Thread(target=read_until, args=(base, stop, results))
        reader.start()
        update = subprocess.run(update_command(db_path, config), cwd=REPO, capture_output=True, text=True,
                                timeout=240)
        stop.set()
        reader.join(timeout=60)
        after = httpx.get(base + "/p.json?sql=select+count(*)+as+n+from+passages&_shape=array", timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert update.returncode == 0, update.stderr[-2000:]
    assert "parlparse: ok — new 67" in update.stdout
    assert len(results) >= 3 * len(PAGES)  # the reader kept reading throughout the update
    errors = [r for r in results if r[1] >= 500 or r[2]]
    print(f"\n{len(results)} reader requests during the update, {len(errors)} errors")
    assert errors == []
    assert {status for _, status, _ in results} <= {200}
    assert after.json() == [{"n": 737}]
