"""Benchmark: `pursuit tag` end to end (sentences/s) beside the raw MiniLM encode rate on the same sentences.

Builds the demo database untagged, tags a copy with the real model, then times the raw model on the
same sentences in the same process. Appends to bench/RESULTS.md. Run: .venv/bin/python bench/tag_throughput.py
"""

from __future__ import annotations

import datetime as dt
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlite_utils
import torch

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"


def build_untagged(folder: Path) -> Path:
    """The demo database without tagging."""
    db_path = folder / "demo.db"
    subprocess.run([sys.executable, "-m", "pursuit", "demo", "--db", str(db_path), "--no-serve", "--no-tag"],
                   check=True, capture_output=True, cwd=REPO)
    return db_path


def time_tagging(db_path: Path) -> tuple[float, int, int]:
    """Seconds to tag the whole database in-process, sentences written, sentences embedded."""
    from db.connect import open_db
    from nlp.embed import SentenceTransformerEmbedder
    from pursuit.tagging import tag_database

    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up the model"])
    db = open_db(db_path)
    started = time.perf_counter()
    run = tag_database(db, embedder)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, run.sentences, run.embedded


def time_raw_encode(db_path: Path) -> tuple[float, int]:
    """Seconds for the bare model to encode the distinct sentences the tagger embedded."""
    from nlp.embed import SentenceTransformerEmbedder

    texts = [r["text"] for r in sqlite_utils.Database(db_path).query("select distinct text from sentences")]
    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up the model"])
    started = time.perf_counter()
    embedder.encode(texts)
    return time.perf_counter() - started, len(texts)


def main() -> None:
    """Measure both and append the figures."""
    with tempfile.TemporaryDirectory() as folder:
        db_path = build_untagged(Path(folder))
        copy = Path(folder) / "tagged.db"
        shutil.copy(db_path, copy)
        tag_seconds, sentences, embedded = time_tagging(copy)
        raw_seconds, distinct = time_raw_encode(copy)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = (
        f"\n## Tagging throughput — {dt.date.today()}\n\n"
        f"Machine: {platform.machine()}, {torch.get_num_threads()} torch threads, Python "
        f"{platform.python_version()}, torch {torch.__version__}. Demo database, every passage tagged "
        "from scratch, in-process (model load excluded), one run.\n\n"
        "| what | sentences | seconds | sentences/s |\n|---|---|---|---|\n"
        f"| `pursuit tag` end to end (split, rules, embed, heads, write) | {sentences} | {tag_seconds:.1f} | "
        f"{sentences / tag_seconds:.0f} |\n"
        f"| raw MiniLM `encode` on the same distinct sentences | {distinct} | {raw_seconds:.1f} | "
        f"{distinct / raw_seconds:.0f} |\n\n"
        f"Sentences embedded by the tagger: {embedded} (the rest were repeats, reused by text hash). "
        f"Peak RSS of the benchmark process: {peak:.0f} MiB.\n"
    )
    print(text)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
