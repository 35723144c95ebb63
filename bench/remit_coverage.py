"""Check the model's remit against what the model finds: run after editing context words, FORWARD or the data.

Tags every labelled, gold, background and taxonomy-example sentence with the ungated tagger twice: with
the remit's word bounds (as shipped) and without them (the commitment head may decide every open call;
no topic needs a context word, or with `--against FILE` a topic needs one of FILE's context words, e.g.
an older taxonomy). Lists every verdict that differs, marking the ones a label confirms: a change to
the context lists or the forward lexicon should add none of those. MiniLM vectors come from the disk
cache of `bench/tagging_cv.py`.

    PYTHONPATH=. python bench/remit_coverage.py [--against OLD_TAXONOMY.yml]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nlp.tag
from bench.tagging_cv import DiskCachedEmbedder
from nlp.remit import commitment_left_open
from nlp.static import StaticEmbedder
from nlp.tag import Tagger
from nlp.taxonomy import DEFAULT_PATH, load_taxonomy
from nlp.train import BACKGROUND, DATA_DIR

GOLD = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "nlp" / "gold.jsonl"


def labelled_rows() -> dict[str, dict]:
    """Every labelled and gold sentence's labels, by text."""
    rows = {}
    for path in [*sorted(DATA_DIR.glob("*.jsonl")), GOLD]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                rows[record["text"]] = record
    return rows


def reference_taxonomy(folder: Path, against: Path | None) -> Path:
    """The shipped taxonomy with each topic's context words removed, or taken from another taxonomy file."""
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    other = {t.id: list(t.context) for t in load_taxonomy(against).topics} if against else {}
    for topic in data["topics"]:
        topic.pop("context", None)
        if other.get(topic["id"]):
            topic["context"] = other[topic["id"]]
    path = folder / "taxonomy-reference.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def verdicts(tagger: Tagger, texts: list[str]) -> list[tuple[frozenset[str], bool]]:
    """Topics and commitment verdict of each text, tagged as one unit."""
    return [(frozenset(t.topic for t in tagged.topics), tagged.commitment)
            for tagged in tagger.classify(texts)]


def main() -> None:
    """Print every verdict the bounds change, marking those a label confirms."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="take the reference run's context words from this file")
    args = parser.parse_args()
    labels = labelled_rows()
    texts = list(dict.fromkeys([*labels, *(e for t in load_taxonomy().topics for e in t.examples),
                                *BACKGROUND.read_text(encoding="utf-8").splitlines()]))
    texts = [t for t in texts if t.strip()]
    embedder, static = DiskCachedEmbedder(), StaticEmbedder()
    bounded = verdicts(Tagger(embedder, static=static, gate=False), texts)
    with tempfile.TemporaryDirectory() as folder:
        unbounded_path = reference_taxonomy(Path(folder), args.against)
        original = nlp.tag.head_may_call_commitment
        nlp.tag.head_may_call_commitment = lambda cue, text: commitment_left_open(cue)
        try:
            tagger = Tagger(embedder, static=static, gate=False, taxonomy_path=str(unbounded_path))
            unbounded = verdicts(tagger, texts)
        finally:
            nlp.tag.head_may_call_commitment = original
    confirmed = 0
    for text, (topics, commitment), (all_topics, all_commitment) in zip(texts, bounded, unbounded,
                                                                         strict=True):
        label = labels.get(text)
        for topic in sorted(all_topics - topics):
            hit = label is not None and topic in label["topics"]
            confirmed += hit
            print(f"{'CONFIRMED ' if hit else ''}topic {topic} cut: {text[:120]}")
        if all_commitment and not commitment:
            hit = label is not None and label["commitment"]
            confirmed += hit
            print(f"{'CONFIRMED ' if hit else ''}commitment cut: {text[:120]}")
    print(f"{len(texts)} sentences; verdicts a label confirms that the bounds cut: {confirmed}")


if __name__ == "__main__":
    main()
