"""pursuit's registered spaCy components: topic rules from the taxonomy, and commitment cues."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.errors import MatchPatternError
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from nlp.commitments import detect_commitment
from nlp.taxonomy import DEFAULT_PATH, Taxonomy, TaxonomyError, Topic, load_taxonomy

Doc.set_extension("rule_hits", default=None, force=True)
Doc.set_extension("commitments", default=None, force=True)


@dataclass(frozen=True)
class RuleHit:
    """A topic rule that matched: which topic, where, and the matched words."""

    topic: str
    start_char: int
    end_char: int
    text: str
    kind: str


class TopicRules:
    """Matches every topic's phrases and token patterns, dropping matches inside its exclusions."""

    def __init__(self, nlp: Language, taxonomy: Taxonomy):
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.patterns = Matcher(nlp.vocab)
        self.excludes = PhraseMatcher(nlp.vocab, attr="LOWER")
        for topic in taxonomy.topics:
            if topic.phrases:
                self.phrases.add(topic.id, [nlp.make_doc(p) for p in topic.phrases])
            if topic.patterns:
                self._add_patterns(taxonomy, topic)
            if topic.exclude:
                self.excludes.add(topic.id, [nlp.make_doc(p) for p in topic.exclude])

    def _add_patterns(self, taxonomy: Taxonomy, topic: Topic) -> None:
        """Add a topic's token patterns, naming the file and topic if spaCy rejects one."""
        try:
            self.patterns.add(topic.id, [list(p) for p in topic.patterns])
        except MatchPatternError as error:
            raise TaxonomyError(f"{taxonomy.path}: topic {topic.id!r} has an invalid token pattern (a bare "
                                f"on, off, yes or no is read as true/false: quote it): {error}") from error

    def __call__(self, doc: Doc) -> Doc:
        """Store the document's rule hits in `doc._.rule_hits`."""
        strings = doc.vocab.strings
        excluded = [(strings[m], s, e) for m, s, e in self.excludes(doc)]
        hits = []
        for matcher, kind in ((self.phrases, "phrase"), (self.patterns, "pattern")):
            for match_id, start, end in matcher(doc):
                topic = strings[match_id]
                if any(t == topic and s < end and start < e for t, s, e in excluded):
                    continue
                span = doc[start:end]
                hits.append(RuleHit(topic, span.start_char, span.end_char, span.text, kind))
        doc._.rule_hits = sorted(hits, key=lambda h: (h.start_char, h.topic))
        return doc


class CommitmentCues:
    """Marks each sentence that states a pledge, with who makes it and the words that show it."""

    def __call__(self, doc: Doc) -> Doc:
        """Store a Commitment per sentence start offset in `doc._.commitments`."""
        doc._.commitments = {s.start_char: detect_commitment(s.text) for s in doc.sents}
        return doc


@Language.component("pursuit_paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a new sentence after every line break, so headings and paragraphs never run together."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" in previous.whitespace_ or (previous.is_space and "\n" in previous.text):
            token.is_sent_start = True
    return doc


@Language.factory("pursuit_topic_rules", default_config={"taxonomy_path": None})
def make_topic_rules(nlp: Language, name: str, taxonomy_path: str | None) -> TopicRules:
    """Build the topic rule matcher from a taxonomy file (the bundled one by default)."""
    return TopicRules(nlp, load_taxonomy(taxonomy_path or DEFAULT_PATH))


@Language.factory("pursuit_commitments")
def make_commitment_cues(nlp: Language, name: str) -> CommitmentCues:
    """Build the commitment detector."""
    return CommitmentCues()


def hits_in(doc: Doc, start_char: int, end_char: int) -> list[RuleHit]:
    """The rule hits that lie inside a character range (a sentence)."""
    return [h for h in doc._.rule_hits or [] if start_char <= h.start_char and h.end_char <= end_char]
