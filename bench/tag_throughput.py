"""Benchmark: `pursuit tag` end to end (sentences/s) beside the raw MiniLM encode rate on the same sentences.

Two databases: the demo database (fixtures found by topic search, so rich in on-topic sentences) and a
larger sample of passages resampled from the ParlParse sittings in the fixtures (everyday Hansard, mostly
off-topic), each sentence made distinct by swapping one word so content-hash reuse does not flatter it.
For each: the gated tagger end to end (first pass, then MiniLM for the candidates), the first pass
alone, the raw MiniLM encode rate on (a sample of) the same sentences, and the first pass's recall of
what the ungated tagger tags. Appends to bench/RESULTS.md.

Run: .venv/bin/python bench/tag_throughput.py [--sample 20000] [--recall-sample 1500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import random
import re
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
sys.path.insert(0, str(REPO))
WORD = re.compile(r"\b[a-z]{4,}\b")


def build_untagged(folder: Path) -> Path:
    """The demo database without tagging."""
    db_path = folder / "demo.db"
    subprocess.run([sys.executable, "-m", "pursuit", "demo", "--db", str(db_path), "--no-serve", "--no-tag"],
                   check=True, capture_output=True, cwd=REPO)
    return db_path


def sentences_of(db_path: Path, where: str = "1") -> list[str]:
    """Sentences of the database's passages, split the way the tagger splits them."""
    from nlp.pipeline import build_pipeline
    from nlp.semantic import unit_spans

    language = build_pipeline()
    rows = sqlite_utils.Database(db_path).query(f"select text from passages where {where}")
    texts = [r["text"] for r in rows]
    return [doc.text[s:e] for doc in language.pipe(texts) for s, e in unit_spans(doc)]


def resampled_database(source: Path, target: Path, sentences: int, seed: int = 9) -> Path:
    """A database of passages of 3-12 sentences drawn from everyday Hansard, one word swapped in each."""
    from db.connect import open_db

    pool = sentences_of(source, "source = 'parlparse'")
    words = sorted({w for s in pool for w in WORD.findall(s)})
    rng = random.Random(seed)
    db = open_db(target)
    made, passage = 0, 0
    with db.atomic():
        db["documents"].insert({"id": "bench/doc", "source": "bench", "native_id": "doc", "kind": "debate"})
        while made < sentences:
            count = min(rng.randint(3, 12), sentences - made)
            text = " ".join(varied(rng.choice(pool), words, rng) for _ in range(count))
            db["passages"].insert({"id": f"bench/p{passage}", "document_id": "bench/doc", "text": text,
                                   "source": "bench", "date": "2015-01-01", "year": 2015,
                                   "content_hash": hashlib.sha1(text.encode()).hexdigest()})
            made, passage = made + count, passage + 1
    db.close()
    return target


def varied(sentence: str, words: list[str], rng: random.Random) -> str:
    """The sentence with one of its longer words replaced by another word of the pool."""
    found = list(WORD.finditer(sentence))
    if not found:
        return sentence
    match = rng.choice(found)
    return sentence[:match.start()] + rng.choice(words) + sentence[match.end():]


def time_tagging(db_path: Path, embedder) -> tuple[float, object]:
    """Seconds to tag the whole database in-process (models loaded beforehand) and the run's counts."""
    from db.connect import open_db
    from pursuit.tagging import tag_database

    db = open_db(db_path)
    started = time.perf_counter()
    run = tag_database(db, embedder)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, run


def time_first_pass(texts: list[str]) -> float:
    """Seconds for the first pass alone (split, rules, pledge cues, static vectors, gate) over texts."""
    from nlp.commitments import detect_commitment
    from nlp.components import hits_in
    from nlp.heads import load_heads
    from nlp.pipeline import build_pipeline
    from nlp.semantic import Scorers, first_pass
    from nlp.static import StaticEmbedder

    language, static, heads = build_pipeline(), StaticEmbedder(), load_heads()
    scorers = Scorers(None, static, heads)
    started = time.perf_counter()
    for start in range(0, len(texts), 2000):
        chunk = texts[start:start + 2000]
        docs = list(language.pipe(chunk))
        hits = [hits_in(doc, 0, len(doc.text)) for doc in docs]
        cues = [(doc._.commitments or {}).get(0) or detect_commitment(doc.text) for doc in docs]
        first_pass(scorers, static.encode(chunk), hits, cues)
    return time.perf_counter() - started


def raw_and_recall(texts: list[str], embedder) -> tuple[float, dict]:
    """Seconds for raw MiniLM on texts, and the gate's figures on them (reusing those vectors)."""
    from nlp.tag import Tagger
    from pursuit.classifying import gate_figures, gated_and_full, memoised

    memo = memoised(embedder)
    started = time.perf_counter()
    memo.encode(texts)
    seconds = time.perf_counter() - started
    gated, full = gated_and_full(Tagger(memo), texts)
    return seconds, {**gate_figures(gated, full), "tagged_by_full": sum(bool(f.topics) or f.commitment
                                                                       for f in full)}


def measure(name: str, db_path: Path, embedder, recall_sample: int) -> str:
    """One table row set for one database."""
    texts = sentences_of(db_path)
    distinct = list(dict.fromkeys(texts))
    copy = db_path.with_name(db_path.stem + "-tagged.db")
    shutil.copy(db_path, copy)
    tag_seconds, run = time_tagging(copy, embedder)
    first_seconds = time_first_pass(distinct)
    sample = random.Random(5).sample(distinct, min(recall_sample, len(distinct)))
    raw_seconds, gate = raw_and_recall(sample, embedder)
    sample_note = "all distinct sentences" if len(sample) == len(distinct) else f"{len(sample)} sampled"
    return (
        f"| {name}: `pursuit tag` end to end (gated) | {run.sentences} | {tag_seconds:.1f} | "
        f"**{run.sentences / tag_seconds:.0f}** |\n"
        f"| {name}: first pass alone (split, rules, cues, static vector, gate) | {len(distinct)} | "
        f"{first_seconds:.1f} | {len(distinct) / first_seconds:.0f} |\n"
        f"| {name}: raw MiniLM `encode` ({sample_note} of the same distinct sentences) | {len(sample)} | "
        f"{raw_seconds:.1f} | {len(sample) / raw_seconds:.0f} |\n"
        f"| {name}: sent on to MiniLM by the first pass | {run.sent_on} of {run.sentences} "
        f"({run.sent_on / max(1, run.sentences):.1%}) | | |\n"
        f"| {name}: gate recall of what the ungated tagger tags ({sample_note}) | {gate['gate_recall']} "
        f"({gate['tagged_by_full']} tagged; {gate['gate_differences']} verdicts differ) | | |\n"
    )


def main() -> None:
    """Measure both databases and append the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=20000, help="sentences in the resampled database")
    parser.add_argument("--recall-sample", type=int, default=1500, help="sentences for raw encode and recall")
    args = parser.parse_args()
    from nlp.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.encode(["warm up the model"])
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        demo = build_untagged(Path(folder))
        rows = measure("demo", demo, embedder, args.recall_sample)
        sample = resampled_database(demo, Path(folder) / "sample.db", args.sample)
        rows += measure(f"resampled Hansard ({args.sample // 1000}k)", sample, embedder, args.recall_sample)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    text = (
        f"\n## Tagging throughput with the first pass — {dt.date.today()}\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, "
        f"Python {platform.python_version()}, torch {torch.__version__}. Load average at the start "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min). Every passage tagged from scratch, "
        "in-process, models loaded beforehand, one run. The resampled database draws sentences from the "
        "ParlParse sittings in the fixtures (everyday Hansard), one word swapped per sentence so every "
        "sentence is new to the content-hash cache.\n\n"
        "| what | sentences | seconds | sentences/s |\n|---|---|---|---|\n" + rows +
        f"\nPeak RSS of the benchmark process: {peak:.0f} MiB.\n"
    )
    print(text)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
