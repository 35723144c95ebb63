"""The semantic tagger component: embeds each unit (sentence) in batches and scores it with the heads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from nlp.commitments import Commitment, detect_commitment
from nlp.components import hits_in
from nlp.embed import Embedder
from nlp.features import feature_vector
from nlp.heads import Heads

Doc.set_extension("units", default=None, force=True)
WHOLE_TEXT = "pursuit_whole_text"
_REGISTRY: dict[str, tuple[Embedder, Heads]] = {}


@dataclass
class Unit:
    """One scored span of a document: its offsets, vector, commitment cue and head probabilities."""

    start_char: int
    end_char: int
    text: str
    vector: np.ndarray
    commitment: Commitment
    probabilities: np.ndarray


def register(key: str, embedder: Embedder, heads: Heads) -> None:
    """Make an embedder and heads available to components configured with `key`."""
    _REGISTRY[key] = (embedder, heads)


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets narrowed so the span neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def unit_spans(doc: Doc) -> list[tuple[int, int]]:
    """The spans to score: the whole text if the doc asks for it, else each non-blank sentence."""
    spans = [(0, len(doc.text))] if doc.user_data.get(WHOLE_TEXT) else [
        (s.start_char, s.end_char) for s in doc.sents]
    spans = [trimmed(doc.text, start, end) for start, end in spans]
    return [(start, end) for start, end in spans if end > start]


class SemanticTagger:
    """Scores units with the learned heads over embedding and rule features, one embedding call a batch."""

    def __init__(self, key: str):
        self.key = key

    def __call__(self, doc: Doc) -> Doc:
        """Score one document."""
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """Score documents in batches so the model sees many sentences at once."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._score(batch)
                batch = []
        if batch:
            yield from self._score(batch)

    def _score(self, docs: list[Doc]) -> list[Doc]:
        """Embed every unit of the batch at once, then score each unit."""
        embedder, heads = _REGISTRY[self.key]
        spans = [(doc, start, end) for doc in docs for start, end in unit_spans(doc)]
        texts = [doc.text[start:end] for doc, start, end in spans]
        vectors = embedder.encode(texts)
        for doc in docs:
            doc._.units = []
        for (doc, start, end), text, vector in zip(spans, texts, vectors, strict=True):
            commitment = (doc._.commitments or {}).get(start) or detect_commitment(text)
            features = feature_vector(vector, heads.topics, hits_in(doc, start, end), commitment)
            probabilities = heads.probabilities(features[None, :])[0]
            doc._.units.append(Unit(start, end, text, vector, commitment, probabilities))
        return docs


@Language.factory("pursuit_semantic", default_config={"key": "default"})
def make_semantic_tagger(nlp: Language, name: str, key: str) -> SemanticTagger:
    """Build the semantic tagger bound to the embedder and heads registered under `key`."""
    return SemanticTagger(key)
