"""Site latency: median and p95 per page from Datasette's in-process client on the demo database.

Usage: python bench/site_latency.py [DEMO_DB] [--repeats N] [--no-write]
Builds DEMO_DB with `pursuit demo --no-serve` first if it does not exist; appends a table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from datasette.app import Datasette  # noqa: E402
from datasette.cli import Setting  # noqa: E402

from pursuit import config  # noqa: E402
from pursuit.publish import load_metadata, plugins_dir, public_settings  # noqa: E402
from pursuit.site import passage_path  # noqa: E402

PAGES = [
    ("home", "/"),
    ("search page, no query", "/-/search"),
    ("search: stalking (ranked, 6 facets)", "/-/search?q=stalking"),
    ("search: phrase + house filter", "/-/search?q=%22domestic+abuse%22&house=Lords"),
    ("search: prefix stalk*", "/-/search?q=stalk%2A"),
    ("search: sentences, relentlessly", "/-/search?q=relentlessly&in=sentences"),
    ("search: invalid syntax (400)", "/-/search?q=%22stalking"),
    ("passage page", "{passage}"),
    ("canned search_passages JSON", "/{db}/search_passages.json?q=stalking"),
    ("saved-search Atom feed", "/{db}/search_feed.atom?q=stalking"),
    ("topic Atom feed", "/{db}/topic_mentions_feed.atom?topic=stalking"),
    ("passages table (facets, no search)", "/{db}/passages"),
    ("passages table, _search=stalking", "/{db}/passages?_search=stalking"),
    ("topic list", "/-/topics"),
    ("topic page: domestic_abuse", "/-/topics/domestic_abuse"),
    ("topic page: stalking", "/-/topics/stalking"),
    ("mentions table, one topic, 5 facets", "/{db}/mentions?topic=domestic_abuse"),
    ("commitments ledger", "/-/commitments"),
    ("commitments ledger: stalking, document scope", "/-/commitments?topic=stalking&topic_scope=document"),
    ("robots.txt", "/robots.txt"),
]
DEMO_PASSAGE = "parlparse/lordswrans/2009-10-29a.171.2"  # a Lords written answer


def ensure_demo(db: Path) -> None:
    """Build the tagged demo database if it is missing."""
    if not db.exists():
        subprocess.run([sys.executable, "-m", "pursuit", "demo", "--db", str(db), "--no-serve"], check=True,
                       cwd=REPO)


def sample_passage(db: Path) -> str:
    """The demo's Lords written answer if the database has it, else its first passage with a sentence."""
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        if conn.execute("select 1 from passages where id = ?", [DEMO_PASSAGE]).fetchone():
            return DEMO_PASSAGE
        return conn.execute("select passage_id from sentences order by rowid limit 1").fetchone()[0]


def measure(db: Path, repeats: int) -> list[tuple[str, str, int, float, float]]:
    """(label, path, status, median ms, p95 ms) per page, after one warm-up request each."""
    settings = dict(Setting().convert((k, v), None, None) for k, v in public_settings(False).items())
    ds = Datasette(files=[str(db)], metadata=load_metadata(db), settings=settings,
                   template_dir=str(config.DATASETTE_DIR / "templates"), plugins_dir=str(plugins_dir()),
                   static_mounts=[("static", str(config.DATASETTE_DIR / "static"))])

    async def run():
        await ds.invoke_startup()
        found = []
        passage = passage_path(sample_passage(db))
        for label, path in PAGES:
            path = path.format(db=db.stem, passage=passage)
            status = (await ds.client.get(path)).status_code
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                await ds.client.get(path)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            found.append((label, path, status, statistics.median(times), p95))
        return found

    return asyncio.run(run())


def report(db: Path, rows, repeats: int) -> str:
    """A Markdown section for bench/RESULTS.md."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"## Site latency, {db.name} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Database {db.name} ({db.stat().st_size / 1e6:.1f} MB), Datasette's in-process client configured as "
        f"`pursuit serve` (SQL off, suggested facets off), one warm-up then {repeats} requests per page. "
        f"Load average at the end (1, 5, 15 min): {load}.", "",
        "| page | path | status | median ms | p95 ms |", "|---|---|---|---|---|",
    ]
    lines += [f"| {label} | `{path}` | {status} | {median:.1f} | {p95:.1f} |"
              for label, path, status, median, p95 in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure, print, and append the figures to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", default=str(REPO / "demo.db"))
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="Print only; leave bench/RESULTS.md alone.")
    args = parser.parse_args()
    db = Path(args.db).resolve()
    ensure_demo(db)
    text = report(db, measure(db, args.repeats), args.repeats)
    print(text)
    if not args.no_write:
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
            results.write("\n" + text)


if __name__ == "__main__":
    main()
