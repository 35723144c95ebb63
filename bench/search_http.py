"""Benchmark: the site's search and browse pages over HTTP, `pursuit serve` on 127.0.0.1, on big databases.

For each database: ranked full-text search (the `search_ranked` canned query, and the site's own /-/search
page with its facets) for a phrase, a rare word and common words; the faceted topic page (Datasette's
mentions table filtered by one topic, with its facets) and the site's own topic page /-/topics/<id>; the
topic list, the commitments ledger, the home page and the passages table page. p50/p95 of sequential
requests after one warm-up each; the server's peak RSS. Match counts are read from the database file
directly (the server runs with arbitrary SQL off, as published). `--table-search` adds Datasette's own
table-page search with its four facets (seconds per request at 1M: it counts and facets every match).

Run: .venv/bin/python bench/search_http.py /tmp/pursuit-scale/100k.db /tmp/pursuit-scale/1m.db [--repeats 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import append_results, machine_line, p50_p95

REPO = Path(__file__).resolve().parent.parent

QUERIES = {
    "phrase": '"domestic abuse"',
    "rare word": "stalking",
    "common word": "government",
    "very common word": "people",
}
TOPIC = "domestic_abuse"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db_path: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    """`pursuit serve` on 127.0.0.1, returned once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pursuit", "serve", str(db_path), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"pursuit serve {db_path} did not answer on port {port}")


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(client: httpx.Client, path: str, repeats: int) -> tuple[list[float], int]:
    """Milliseconds of `repeats` sequential GETs after one warm-up, and how many did not answer 200
    (Datasette answers 400 when a query passes its SQL time limit)."""
    client.get(path)
    times, failed = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        times.append(1000 * (time.perf_counter() - started))
        failed += response.status_code != 200
    return times, failed


def matches(db_path: Path, query: str) -> int:
    """How many passages match a query (for the table), read from the file itself."""
    import sqlite3

    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        sql = "select count(*) from passages_fts where passages_fts match ?"
        return conn.execute(sql, [query]).fetchone()[0]


def pages(name: str, table_search: bool = False) -> list[tuple[str, str, str]]:
    """(what, query, path) for every page measured."""
    listed = []
    for kind, query in QUERIES.items():
        ranked = f"/{name}/search_ranked.json?" + urlencode({"query": query, "_shape": "array"})
        listed.append((f"ranked search, {kind} (canned query, JSON)", query, ranked))
        html = f"/{name}/search_ranked?" + urlencode({"query": query})
        listed.append((f"ranked search, {kind} (canned query, HTML)", query, html))
        listed.append((f"site search page /-/search, {kind} (HTML, 6 facets)", query,
                       "/-/search?" + urlencode({"q": query})))
        if table_search:
            table = f"/{name}/passages?" + urlencode({"_search": query, "_searchmode": "raw"})
            listed.append((f"table-page search with 4 facets, {kind} (HTML)", query, table))
    listed += [
        (f"faceted topic page: mentions of {TOPIC} (HTML)", "", f"/{name}/mentions?topic={TOPIC}"),
        (f"site topic page /-/topics/{TOPIC} (chart, key passages)", "", f"/-/topics/{TOPIC}"),
        ("site topic list /-/topics", "", "/-/topics"),
        ("site commitments ledger /-/commitments", "", "/-/commitments"),
        ("home page /", "", "/"),
        ("passages table page (HTML, 4 facets)", "", f"/{name}/passages"),
    ]
    return listed


def measure_database(
    db_path: Path, repeats: int, env: dict[str, str], only: str = "", table_search: bool = False
) -> tuple[list[str], float]:
    """Table rows for one database, and the server's peak RSS."""
    port = free_port()
    server = start_server(db_path, port, env)
    rows = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for what, query, path in [p for p in pages(db_path.stem, table_search) if only in p[0]]:
                times, failed = timed(client, path, repeats)
                count = f"{matches(db_path, query):,}" if query else ""
                rows.append(f"| {db_path.name} | {what} | {count} | {p50_p95(times)} | {failed} |")
        rss = peak_rss_mib(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return rows, rss


def main() -> None:
    """Measure every page on every database and append the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="+", type=Path)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--label", default="", help="A note for the heading, e.g. the settings compared.")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Environment for the server, e.g. PURSUIT_SQLITE_PRAGMAS=off (repeatable).",
    )
    parser.add_argument("--only", default="", help="Measure only the pages whose description holds this.")
    parser.add_argument("--table-search", action="store_true",
                        help="Also measure Datasette's table-page search with facets (slow at 1M).")
    args = parser.parse_args()
    env = dict(pair.split("=", 1) for pair in args.env)
    rows, memory = [], []
    for db_path in args.databases:
        found, rss = measure_database(db_path, args.repeats, env, args.only, args.table_search)
        rows += found
        memory.append(f"{db_path.name} {rss:.0f} MiB")
    label = f" ({args.label})" if args.label else ""
    extra = ", " + ", ".join(args.env) if args.env else ""
    text = (
        f"\n## Search and browse over HTTP{label} — {machine_line()}\n\n"
        f"`pursuit serve` on 127.0.0.1 (its Datasette settings{extra}), httpx, {args.repeats} sequential "
        "requests per page after one warm-up; milliseconds. Targets: "
        "search p95 < 150 ms, faceted topic page p95 < 300 ms. Peak RSS of the server: "
        f"{', '.join(memory)}. Ranked search: db/search.py.\n\n"
        "| database | page | matches | p50 / p95 ms | not 200 |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
