"""Build pursuit's spaCy pipeline: sentences, topic rules, commitment cues and the semantic tagger."""

from __future__ import annotations

import os

import spacy
from spacy.language import Language

import nlp.components
import nlp.semantic  # noqa: F401  (registers the semantic factory)

SPACY_MODEL_ENV = "PURSUIT_SPACY_MODEL"


def base_pipeline() -> Language:
    """A packaged pipeline named in $PURSUIT_SPACY_MODEL if installed, else blank English + sentencizer."""
    name = os.environ.get(SPACY_MODEL_ENV)
    language = spacy.load(name, exclude=["ner", "lemmatizer", "textcat"]) if name else spacy.blank("en")
    if not language.has_pipe("parser") and not language.has_pipe("senter"):
        language.add_pipe("sentencizer")
        language.add_pipe("pursuit_paragraph_breaks")
    return language


def build_pipeline(taxonomy_path: str | None = None, semantic_key: str | None = None) -> Language:
    """The full pipeline; the semantic tagger is added when a registered key is given."""
    language = base_pipeline()
    language.add_pipe("pursuit_topic_rules", config={"taxonomy_path": taxonomy_path})
    language.add_pipe("pursuit_commitments")
    if semantic_key:
        language.add_pipe("pursuit_semantic", config={"key": semantic_key})
    return language
