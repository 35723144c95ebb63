"""`pursuit classify` and `pursuit evaluate`: JSON lines in, topics and commitments out, scored."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from nlp.embed import CachedEmbedder
from nlp.evaluate import score
from nlp.labelled import read_labelled
from nlp.tag import TaggedSentence, Tagger

CHUNK = 256


def result_record(item_id: Any, tagged: TaggedSentence) -> dict[str, Any]:
    """The output contract: id, topics, commitment and the reasons for each."""
    reasons: dict[str, Any] = {
        tag.topic: {"method": tag.method, "score": round(tag.score, 4), "reason": tag.reason}
        for tag in tagged.topics
    }
    reasons["commitment"] = {
        "score": round(tagged.commitment_score, 4), "reason": tagged.commitment_reason, "actor": tagged.actor,
    }
    return {"id": item_id, "topics": [t.topic for t in tagged.topics], "commitment": tagged.commitment,
            "reasons": reasons}


def parse_input(number: int, line: str) -> tuple[Any, str | None, str | None]:
    """(id, text, error) for one input line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return None, None, f"line {number}: not JSON ({error})"
    if not isinstance(record, dict) or not isinstance(record.get("text"), str) or "id" not in record:
        return (record.get("id") if isinstance(record, dict) else None), None, \
            f"line {number}: needs an 'id' and a string 'text'"
    return record["id"], record["text"], None


def classify_stream(tagger: Tagger, lines: Iterable[str]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """One output record per non-blank input line, in order, with an error message where the input was bad."""
    numbered = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    while chunk := list(islice(numbered, CHUNK)):
        parsed = [parse_input(n, line) for n, line in chunk]
        good = [text for _, text, error in parsed if error is None]
        results = iter(tagger.classify(good))
        for item_id, _, error in parsed:
            if error is None:
                yield result_record(item_id, next(results)), None
            else:
                yield {"id": item_id, "topics": [], "commitment": False, "error": error}, error


def memoised(embedder) -> CachedEmbedder:
    """The embedder with an in-memory cache, so a second tagger over the same texts embeds nothing."""
    vectors: dict[str, Any] = {}
    return CachedEmbedder(embedder, lambda hashes: {h: vectors[h] for h in hashes if h in vectors},
                          vectors.update)


def gated_and_full(tagger: Tagger, texts: list[str]) -> tuple[list[TaggedSentence], list[TaggedSentence]]:
    """Each text classified with the tagger's first pass and without it (embedding each text once)."""
    if not tagger.gate:
        tagged = list(tagger.classify(texts))
        return tagged, tagged
    memo = memoised(tagger.embedder)
    path = str(tagger.taxonomy.path)
    full = list(Tagger(memo, tagger.heads, path, static=tagger.static, gate=False).classify(texts))
    gated = list(Tagger(memo, tagger.heads, path, static=tagger.static, gate=True).classify(texts))
    return gated, full


def labels_of(tagged: TaggedSentence) -> tuple[set[str], bool]:
    """The topics and commitment verdict of a tagged sentence."""
    return {t.topic for t in tagged.topics}, tagged.commitment


def gate_figures(gated: list[TaggedSentence], full: list[TaggedSentence]) -> dict[str, Any]:
    """Units sent on, the gate's recall of what the ungated tagger tags, and verdicts that differ.

    Recall counts a unit the ungated tagger tags (a topic or a commitment) as kept when the gated tagger
    gives it the same verdicts: sent on, or stopped with a pledge rule deciding the same commitment.
    """
    pairs = list(zip(gated, full, strict=True))
    tagged_by_full = [(g, f) for g, f in pairs if f.topics or f.commitment]
    kept = sum(labels_of(g) == labels_of(f) for g, f in tagged_by_full)
    return {"sent_on": sum(g.sent_on for g in gated),
            "gate_recall": round(kept / len(tagged_by_full), 4) if tagged_by_full else 1.0,
            "gate_differences": sum(labels_of(g) != labels_of(f) for g, f in pairs)}


def evaluate_file(tagger: Tagger, gold_path) -> dict[str, Any]:
    """Classify every gold sentence (with the tagger's first pass) and score the result and the gate."""
    gold = read_labelled(gold_path, tagger.heads.topics)
    gated, full = gated_and_full(tagger, [row.text for row in gold])
    report = score(tagger.heads.topics, [(set(row.topics), row.commitment) for row in gold],
                   [labels_of(p) for p in gated])
    return {**report, **gate_figures(gated, full)}
