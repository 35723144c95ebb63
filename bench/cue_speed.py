"""Benchmark: the pledge cues (`nlp.commitments.detect_commitment`) with and without their word guards.

Times the reference (every rule run) and the guarded rules on nlp/data/background.txt (everyday Commons
sentences), best of `--runs`, in ms per sentence; then checks that the guards change nothing: identical
`Commitment`s on every sentence of background.txt, the labelled files, gold, the ParlParse and Hansard
fixtures, the demo corpus and the evidence sets (split the way the tagger splits), and of any database
passed with --db (its `sentences` table, distinct texts, opened read-only). Appends to bench/RESULTS.md.

Run: .venv/bin/python bench/cue_speed.py [--runs 3] [--db /tmp/pursuit-scale/pool-v2.db ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.etree
import lxml.html

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
from benchlib import append_results, machine_line  # noqa: E402

from nlp.commitments import detect_commitment  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
BACKGROUND = REPO / "nlp" / "data" / "background.txt"


def background() -> list[str]:
    """The everyday Commons sentences the first pass learns to skip, one a line."""
    return [line for line in BACKGROUND.read_text(encoding="utf-8").splitlines() if line.strip()]


def jsonl_texts(path: Path, *fields: str) -> list[str]:
    """The named text fields of every row of a JSON-lines file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row[field] for row in rows for field in fields if row.get(field)]


def fixture_passages() -> list[str]:
    """Paragraphs of the ParlParse XML and Hansard page fixtures, and the demo corpus documents."""
    passages = []
    for path in sorted((FIXTURES / "responses" / "parlparse").rglob("*.xml")):
        root = lxml.etree.parse(str(path), lxml.etree.XMLParser(load_dtd=True, resolve_entities=True))
        passages += [" ".join(p.xpath("string()").split()) for p in root.iter("p")]
    for path in sorted((FIXTURES / "hansard_html").glob("*.html.gz")):
        with gzip.open(path) as handle:
            page = lxml.html.fromstring(handle.read())
        passages += [" ".join(p.text_content().split()) for p in page.iter("p")]
    passages += jsonl_texts(FIXTURES / "corpus" / "documents.jsonl", "text")
    return [passage for passage in passages if passage]


def sentences_of(passages: list[str]) -> list[str]:
    """The passages' sentences, split the way the tagger splits them."""
    from nlp.pipeline import base_pipeline
    from nlp.semantic import unit_spans

    language = base_pipeline()
    language.max_length = max(language.max_length, *(len(p) + 1 for p in passages))
    return [doc.text[start:end] for doc in language.pipe(passages) for start, end in unit_spans(doc)]


def database_sentences(path: Path) -> list[str]:
    """The distinct sentence texts of a pursuit database, read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT DISTINCT text FROM sentences")]
    finally:
        conn.close()


def sentence_sets(databases: list[Path]) -> dict[str, list[str]]:
    """Every set of sentences the guarded cues are checked on, by name."""
    sets = {
        "nlp/data/background.txt": background(),
        "nlp/data/*.jsonl": [t for path in sorted((REPO / "nlp" / "data").glob("*.jsonl"))
                             for t in jsonl_texts(path, "text")],
        "tests/fixtures/nlp/gold.jsonl": jsonl_texts(FIXTURES / "nlp" / "gold.jsonl", "text"),
        "tests/fixtures/nlp/evidence_*.jsonl": [
            t for path in sorted((FIXTURES / "nlp").glob("evidence_*.jsonl"))
            for t in jsonl_texts(path, "commitment_text", "candidate_text", "candidate_sentence")],
        "ParlParse, Hansard page and demo corpus fixtures (sentences)": sentences_of(fixture_passages()),
    }
    for path in databases:
        sets[f"{path} (distinct sentences)"] = database_sentences(path)
    return sets


def ms_per_sentence(tag: Callable[[str], object], texts: list[str], runs: int) -> float:
    """The best of `runs` timings of tagging every text, in milliseconds per text."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            tag(text)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / len(texts)


def differences(texts: list[str]) -> list[str]:
    """The texts whose guarded verdict differs in any field from the reference's."""
    return [text for text in texts if detect_commitment(text) != detect_commitment(text, guards=False)]


def main() -> None:
    """Time reference and guarded cues on background.txt, check them equal everywhere, append the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, action="append", default=[], help="also check this database's")
    args = parser.parse_args()
    texts = background()
    reference = ms_per_sentence(lambda text: detect_commitment(text, guards=False), texts, args.runs)
    guarded = ms_per_sentence(detect_commitment, texts, args.runs)
    rows, total, differing = [], 0, []
    for name, sentences in sentence_sets(args.db).items():
        found = differences(sentences)
        rows.append(f"| {name} | {len(sentences)} | {len(found)} |")
        total += len(sentences)
        differing += found
    for text in differing[:20]:
        print(f"DIFFERS: {text!r}", file=sys.stderr)
    text = (
        f"\n## Pledge cue speed: word guards — {machine_line()}\n\n"
        f"`detect_commitment` on nlp/data/background.txt ({len(texts)} sentences), best of {args.runs}: "
        f"every rule run (reference) {reference:.3f} ms per sentence, guarded {guarded:.3f} ms "
        f"({reference / guarded:.1f}× faster).\n\n"
        "Guarded verdicts against the reference (every field of the `Commitment`):\n\n"
        "| sentences | compared | differences |\n|---|---|---|\n" + "\n".join(rows)
        + f"\n| all | {total} | {len(differing)} |\n"
    )
    append_results(text)


if __name__ == "__main__":
    main()
