"""Read labelled sentences (JSON lines of text, topics and commitment) with clear errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class LabelledDataError(ValueError):
    """A labelled file has a line that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Labelled:
    """One labelled sentence."""

    id: str
    text: str
    topics: frozenset[str]
    commitment: bool
    group: str = ""  # the source document, so folds never split one document between training and testing


SITTING_CHUNK = 40  # a long sitting recorded as one source is grouped in runs of this many sentences


def source_group(record: dict, path: Path, number: int) -> str:
    """The document a labelled line comes from (runs of lines for a whole sitting recorded as one source)."""
    document = record.get("document_id") or record.get("source") or path.name
    document = str(document)
    return f"{document}#{number // SITTING_CHUNK}" if document.startswith("hansard_html") else document


def read_labelled(path: Path | str, topics: list[str]) -> list[Labelled]:
    """Every line of a labelled JSON-lines file, checked against the known topic ids."""
    path = Path(path)
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise LabelledDataError(f"{where}: not JSON ({error})") from error
        if not isinstance(record.get("text"), str) or not isinstance(record.get("topics"), list):
            raise LabelledDataError(f"{where}: needs a string 'text' and a list 'topics'")
        unknown = set(record["topics"]) - set(topics)
        if unknown:
            raise LabelledDataError(f"{where}: unknown topic(s) {sorted(unknown)}")
        if not isinstance(record.get("commitment"), bool):
            raise LabelledDataError(f"{where}: 'commitment' must be true or false")
        rows.append(Labelled(str(record.get("id", number)), record["text"], frozenset(record["topics"]),
                             record["commitment"], source_group(record, path, number)))
    return rows
