"""The pledge cues' word guards change no verdict: each is a necessary condition of its rule's match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nlp.commitments import (
    BODY,
    CURLY_QUOTES,
    GUARDS,
    MEASURE,
    MEASURE_WORDS,
    NEW_MEASURES,
    NEW_MEASURES_WORDS,
    detect_commitment,
    guard_text,
)

REPO = Path(__file__).parent.parent
DATA = REPO / "nlp" / "data"
GOLD = REPO / "tests" / "fixtures" / "nlp" / "gold.jsonl"

# Sentences that test the guards' reading of case, apostrophes and the letters IGNORECASE equates.
TRICKY = [
    "We’ll publish the strategy next year.",
    "WE WILL PUBLISH THE STRATEGY NEXT YEAR.",
    "We wıll publish the strategy next year.",  # dotless i: IGNORECASE reads it as "i"
    "WE WİLL PUBLISH THE STRATEGY NEXT YEAR.",  # dotted capital I: lower() makes it two characters
    "The Home Office ſhall publiſh the ſtrategy.",  # long s: IGNORECASE reads it as "s"
    "The new unit (announced today) WILL work with every force.",
    "Ministers are to set out the plan in the spring.",
    "The Government won’t be publishing the review.",
    "The College of Policing and the National Crime Agency will publish joint guidance.",
    "Home Secretary Yvette Cooper today confirmed the decision to extend the pilot.",
    "Offenders face tougher checks in a raft of new measures",
    "“will publish revised guidance for forces”.",
    "£13 million will fund the new helpline.",
    "Is the Minister going to publish the review?",
    "I hope the Minister will publish the review.",
    "The police will apply to the court for an order.",
]


def labelled_texts() -> list[str]:
    """Texts of the labelled training files and of gold."""
    paths = [*sorted(DATA.glob("*.jsonl")), GOLD]
    return [json.loads(line)["text"] for path in paths
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    """Background sentences, labelled and gold texts, those again in capitals and with curly apostrophes."""
    background = [line for line in (DATA / "background.txt").read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    labelled = labelled_texts()
    return [*background, *labelled, *(t.upper() for t in labelled), *(t.replace("'", "’") for t in labelled),
            *TRICKY]


def test_guarded_verdicts_equal_the_reference_on_every_sentence(sentences):
    differing = [t for t in sentences if detect_commitment(t) != detect_commitment(t, guards=False)]
    assert len(sentences) > 10_000
    assert differing == []


def test_every_rule_match_passes_its_guard(sentences):
    # stronger than equal verdicts: a guard that wrongly skipped a rule an earlier rule pre-empts shows here
    texts = [t.translate(CURLY_QUOTES) for t in sentences]
    lows = [guard_text(t) for t in texts]
    for rule, guard in GUARDS.items():
        missed = [t for t, low in zip(texts, lows, strict=True)
                  if rule.search(t) and not guard.allows(t, low)]
        assert missed == [], rule.pattern[:60]


def test_guard_words_are_lower_case_unless_the_guard_reads_case():
    for guard in GUARDS.values():
        if not guard.case_sensitive:
            assert all(word == word.lower() for group in guard.groups for word in group)


def test_guard_text_reads_every_letter_as_ignorecase_does():
    # every character an IGNORECASE rule matches to a guard word's character becomes that character
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    characters = {c for guard in GUARDS.values() if not guard.case_sensitive
                  for group in guard.groups for word in group for c in word}
    for character in sorted(characters):
        for other in set(re.findall(re.escape(character), everything, re.IGNORECASE)):
            assert guard_text(other) == character, (character, other)


def spellings(alternative: str) -> list[str]:
    """Every string an alternative of letters, spaces and hyphens with optional characters ("s?") matches."""
    optional = re.search(r"(.)\?", alternative)
    if not optional:
        assert re.fullmatch(r"[\w -]+", alternative), alternative
        return [alternative]
    head, tail = alternative[:optional.start()], alternative[optional.end():]
    return [s for kept in (optional.group(1), "") for s in spellings(head + kept + tail)]


@pytest.mark.parametrize("pattern, words", [
    (MEASURE, MEASURE_WORDS),
    (re.search(r"\(\?:(measures\|[^)]*)\)", NEW_MEASURES).group(1), NEW_MEASURES_WORDS),
    (BODY, tuple(BODY.split("|"))),
])
def test_guard_words_cover_every_word_of_a_word_list(pattern, words):
    for alternative in pattern.split("|"):
        for spelling in spellings(alternative):
            assert re.fullmatch(f"(?:{pattern})", spelling, re.IGNORECASE)
            assert any(word.lower() in spelling.lower() for word in words), spelling
