"""Build nlp/data/background.txt: unlabelled everyday sittings the first pass learns what to skip from.

The gate learns from two whole Commons sittings, and only these: ParlParse `debates2009-10-28c.xml` and
the Hansard page of 16 January 2020. The other ParlParse sittings in the fixtures (Lords, Lords written
answers, Westminster Hall, written statements) are kept for `bench/tag_throughput.py` to measure on.
Sentences in the labelled files or the gold set are left out. Split the way the tagger splits.

Run: python -m nlp.background [--out nlp/data/background.txt]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from pathlib import Path

import lxml.etree
import lxml.html

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
PARLPARSE_SITTING = FIXTURES / "responses" / "parlparse" / "debates" / "debates2009-10-28c.xml"
HANSARD_SITTING = FIXTURES / "hansard_html" / "commons_2020-01-16_CommonsChamber.html.gz"
GOLD = FIXTURES / "nlp" / "gold.jsonl"
OUT = Path(__file__).parent / "data" / "background.txt"
SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Whitespace collapsed and trimmed."""
    return SPACES.sub(" ", text).strip()


def parlparse_passages(path: Path = PARLPARSE_SITTING) -> list[str]:
    """Each speech of a ParlParse sitting, its paragraphs on separate lines."""
    root = lxml.etree.parse(str(path), lxml.etree.XMLParser(load_dtd=True, resolve_entities=True)).getroot()
    speeches = ("\n".join(clean(p.xpath("string()")) for p in speech.iter("p"))
                for speech in root.iter("speech"))
    return [speech for speech in speeches if speech.strip()]


def hansard_passages(path: Path = HANSARD_SITTING) -> list[str]:
    """Each paragraph (`hs_Para`) of a saved hansard.parliament.uk sitting page."""
    with gzip.open(path) as handle:
        page = lxml.html.fromstring(handle.read())
    paragraphs = (clean(p.text_content()) for p in page.xpath('//p[contains(@class, "hs_Para")]'))
    return [paragraph for paragraph in paragraphs if paragraph]


def known_sentences(data_dir: Path = OUT.parent, gold: Path = GOLD) -> set[str]:
    """Texts of every labelled sentence and every gold sentence (never background)."""
    files = [*sorted(data_dir.glob("*.jsonl")), gold]
    return {json.loads(line)["text"] for path in files
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def background_sentences(passages: list[str], exclude: set[str]) -> list[str]:
    """Distinct sentences of the passages, in order, split as the tagger splits, minus `exclude`."""
    from nlp.pipeline import build_pipeline
    from nlp.semantic import units_of

    language = build_pipeline()
    sentences = (text for doc in language.pipe(passages) for text in units_of([doc])[1])
    return [s for s in dict.fromkeys(clean(s) for s in sentences) if s and s not in exclude]


def build(out: Path = OUT) -> int:
    """Write the background file and return how many sentences it holds."""
    sentences = background_sentences(parlparse_passages() + hansard_passages(), known_sentences())
    out.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    return len(sentences)


def main(argv: list[str] | None = None) -> None:
    """Command line: build and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    print(f"{args.out}: {build(args.out)} sentences")


if __name__ == "__main__":
    main()
