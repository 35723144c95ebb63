"""Development measure for tagging quality: grouped cross-validation on nlp/data, gold only as a final check.

    PYTHONPATH=. python bench/tagging_cv.py [--gold tests/fixtures/nlp/gold.jsonl] [--errors cv_errors.jsonl]
        [--append]

Folds are grouped by source document, so no document is both trained and tested on. MiniLM vectors
are cached on disk by text hash (bench/.cache/), so repeated experiments embed only new sentences.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.benchlib import RESULTS, machine_line
from nlp.crossval import cross_validate, score_file
from nlp.embed import sentence_embedder
from nlp.evaluate import format_table
from nlp.static import StaticEmbedder
from nlp.tag import Tagger
from nlp.train import DATA_DIR, train_heads

CACHE = Path(__file__).resolve().parent / ".cache" / "minilm_vectors.npz"


class DiskCachedEmbedder:
    """The packaged MiniLM, remembering every vector on disk by text hash."""

    def __init__(self, path: Path = CACHE):
        self.inner = sentence_embedder()
        self.name = self.inner.name
        self.path = path
        self.vectors = dict(np.load(path)) if path.exists() else {}

    def encode(self, texts: list[str]) -> np.ndarray:
        """Cached vectors, embedding (and saving) only texts not seen before."""
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self.vectors))
        if missing:
            for text, vector in zip(missing, self.inner.encode(missing), strict=True):
                self.vectors[hashlib.sha256(text.encode()).hexdigest()] = vector
            self.path.parent.mkdir(exist_ok=True)
            np.savez(self.path, **self.vectors)
        return np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, 384), dtype=np.float32)


def supported_macro_f1(report: dict) -> str:
    """Macro-F1 over the topics that have labelled sentences (a topic with none scores a vacuous 1.0)."""
    supported = [s["f1"] for s in report["topics"].values() if s["support"]]
    mean = sum(supported) / len(supported)
    return f"macro-F1 over the {len(supported)} topics with labelled sentences: {mean:.3f}"


def gold_check(paths: list[Path], embedder, gold: Path) -> dict:
    """Fit on all the training data (first pass off) and score the gold file."""
    heads = train_heads(paths, embedder, static=StaticEmbedder(), background_path=None)
    return score_file(Tagger(embedder, heads, gate=False), gold)


def main() -> None:
    """Run the cross-validation (and the gold check), print and optionally append the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path)
    parser.add_argument("--errors", type=Path)
    parser.add_argument("--append", action="store_true", help="append the figures to bench/RESULTS.md")
    parser.add_argument("--note", default="", help="a line saying what changed, for RESULTS.md")
    args = parser.parse_args()
    paths = sorted(DATA_DIR.glob("*.jsonl"))
    embedder = DiskCachedEmbedder()
    started = time.perf_counter()
    report = cross_validate(paths, embedder)
    print(f"grouped 5-fold cross-validation on {', '.join(p.name for p in paths)}")
    print(format_table(report))
    print(supported_macro_f1(report))
    if args.errors:
        args.errors.write_text("".join(json.dumps(e) + "\n" for e in report["errors"]), encoding="utf-8")
    gold = gold_check(paths, embedder, args.gold) if args.gold else None
    if gold:
        print(f"\ngold check ({args.gold}, first pass off)")
        print(format_table(gold))
    print(f"\n{time.perf_counter() - started:.0f} s")
    if args.append:
        append_results(report, gold, args)


def append_results(report: dict, gold: dict | None, args) -> None:
    """Append the cross-validation (and gold) tables to bench/RESULTS.md."""
    text = (f"\n## Tagging quality: grouped cross-validation — {machine_line()}\n\n"
            f"{args.note}\n\n```\n{format_table(report)}\n```\n\n{supported_macro_f1(report)}\n")
    if gold:
        text += f"\nGold check ({args.gold}, first pass off):\n\n```\n{format_table(gold)}\n```\n"
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(text)


if __name__ == "__main__":
    main()
