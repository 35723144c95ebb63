"""Campaigners' curated statuses: a YAML or CSV file in the repository, validated with line and reason."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp.link import STATUS_SCALE

FIELDS = ("commitment", "status", "note", "evidence", "who", "when")
REQUIRED = ("commitment", "status", "who", "when")


class _DatesAsText(yaml.SafeLoader):
    """A safe YAML loader that keeps dates as written, so an impossible date is reported, not raised."""


_DatesAsText.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


class CurationError(ValueError):
    """The curation file is invalid; the message lists every problem as `file:line: reason`."""


@dataclass(frozen=True)
class Curated:
    """One curated status: which commitment, the status, a note, evidence urls, who decided and when."""

    commitment: str
    status: str
    note: str
    evidence: tuple[str, ...]
    who: str
    when: str
    line: int


def _problems(entry: dict, line: int) -> list[str]:
    """Everything wrong with one entry."""
    problems = [f"unknown field {key!r} (expected {', '.join(FIELDS)})" for key in entry if key not in FIELDS]
    problems += [f"missing {name!r}" for name in REQUIRED if entry.get(name) in (None, "")]
    status = entry.get("status")
    if status not in (None, "") and str(status).strip().lower() not in STATUS_SCALE:
        problems.append(f"status {status!r} is not one of: {', '.join(STATUS_SCALE)}")
    when = entry.get("when")
    if when not in (None, ""):
        try:
            day = dt.date.fromisoformat(str(when))
            if day > dt.date.today():
                problems.append(f"'when' {when} is in the future")
        except ValueError:
            problems.append(f"'when' {when!r} is not a date (YYYY-MM-DD)")
    for url in _urls(entry.get("evidence")):
        if not url.startswith(("http://", "https://")):
            problems.append(f"evidence {url!r} is not an http(s) URL")
    return problems


def _urls(value) -> list[str]:
    """Evidence URLs from a YAML list or a CSV cell (separated by spaces, commas or semicolons)."""
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part for part in str(value).replace(";", " ").replace(",", " ").split() if part]


def _yaml_entries(text: str, name: str) -> list[tuple[int, object]]:
    """Top-level list items of a YAML document with their line numbers."""
    try:
        root = yaml.compose(text, Loader=_DatesAsText)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise CurationError(f"{name}:{line}: not valid YAML: {getattr(error, 'problem', error)}") from error
    if root is None:
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise CurationError(
            f"{name}:{root.start_mark.line + 1}: expected a list of entries (lines starting '- ')"
        )
    constructor = _DatesAsText("")
    return [(node.start_mark.line + 1, constructor.construct_object(node, deep=True)) for node in root.value]


def _csv_entries(text: str) -> list[tuple[int, object]]:
    """CSV rows (with a header row) and their line numbers."""
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    for row in reader:
        rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}))
    return rows


def parse_curation(text: str, name: str = "curation") -> list[Curated]:
    """Validate curation text (CSV if `name` ends .csv, else YAML); raise CurationError listing problems."""
    entries = _csv_entries(text) if name.endswith(".csv") else _yaml_entries(text, name)
    errors: list[str] = []
    curated: list[Curated] = []
    seen: dict[str, int] = {}
    for line, entry in entries:
        if not isinstance(entry, dict):
            errors.append(f"{name}:{line}: expected a mapping with {', '.join(REQUIRED)}")
            continue
        problems = _problems(entry, line)
        commitment = str(entry.get("commitment") or "").strip()
        if commitment in seen:
            problems.append(f"commitment {commitment} is already curated at line {seen[commitment]}")
        errors += [f"{name}:{line}: {problem}" for problem in problems]
        if not problems:
            seen[commitment] = line
            curated.append(
                Curated(
                    commitment,
                    str(entry["status"]).strip().lower(),
                    str(entry.get("note") or ""),
                    tuple(_urls(entry.get("evidence"))),
                    str(entry["who"]),
                    str(entry["when"]),
                    line,
                )
            )
    if errors:
        raise CurationError("invalid curation file:\n" + "\n".join(errors))
    return curated


def load_curation(path: Path | None) -> list[Curated]:
    """Read and validate a curation file; no file means nothing curated."""
    if path is None or not path.exists():
        return []
    return parse_curation(path.read_text(encoding="utf-8"), str(path))
