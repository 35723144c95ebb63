"""The semantic tagger component: a cheap first pass over every unit, the full model for the candidates.

Every unit (sentence) gets a static-model vector. A unit outside the model's remit (`nlp/remit.py`: no
rule hit, no topic context word, no open commitment call with forward words) is stopped exactly; inside
it, the gate (a rule hit, else a logistic regression over the static vector, the pledge-cue features and
the unit's hashed words) decides which units the full model could change the verdict of,
and only those are embedded with the full model and scored by the learned heads. A pledge rule decides
a stopped unit's commitment on its own.
"""

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
from nlp.remit import remit_flags
from nlp.taxonomy import Taxonomy

Doc.set_extension("units", default=None, force=True)
WHOLE_TEXT = "pursuit_whole_text"


@dataclass
class Scorers:
    """What a semantic component scores with: the full embedder, the static one, the heads, gate on or off."""

    embedder: Embedder
    static: Embedder
    heads: Heads
    gate: bool = True
    taxonomy: Taxonomy | None = None  # bounds the model's remit; None: every unit may need the model


_REGISTRY: dict[str, Scorers] = {}


@dataclass
class Unit:
    """One span of a document: offsets, vectors, commitment cue, gate verdict and head probabilities."""

    start_char: int
    end_char: int
    text: str
    static_vector: np.ndarray
    commitment: Commitment
    gate_score: float
    sent_on: bool
    vector: np.ndarray | None = None          # full-model vector, only for units sent on
    probabilities: np.ndarray | None = None   # head probabilities, only for units sent on
    in_remit: bool = True                     # False: no rule hit, context word or head call


def register(key: str, scorers: Scorers) -> None:
    """Make embedders and heads available to components configured with `key`."""
    _REGISTRY[key] = scorers


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets narrowed so the span neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def unit_spans(doc: Doc, text: str | None = None) -> list[tuple[int, int]]:
    """The spans to score: the whole text if the doc asks for it, else each non-blank sentence.

    `text` is the doc's text if the caller has it: spaCy rebuilds `Doc.text` from every token on each access.
    """
    text = doc.text if text is None else text
    spans = [(0, len(text))] if doc.user_data.get(WHOLE_TEXT) else [
        (s.start_char, s.end_char) for s in doc.sents]
    spans = [trimmed(text, start, end) for start, end in spans]
    return [(start, end) for start, end in spans if end > start]


def units_of(docs: list[Doc]) -> tuple[list[tuple[Doc, int, int]], list[str]]:
    """Every unit of the docs as (doc, start, end), and its text (each doc's text built once)."""
    spans, texts = [], []
    for doc in docs:
        text = doc.text
        for start, end in unit_spans(doc, text):
            spans.append((doc, start, end))
            texts.append(text[start:end])
    return spans, texts


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
        """First pass over every unit of the batch, then one full-model call for the units sent on."""
        scorers = _REGISTRY[self.key]
        topics = scorers.heads.topics
        spans, texts = units_of(docs)
        hits = [hits_in(doc, start, end) for doc, start, end in spans]
        cues = [(doc._.commitments or {}).get(start) or detect_commitment(text)
                for (doc, start, _), text in zip(spans, texts, strict=True)]
        static_vectors = scorers.static.encode(texts)
        scores, sent, remit = first_pass(scorers, static_vectors, hits, cues, texts)
        candidates = np.flatnonzero(sent)
        full_vectors = scorers.embedder.encode([texts[i] for i in candidates])
        probabilities = np.zeros((len(candidates), len(topics) + 1))
        if len(candidates):
            features = np.stack([feature_vector(v, cues[i])
                                 for i, v in zip(candidates, full_vectors, strict=True)])
            probabilities = scorers.heads.probabilities(features)
        units = [Unit(start, end, text, static_vectors[i], cues[i], float(scores[i]), bool(sent[i]),
                      in_remit=bool(remit[i]))
                 for i, ((_, start, end), text) in enumerate(zip(spans, texts, strict=True))]
        for row, index in enumerate(candidates):
            units[index].vector, units[index].probabilities = full_vectors[row], probabilities[row]
        for doc in docs:
            doc._.units = []
        for (doc, _, _), unit in zip(spans, units, strict=True):
            doc._.units.append(unit)
        return docs


def first_pass(scorers: Scorers, static_vectors: np.ndarray, hits: list, cues: list[Commitment],
               texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gate scores, send-on flags and remit flags: a rule hit goes on, a unit outside the remit never does.

    Only the units inside the model's remit and without a rule hit are scored by the gate.
    """
    forced = np.array([bool(h) for h in hits], dtype=bool)
    everything = np.ones(len(forced), dtype=bool)
    gate = scorers.heads.gate
    if not scorers.gate or gate is None or not len(forced):
        return np.ones(len(forced)), everything, everything
    remit = remit_flags(scorers.taxonomy, texts, forced, cues)
    scores = np.where(forced, 1.0, 0.0)
    open_units = np.flatnonzero(remit & ~forced)
    if len(open_units):
        features = np.stack([feature_vector(static_vectors[i], cues[i]) for i in open_units])
        scores[open_units] = gate.probabilities(features, [texts[i] for i in open_units])
    return scores, forced | (remit & (scores >= gate.threshold)), remit


@Language.factory("pursuit_semantic", default_config={"key": "default"})
def make_semantic_tagger(nlp: Language, name: str, key: str) -> SemanticTagger:
    """Build the semantic tagger bound to the embedder and heads registered under `key`."""
    return SemanticTagger(key)
