"""OSCOLA-style citations for passages: Hansard debates, written answers and statements, and documents.

Only what the stored rows say goes into a citation. When a volume or column is not in our data the
citation leaves it out and its `missing` notes say so; nothing is ever guessed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

HANSARD_SOURCES = {"parlparse", "hansard"}
HOUSE_ABBREVIATIONS = {"Commons": "HC", "Lords": "HL"}
COLUMN_DIGITS = re.compile(r"\d+")
GID_COLUMN = re.compile(r"^\d{4}-\d{2}-\d{2}[a-z]*\.(?P<column>[A-Z]*\d+[A-Z]*)\.\d+$")


@dataclass(frozen=True)
class Citation:
    """A ready-to-copy citation, the style it follows, and what our data could not supply."""

    text: str
    style: str
    missing: list[str] = field(default_factory=list)


def cite(passage: Mapping[str, Any], document: Mapping[str, Any]) -> Citation:
    """The citation for a passage of a document (both as stored rows; `meta` may be JSON text)."""
    if document.get("source") in HANSARD_SOURCES and document.get("house") in HOUSE_ABBREVIATIONS:
        return hansard_citation(passage, document)
    if document.get("kind") == "written_question" and document.get("house") in HOUSE_ABBREVIATIONS:
        return written_question_citation(passage, document)
    if document.get("kind") == "written_statement" and document.get("house") in HOUSE_ABBREVIATIONS:
        return written_statement_citation(passage, document)
    return document_citation(passage, document)


def long_date(value: str | None) -> str | None:
    """`2009-10-29` -> `29 October 2009`; None when the date is missing or not a date."""
    try:
        day = dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
    return f"{day.day} {day:%B %Y}"


def meta_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's `meta` as a dict, whether stored as JSON text or already decoded."""
    meta = row.get("meta")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return {}
    return meta if isinstance(meta, dict) else {}


def column_of(passage: Mapping[str, Any]) -> str | None:
    """The passage's Hansard column as printed in the source (`267`, `21WS`), from its row or its gid."""
    column = passage.get("column_number")
    if column:
        return str(column).strip()
    gid = str(meta_of(passage).get("gid") or "").rsplit("/", 1)[-1]
    match = GID_COLUMN.match(gid)
    return match["column"] if match else None


def volume_of(passage: Mapping[str, Any], document: Mapping[str, Any]) -> str | None:
    """The Hansard volume number when the source recorded one (the Hansard API's VolumeNo)."""
    for meta in (meta_of(passage), meta_of(document)):
        for key in ("VolumeNo", "volume"):
            if meta.get(key) not in (None, "", 0):
                return str(meta[key])
    return None


def column_series(house: str, kind: str | None, chamber: str | None) -> tuple[str, str]:
    """The prefix and suffix Hansard prints around a column number in this part of the record."""
    chamber = (chamber or "").lower()
    if kind == "written_answer":
        return ("WA", "") if house == "Lords" else ("", "W")
    if kind == "written_statement":
        return ("WS", "") if house == "Lords" else ("", "WS")
    if "westminster hall" in chamber:
        return "", "WH"
    if "grand committee" in chamber:
        return "GC", ""
    return "", ""


def printed_column(column: str, house: str, kind: str | None, chamber: str | None) -> str:
    """A column number in the form OSCOLA cites it, e.g. `171` -> `WA171`, `21WS` -> `21WS`."""
    digits = COLUMN_DIGITS.search(column)
    if not digits:
        return column
    prefix, suffix = column_series(house, kind, chamber)
    return f"{prefix}{digits.group()}{suffix}"


def hansard_citation(passage: Mapping[str, Any], document: Mapping[str, Any]) -> Citation:
    """`HC Deb 29 October 2009, vol 498, col 143WH`, leaving out (and noting) what is not recorded."""
    house = document["house"]
    parts, missing = [f"{HOUSE_ABBREVIATIONS[house]} Deb"], []
    date = long_date(passage.get("date") or document.get("date"))
    parts[0] += f" {date}" if date else ""
    if not date:
        missing.append("The sitting date is not recorded.")
    volume = volume_of(passage, document)
    if volume:
        parts.append(f"vol {volume}")
    else:
        missing.append("The volume number is not in our data (ParlParse does not record it); "
                       "take it from the official report.")
    column = column_of(passage)
    if column:
        parts.append(f"col {printed_column(column, house, document.get('kind'), document.get('chamber'))}")
    else:
        missing.append("The column number is not in our data.")
    return Citation(", ".join(parts), "OSCOLA (Hansard)", missing)


def written_question_citation(passage: Mapping[str, Any], document: Mapping[str, Any]) -> Citation:
    """A written question from Parliament's API: house, UIN, date and the question's page."""
    meta, missing = meta_of(document), []
    uin = meta.get("uin")
    parts = [f"{HOUSE_ABBREVIATIONS[document['house']]} Written Question {uin}" if uin
             else f"{HOUSE_ABBREVIATIONS[document['house']]} Written Question"]
    if not uin:
        missing.append("The question's UIN is not in our data.")
    date = long_date(document.get("date"))
    answered = passage.get("kind") in ("answer", "holding_answer")
    if date:
        parts.append(f"{'answered' if answered else 'dated'} {date}")
    else:
        missing.append("The date is not recorded.")
    return Citation(_with_url(", ".join(parts), document), "OSCOLA (written question)", missing)


def written_statement_citation(passage: Mapping[str, Any], document: Mapping[str, Any]) -> Citation:
    """A written statement from Parliament's API: house, its number (e.g. HCWS123), date and page."""
    meta, missing = meta_of(document), []
    number = meta.get("uin")
    house = HOUSE_ABBREVIATIONS[document["house"]]
    parts = [f"{house} Written Statement {number}" if number else f"{house} Written Statement"]
    if not number:
        missing.append("The statement's number is not in our data.")
    date = long_date(document.get("date"))
    if date:
        parts.append(date)
    else:
        missing.append("The date is not recorded.")
    return Citation(_with_url(", ".join(parts), document), "OSCOLA (written statement)", missing)


def document_citation(passage: Mapping[str, Any], document: Mapping[str, Any]) -> Citation:
    """`Publisher, Title (29 October 2009) p 12 <URL>`: publisher, title, date, page for PDFs, URL."""
    missing = []
    publisher = (document.get("publisher") or "").strip()
    if not publisher:
        missing.append("The publisher is not recorded.")
    title = (document.get("title") or passage.get("document_title") or "").strip() or "Untitled document"
    date = long_date(document.get("date"))
    if not date:
        missing.append("The publication date is not recorded.")
    text = ", ".join(p for p in (publisher, title) if p) + f" ({date or 'undated'})"
    if passage.get("page"):
        text += f" p {passage['page']}"
    return Citation(_with_url(text, document), "OSCOLA (document)", missing)


def _with_url(text: str, document: Mapping[str, Any]) -> str:
    """The citation followed by the document's address in angle brackets, as OSCOLA writes URLs."""
    url = document.get("url") or document.get("official_url")
    return f"{text} <{url}>" if url else text
