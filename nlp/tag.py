"""Tag texts: split into sentences, apply rules and the semantic heads, explain every tag."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from nlp.commitments import FEATURE_NAMES, Commitment, ruled_out
from nlp.components import hits_in
from nlp.embed import Embedder
from nlp.heads import Heads, HeadsError, load_heads
from nlp.pipeline import build_pipeline
from nlp.remit import head_may_call_commitment
from nlp.semantic import WHOLE_TEXT, Scorers, Unit, register
from nlp.static import StaticEmbedder
from nlp.taxonomy import load_taxonomy

TAGGER_VERSION = "7"  # 2: static first pass; 3: lexical gate, pledge rules decide stopped units;
# 4: new pledge cues, perpetrator context; the model's remit bounded by words (context and forward words)
# 5: a topic's scope words bound rule tags too (perpetrator pursuit: of abuse, stalking or VAWG)
# 6: third round of pledge cues and guards; ruled-out pledges are ruled out for the model too
# 7: the heads read no rule indicators (a rule hit tags its topic outright)
ANCHOR_SIMILARITY = 0.75  # this close to one of a topic's own example sentences is that topic


@dataclass
class TopicTag:
    """One topic on one sentence: how it was found, its score, and why."""

    topic: str
    method: str
    score: float
    reason: str


@dataclass
class TaggedSentence:
    """A sentence (or whole text) with its offsets, topics, commitment verdict and vector."""

    start: int
    end: int
    text: str
    topics: list[TopicTag] = field(default_factory=list)
    commitment: bool = False
    commitment_score: float = 0.0
    commitment_reason: str = ""
    actor: str | None = None
    vector: np.ndarray | None = None          # full-model vector (None when the first pass stopped it)
    static_vector: np.ndarray | None = None   # static-model vector, for every sentence
    sent_on: bool = True                      # whether the first pass sent it to the full model


class Tagger:
    """The one code path behind `pursuit tag` and `pursuit classify`."""

    def __init__(self, embedder: Embedder, heads: Heads | None = None, taxonomy_path: str | None = None,
                 batch_size: int = 128, static: Embedder | None = None, gate: bool = True):
        self.taxonomy = load_taxonomy(taxonomy_path) if taxonomy_path else load_taxonomy()
        self.heads = heads or load_heads()
        if self.heads.topics != self.taxonomy.ids():
            raise HeadsError(
                f"the learned heads cover {self.heads.topics} but the taxonomy has {self.taxonomy.ids()}; "
                "run `pursuit train` after editing the taxonomy"
            )
        expected = self.heads.example_vectors.shape[1] + len(FEATURE_NAMES)
        if self.heads.weights.shape[1] != expected:
            raise HeadsError(f"the learned heads read {self.heads.weights.shape[1]} features but this tagger "
                             f"gives {expected} (heads from an older feature layout); run `pursuit train`")
        trained_with = self.heads.meta.get("embedder")
        if trained_with and trained_with != embedder.name:
            raise HeadsError(f"the learned heads were trained on {trained_with!r} embeddings, "
                             f"not {embedder.name!r}; run `pursuit train` with this model")
        self.static = static or StaticEmbedder()
        gated_with = self.heads.meta.get("static_model")
        if gate and self.heads.gate is not None and gated_with != self.static.name:
            raise HeadsError(f"the first pass was trained on {gated_with!r} static vectors, "
                             f"not {self.static.name!r}; run `pursuit train` with this static model")
        self.embedder = embedder
        self.batch_size = batch_size
        self.gate = gate and self.heads.gate is not None
        self.key = f"tagger-{id(self)}"
        register(self.key, Scorers(embedder, self.static, self.heads, self.gate, self.taxonomy))
        self.nlp = build_pipeline(taxonomy_path, semantic_key=self.key)

    def tag_texts(self, texts: Iterable[str]) -> Iterator[list[TaggedSentence]]:
        """Each text's sentences, tagged."""
        yield from self._run(self.nlp.make_doc(t) for t in texts)

    def classify(self, texts: Iterable[str]) -> Iterator[TaggedSentence]:
        """Each text tagged as one unit (for sentence-level input)."""
        for units in self._run(self._whole(texts)):
            yield units[0] if units else TaggedSentence(0, 0, "")

    def _whole(self, texts: Iterable[str]):
        """Docs marked to be scored as a single unit."""
        for text in texts:
            doc = self.nlp.make_doc(text)
            doc.user_data[WHOLE_TEXT] = True
            yield doc

    def _run(self, docs) -> Iterator[list[TaggedSentence]]:
        """Run the pipeline over docs and turn each doc's units into tagged sentences."""
        for doc in self.nlp.pipe(docs, batch_size=self.batch_size):
            yield [self._explain(doc, unit) for unit in doc._.units or []]

    def _explain(self, doc, unit: Unit) -> TaggedSentence:
        """Decide topics and commitment for one unit and record the reasons."""
        sentence = TaggedSentence(unit.start_char, unit.end_char, unit.text, vector=unit.vector,
                                  static_vector=unit.static_vector, sent_on=unit.sent_on)
        if not unit.sent_on:
            self._stopped(sentence, unit)
            return sentence
        hits = hits_in(doc, unit.start_char, unit.end_char)
        for index, topic in enumerate(self.heads.topics):
            tag = self._topic_tag(topic, index, unit, [h for h in hits if h.topic == topic])
            if tag:
                sentence.topics.append(tag)
        self._decide_commitment(sentence, unit, unit.commitment)
        return sentence

    def _stopped(self, sentence: TaggedSentence, unit: Unit) -> None:
        """A unit the first pass stopped: no topics; a pledge rule alone decides its commitment."""
        cue = unit.commitment
        sentence.commitment, sentence.actor = cue.is_commitment, cue.actor if cue.is_commitment else None
        if not unit.in_remit:
            sentence.commitment_reason = (f"{cue.reason}; first pass: no rule, topic context word or open "
                                          "forward-looking call, outside the model's remit")
            return
        sentence.commitment_reason = (f"{cue.reason}; first pass: p={unit.gate_score:.3f} "
                                      f"below {self.heads.gate.threshold:.3f}, not sent to the model")

    def _topic_tag(self, topic: str, index: int, unit: Unit, hits) -> TopicTag | None:
        """Out of scope, no tag; a rule hit tags the topic outright; else the head must pass its threshold."""
        if not self.taxonomy.topics[index].in_scope(unit.text):
            return None
        probability = float(unit.probabilities[index])
        if hits:
            words = ", ".join(dict.fromkeys(f"“{h.text}”" for h in hits))
            return TopicTag(topic, "rule", max(probability, 0.5), f"matched {words}")
        if not self.taxonomy.topics[index].in_context(unit.text):
            return None
        if probability >= self.heads.thresholds[index]:
            example, similarity = self.heads.nearest_example(unit.vector, index)
            reason = f"semantic: p={probability:.2f}; nearest example “{example}” (cosine {similarity:.2f})"
            return TopicTag(topic, "semantic", probability, reason)
        anchor, similarity = self.heads.nearest_example(unit.vector, index, anchors_only=True)
        if similarity >= ANCHOR_SIMILARITY:
            reason = f"semantic: close to the taxonomy's example “{anchor}” (cosine {similarity:.2f})"
            return TopicTag(topic, "semantic", similarity, reason)
        return None

    def _decide_commitment(self, sentence: TaggedSentence, unit: Unit, cue: Commitment) -> None:
        """Pledge rules decide when they fire; the commitment head decides the rest that has forward words."""
        probability = float(unit.probabilities[-1])
        sentence.commitment_score = probability
        if cue.is_commitment:
            sentence.commitment, sentence.actor, sentence.commitment_reason = True, cue.actor, cue.reason
        elif ruled_out(cue):  # questions, procedural remarks and vetoed pledges are never pledges
            sentence.commitment_reason = cue.reason
        elif not head_may_call_commitment(cue, unit.text):
            sentence.commitment_reason = f"{cue.reason}; no forward-looking words"
        elif probability >= self.heads.thresholds[-1]:
            sentence.commitment = True
            sentence.commitment_reason = f"semantic: p={probability:.2f}; {cue.reason}"
        else:
            sentence.commitment_reason = cue.reason
