"""The full model's remit: the units whose verdict it may change, bounded by words so a first pass is exact.

A semantic topic tag needs one of the topic's context words in the unit, and the commitment head is only
consulted on a unit the pledge rules leave open that has forward-looking words. A unit with no rule hit,
no context word of any topic and no such commitment call is outside the remit: the model cannot change
its verdict, so the first pass stops it without scoring it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from nlp.commitments import Commitment, has_forward_language, ruled_out
from nlp.taxonomy import Taxonomy


def commitment_left_open(cue: Commitment) -> bool:
    """Whether the pledge rules leave the commitment call open: no pledge, and none ruled out."""
    return not cue.is_commitment and not ruled_out(cue)


def head_may_call_commitment(cue: Commitment, text: str) -> bool:
    """Whether the commitment head may decide: the call is left open and the text looks forward."""
    return commitment_left_open(cue) and has_forward_language(text)


def trie_pattern(words: list[str]) -> str:
    """A regex alternation of lower-case words factored by common prefix (far faster than a flat list)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    """The regex of one trie node's branches (the empty key ends a word)."""
    if "" in node:
        return ""  # a word ends here: as a word beginning, nothing more is needed
    branches = [re.escape(char) + _trie_regex(child) for char, child in sorted(node.items())]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


@lru_cache(maxsize=8)
def _any_context_pattern(contexts: tuple[tuple[str, ...], ...]) -> re.Pattern | None:
    """One pattern for all topics' context words; None when a topic lists none (any text is in context)."""
    if not contexts or not all(contexts):
        return None
    words = sorted({word.lower() for context in contexts for word in context})
    return re.compile(r"\b" + trie_pattern(words))


def in_any_topic_context(taxonomy: Taxonomy, text: str) -> bool:
    """Whether some topic could be tagged semantically: the text has a context word of it."""
    pattern = _any_context_pattern(tuple(topic.context for topic in taxonomy.topics))
    return pattern is None or bool(pattern.search(text.lower()))


def within_remit(taxonomy: Taxonomy, text: str, rule_hit: bool, cue: Commitment) -> bool:
    """Whether the model could change the unit's verdict: a rule hit, a topic context word or a head call."""
    return rule_hit or in_any_topic_context(taxonomy, text) or head_may_call_commitment(cue, text)


def remit_flags(taxonomy: Taxonomy | None, texts: list[str], rule_hits, cues: list[Commitment]) -> np.ndarray:
    """Whether each unit is inside the full model's remit (all of them when no taxonomy bounds it)."""
    if taxonomy is None:
        return np.ones(len(texts), dtype=bool)
    return np.array([within_remit(taxonomy, text, bool(hit), cue)
                     for text, hit, cue in zip(texts, rule_hits, cues, strict=True)], dtype=bool)
