"""Load and validate the topic taxonomy (nlp/taxonomy.yml) with clear errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("taxonomy.yml")
LIST_FIELDS = (
    "search_terms", "phrases", "patterns", "exclude", "examples", "context", "context_also", "scope",
)


class TaxonomyError(ValueError):
    """The taxonomy file is not valid; the message names the file, the topic and the field."""


@dataclass(frozen=True)
class Topic:
    """One topic: id, label, description, search terms, rules and example sentences."""

    id: str
    label: str
    description: str
    search_terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    patterns: tuple[Any, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    context: tuple[str, ...] = ()  # word beginnings; a semantic (not rule) tag needs one in the sentence
    context_also: tuple[str, ...] = ()  # a second list; a semantic tag needs one of these as well
    scope: tuple[str, ...] = ()  # word beginnings; every tag, by rule or model, needs one in the sentence
    threshold: float | None = None

    def in_scope(self, text: str) -> bool:
        """Whether the text has a scope word outside the exclusions (an empty scope asks nothing)."""
        return _has_word_of(self.scope, self.without_exclusions(text))

    def in_context(self, text: str) -> bool:
        """Whether a semantic tag may be given: outside exclusions, a word of each context list and scope."""
        text = self.without_exclusions(text)
        return all(_has_word_of(words, text) for words in (self.context, self.context_also, self.scope))

    def without_exclusions(self, text: str) -> str:
        """The text with the topic's excluded phrases ("stalking horse") blanked out."""
        return _words_pattern(self.exclude, whole=True).sub(" ", text) if self.exclude else text


def _has_word_of(words: tuple[str, ...], text: str) -> bool:
    """Whether the text has a word starting with one of the word beginnings (an empty list asks nothing)."""
    return not words or bool(_words_pattern(words).search(text))


@lru_cache(maxsize=64)
def _words_pattern(words: tuple[str, ...], whole: bool = False) -> re.Pattern:
    """A case-insensitive pattern matching any of the words at the start of a word (or as whole words)."""
    ending = r"\b" if whole else ""
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")" + ending, re.IGNORECASE)


@dataclass(frozen=True)
class Taxonomy:
    """All topics, in file order."""

    topics: tuple[Topic, ...]
    path: Path = field(default=DEFAULT_PATH)

    def ids(self) -> list[str]:
        """Topic ids in file order."""
        return [t.id for t in self.topics]

    def search_terms(self) -> list[str]:
        """Every topic's search terms, de-duplicated, in file order."""
        return list(dict.fromkeys(term for t in self.topics for term in t.search_terms))


def _topic(raw: Any, where: str) -> Topic:
    """Validate one topic entry and build it."""
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{where}: each topic must be a mapping, got {type(raw).__name__}")
    for key in ("id", "label", "description"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise TaxonomyError(f"{where}: topic {raw.get('id', '?')!r} needs a non-empty {key!r}")
    if not raw["id"].isidentifier():
        raise TaxonomyError(f"{where}: topic id {raw['id']!r} must be a plain identifier")
    unknown = set(raw) - {"id", "label", "description", "threshold", *LIST_FIELDS}
    if unknown:
        raise TaxonomyError(f"{where}: topic {raw['id']!r} has unknown field(s) {sorted(unknown)}")
    values: dict[str, Any] = {}
    for key in LIST_FIELDS:
        items = raw.get(key) or []
        if not isinstance(items, list):
            raise TaxonomyError(f"{where}: topic {raw['id']!r} field {key!r} must be a list")
        if key != "patterns" and not all(isinstance(i, str) and i.strip() for i in items):
            raise TaxonomyError(f"{where}: topic {raw['id']!r} field {key!r} must hold non-empty strings")
        values[key] = tuple(items)
    threshold = raw.get("threshold")
    if threshold is not None and not (isinstance(threshold, int | float) and 0 < threshold < 1):
        raise TaxonomyError(f"{where}: topic {raw['id']!r} threshold must be a number between 0 and 1")
    return Topic(raw["id"], raw["label"], raw["description"].strip(), threshold=threshold, **values)


def load_taxonomy(path: Path | str = DEFAULT_PATH) -> Taxonomy:
    """Read and validate a taxonomy file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise TaxonomyError(f"{path}: cannot read taxonomy: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list) or not data["topics"]:
        raise TaxonomyError(f"{path}: expected a mapping with a non-empty 'topics' list")
    topics = tuple(_topic(raw, f"{path}: topics[{n}]") for n, raw in enumerate(data["topics"]))
    seen: set[str] = set()
    for topic in topics:
        if topic.id in seen:
            raise TaxonomyError(f"{path}: topic id {topic.id!r} appears twice")
        seen.add(topic.id)
    return Taxonomy(topics, path)


def search_terms(path: Path | str = DEFAULT_PATH) -> list[str]:
    """The search terms the spiders send to sources, from the taxonomy."""
    return load_taxonomy(path).search_terms()
