"""Benchmark: `pursuit tag` end to end (sentences/s) beside the raw MiniLM encode rate on the same sentences.

Two databases: the demo database (fixtures found by topic search, so rich in on-topic sentences) and a
larger sample of passages resampled from everyday Hansard, each sentence made distinct by swapping one
word so content-hash reuse does not flatter it. The sample is drawn only from the ParlParse sittings the
first pass does NOT learn from: Lords 27 Oct 2009, Lords written answers, Westminster Hall and written
ministerial statements of 29 Oct 2009 (the gate learns from the Commons sittings of 28 Oct 2009 and
16 Jan 2020, `nlp/background.py`), and every sentence of the labelled training files or the background
file is left out of it. For each database: the gated tagger end to end (first pass, then MiniLM for the
candidates) with the share of that time spent in MiniLM, the first pass alone, the raw MiniLM encode
rate on (a sample of) the same sentences, and the first pass's recall, two ways: verdicts kept (of the
sentences the ungated tagger tags, the share the gated tagger gives the same verdicts) and sent on (of
the sentences whose ungated verdict needs the model: a topic, or a commitment call unlike the pledge
rule's, the share sent on). Appends to bench/RESULTS.md.

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
GATE_SITTING = "parlparse/debates/2009-10-28c"  # the first pass learns from this sitting: never measured


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

    seen = training_sentences()
    where = f"source = 'parlparse' and document_id not like '{GATE_SITTING}%'"
    pool = [s for s in sentences_of(source, where) if s not in seen]
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


def training_sentences() -> set[str]:
    """Every sentence the heads or the first pass are fitted on (labelled files and the background file)."""
    import json

    from nlp.train import BACKGROUND, DATA_DIR

    labelled = {json.loads(line)["text"] for path in DATA_DIR.glob("*.jsonl")
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    return labelled | set(BACKGROUND.read_text(encoding="utf-8").splitlines())


class TimedEmbedder:
    """Wraps an embedder, adding up the seconds spent in its `encode`."""

    def __init__(self, inner):
        self.inner, self.name, self.seconds = inner, inner.name, 0.0

    def encode(self, texts):
        """Encode and count the time."""
        started = time.perf_counter()
        try:
            return self.inner.encode(texts)
        finally:
            self.seconds += time.perf_counter() - started


def varied(sentence: str, words: list[str], rng: random.Random) -> str:
    """The sentence with one of its longer words replaced by another word of the pool."""
    found = list(WORD.finditer(sentence))
    if not found:
        return sentence
    match = rng.choice(found)
    return sentence[:match.start()] + rng.choice(words) + sentence[match.end():]


def time_tagging(db_path: Path, embedder) -> tuple[float, object, float]:
    """Seconds to tag the whole database in-process (models loaded), the run's counts, seconds in MiniLM."""
    from db.connect import open_db
    from pursuit.tagging import tag_database

    db = open_db(db_path)
    timed = TimedEmbedder(embedder)
    started = time.perf_counter()
    run = tag_database(db, timed)
    seconds = time.perf_counter() - started
    db.close()
    return seconds, run, timed.seconds


def time_first_pass(texts: list[str]) -> float:
    """Seconds for the first pass alone (split, rules, cues, static vectors, remit, gate) over texts."""
    from nlp.commitments import detect_commitment
    from nlp.components import hits_in
    from nlp.heads import load_heads
    from nlp.pipeline import build_pipeline
    from nlp.semantic import Scorers, first_pass
    from nlp.static import StaticEmbedder
    from nlp.taxonomy import load_taxonomy

    language, static, heads = build_pipeline(), StaticEmbedder(), load_heads()
    scorers = Scorers(None, static, heads, taxonomy=load_taxonomy())
    started = time.perf_counter()
    for start in range(0, len(texts), 2000):
        chunk = texts[start:start + 2000]
        docs = list(language.pipe(chunk))
        hits = [hits_in(doc, 0, len(doc.text)) for doc in docs]
        cues = [(doc._.commitments or {}).get(0) or detect_commitment(doc.text) for doc in docs]
        first_pass(scorers, static.encode(chunk), hits, cues, chunk)
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
    return seconds, {**gate_figures(gated, full), **needs_model_figures(texts, gated, full)}


def needs_model_figures(texts: list[str], gated, full) -> dict:
    """How many sentences the ungated tagger tags, how many of those need the model, how many were sent on."""
    from nlp.commitments import detect_commitment

    needs = [bool(f.topics) or f.commitment != detect_commitment(t).is_commitment
             for t, f in zip(texts, full, strict=True)]
    return {"tagged_by_full": sum(bool(f.topics) or f.commitment for f in full), "needs_model": sum(needs),
            "needs_model_sent_on": sum(n and g.sent_on for n, g in zip(needs, gated, strict=True))}


def backend_of(embedder) -> str:
    """Which backend ran the full model (onnx or torch), as the embedder reports it."""
    return getattr(embedder, "backend", "torch")


def measure(name: str, db_path: Path, embedder, recall_sample: int) -> str:
    """One table row set for one database."""
    texts = sentences_of(db_path)
    distinct = list(dict.fromkeys(texts))
    copy = db_path.with_name(db_path.stem + "-tagged.db")
    shutil.copy(db_path, copy)
    tag_seconds, run, model_seconds = time_tagging(copy, embedder)
    first_seconds = time_first_pass(distinct)
    sample = random.Random(5).sample(distinct, min(recall_sample, len(distinct)))
    raw_seconds, gate = raw_and_recall(sample, embedder)
    sample_note = "all distinct sentences" if len(sample) == len(distinct) else f"{len(sample)} sampled"
    return (
        f"| {name}: `pursuit tag` end to end (gated) | {run.sentences} | {tag_seconds:.1f} | "
        f"**{run.sentences / tag_seconds:.0f}** |\n"
        f"| {name}: of which MiniLM `encode` (sentences sent on and new) | {run.embedded} | "
        f"{model_seconds:.1f} | {run.embedded / max(model_seconds, 1e-9):.0f} |\n"
        f"| {name}: first pass alone (split, rules, cues, static vector, remit, gate) | {len(distinct)} | "
        f"{first_seconds:.1f} | {len(distinct) / first_seconds:.0f} |\n"
        f"| {name}: raw MiniLM `encode`, {backend_of(embedder)} backend ({sample_note} of the same distinct "
        f"sentences) | {len(sample)} | "
        f"{raw_seconds:.1f} | {len(sample) / raw_seconds:.0f} |\n"
        f"| {name}: sent on to MiniLM by the first pass | {run.sent_on} of {run.sentences} "
        f"({run.sent_on / max(1, run.sentences):.1%}) | | |\n"
        f"| {name}: gate recall, verdicts kept, of what the ungated tagger tags ({sample_note}) | "
        f"{gate['gate_recall']} ({gate['tagged_by_full']} tagged; {gate['gate_differences']} verdicts "
        "differ) | | |\n"
        f"| {name}: of those, sentences whose verdict needs the model (a topic, or a commitment call unlike "
        f"the pledge rule's), sent on | {gate['needs_model_sent_on']} of {gate['needs_model']} | | |\n"
    )


def _onnxruntime_version() -> str:
    """'onnxruntime X.Y.Z', or 'no onnxruntime'."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"onnxruntime {version('onnxruntime')}"
    except PackageNotFoundError:
        return "no onnxruntime"


def main() -> None:
    """Measure both databases and append the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=20000, help="sentences in the resampled database")
    parser.add_argument("--recall-sample", type=int, default=1500, help="sentences for raw encode and recall")
    args = parser.parse_args()
    from nlp.embed import sentence_embedder

    embedder = sentence_embedder()
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
        f"Python {platform.python_version()}, torch {torch.__version__}, MiniLM on the "
        f"{backend_of(embedder)} backend ({_onnxruntime_version()}). Load average at the start "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min). Every passage tagged from scratch, "
        "in-process, models loaded beforehand, one run. The resampled database draws sentences from the "
        "ParlParse sittings in the fixtures that the first pass does not learn from (Lords 27 Oct 2009, "
        "Lords written answers, Westminster Hall, written statements; not the Commons 28 Oct 2009 "
        "sitting; no training sentence), one word swapped per sentence so every sentence is new to the "
        "content-hash cache.\n\n"
        "| what | sentences | seconds | sentences/s |\n|---|---|---|---|\n" + rows +
        f"\nPeak RSS of the benchmark process: {peak:.0f} MiB.\n"
    )
    print(text)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
