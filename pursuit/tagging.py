"""Compose nlp/ and db/: tag every passage that changed, writing sentences, mentions and embeddings."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from db import tagging as store
from nlp.embed import CachedEmbedder, Embedder, from_blob, text_hash, to_blob
from nlp.heads import Heads
from nlp.static import StaticEmbedder
from nlp.tag import TAGGER_VERSION, TaggedSentence, Tagger
from nlp.taxonomy import DEFAULT_PATH as DEFAULT_TAXONOMY


@dataclass
class TagRun:
    """What a tagging run did."""

    passages: int
    sentences: int
    mentions: int
    embedded: int
    reused: int
    sent_on: int = 0          # sentences the first pass sent to the full model
    static_embedded: int = 0  # new static-model vectors stored


def tagger_version(heads: Heads, taxonomy_path: Path = DEFAULT_TAXONOMY, gate: bool = True) -> str:
    """Changes whenever the code version, the learned heads, the first pass or the taxonomy change."""
    parts = [TAGGER_VERSION, heads.meta.get("training_sha256", ""), heads.meta.get("taxonomy_sha256", ""),
             heads.meta.get("embedder", ""), hashlib.sha256(taxonomy_path.read_bytes()).hexdigest(),
             heads.meta.get("static_model", ""), gate_digest(heads) if gate else "ungated"]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def gate_digest(heads: Heads) -> str:
    """A short hash of the first pass's weights and threshold ("none" without a gate)."""
    if heads.gate is None:
        return "none"
    lexical = b"" if heads.gate.lexical is None else heads.gate.lexical.astype("<f4").tobytes()
    data = heads.gate.weights.astype("<f4").tobytes() + lexical + repr((heads.gate.bias,
                                                                         heads.gate.threshold)).encode()
    return hashlib.sha1(data).hexdigest()[:12]


def database_embedder(db, inner: Embedder) -> CachedEmbedder:
    """An embedder that reuses and stores vectors in the `embeddings` table."""
    def lookup(hashes: list[str]) -> dict[str, np.ndarray]:
        return {h: from_blob(b) for h, b in store.known_vectors(db, inner.name, hashes).items()}

    def remember(vectors: dict[str, np.ndarray]) -> None:
        store.save_embeddings(db, inner.name, {h: to_blob(v) for h, v in vectors.items()})

    return CachedEmbedder(inner, lookup, remember)


def sentence_rows(passage: dict, tagged: list[TaggedSentence]) -> tuple[list[dict], list[dict]]:
    """Rows for `sentences` and `mentions` from one passage's tagged sentences."""
    facets = {k: passage[k] for k in ("date", "year", "speaker_name", "house", "document_kind")}
    sentences, mentions = [], []
    for position, sentence in enumerate(tagged):
        sentence_id = f"{passage['id']}#s{position + 1}"
        sentences.append({
            "id": sentence_id, "passage_id": passage["id"], "position": position,
            "start": sentence.start, "end": sentence.end, "text": sentence.text,
            "text_hash": text_hash(sentence.text), "topics": ",".join(t.topic for t in sentence.topics),
            "commitment": int(sentence.commitment), "commitment_score": round(sentence.commitment_score, 4),
            "commitment_reason": sentence.commitment_reason, "actor": sentence.actor, **facets,
        })
        mentions += [
            {"sentence_id": sentence_id, "topic": tag.topic, "passage_id": passage["id"],
             "method": tag.method, "score": round(tag.score, 4), "reason": tag.reason, **facets}
            for tag in sentence.topics
        ]
    return sentences, mentions


def tag_database(db, embedder: Embedder, heads: Heads | None = None, batch_size: int = 400,
                 progress=None, static: Embedder | None = None, gate: bool = True) -> TagRun:
    """Tag pending passages in batches, one transaction per batch; memory stays flat.

    Every sentence's static-model vector is stored; the full model's only for sentences sent on. A batch's
    candidates go to the full model in one call, so its length-sorted batches carry little padding.
    """
    cached = database_embedder(db, embedder)
    cached_static = database_embedder(db, static or StaticEmbedder())
    tagger = Tagger(cached, heads, static=cached_static, gate=gate, batch_size=batch_size)
    version = tagger_version(tagger.heads, tagger.taxonomy.path, tagger.gate)
    counts: Counter[str] = Counter()
    for batch in store.pending_passages(db, version, batch_size):
        tagged = list(tagger.tag_texts(row["text"] for row in batch))
        all_sentences, all_mentions = [], []
        for passage, sentences in zip(batch, tagged, strict=True):
            sentence_rows_, mention_rows = sentence_rows(passage, sentences)
            all_sentences += sentence_rows_
            all_mentions += mention_rows
            counts["sent_on"] += sum(s.sent_on for s in sentences)
        with db.atomic():
            store.save_passage_tags(db, batch, all_sentences, all_mentions, version)
        counts.update(sentences=len(all_sentences), mentions=len(all_mentions))
        counts["passages"] += len(batch)
        if progress:
            progress(len(batch))
    return TagRun(counts["passages"], counts["sentences"], counts["mentions"], cached.computed, cached.reused,
                  counts["sent_on"], cached_static.computed)
