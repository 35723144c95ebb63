"""Parse Hansard API payloads (calendar, sections, section trees, debates, contribution search)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from spiders.api import LICENCE, ApiError, MissingField, api_date, api_time, expect, member_id, require
from spiders.html_text import column_markers, html_to_text
from spiders.parsing import clean_text, normalise_time

SOURCE = "hansard"
PUBLISHER = "UK Parliament (Hansard)"
WEBSITE = "https://hansard.parliament.uk"
COLUMN_TAG = "hs_columnnumber"
OVERVIEW_FIELDS = ("ExtId", "Title", "Date", "House")


@dataclass
class ParsedDebate:
    """A debate and its child debates as documents, plus items that could not be used."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def sitting_days(payload: Any) -> list[str]:
    """The sitting days (YYYY-MM-DD) listed by `/overview/calendar.json`."""
    items = expect(payload, list)
    return sorted(
        {day for item in items if isinstance(item, dict) and (day := api_date(item.get("ItemDate")))}
    )


def section_names(payload: Any) -> list[str]:
    """The section names listed by `/overview/sectionsforday.json` (the Commons chamber is `Debate`)."""
    return [name for name in expect(payload, list) if isinstance(name, str) and name.strip()]


def root_debate_ids(payload: Any) -> list[str]:
    """External ids of the top-level debates in `/overview/sectiontrees.json` (children come with them)."""
    ids: list[str] = []
    for tree in expect(payload, list):
        items = tree.get("SectionTreeItems") if isinstance(tree, dict) else None
        for item in items or []:
            if isinstance(item, dict) and item.get("ParentId") is None and item.get("ExternalId"):
                ids.append(str(item["ExternalId"]))
    return list(dict.fromkeys(ids))


def search_page(payload: Any) -> tuple[list[str], int, int | None]:
    """Debate external ids on one page of `/search/contributions/...`, the page's length and the total."""
    results = expect(payload, list, "Results")
    ids = [
        str(r["DebateSectionExtId"]) for r in results if isinstance(r, dict) and r.get("DebateSectionExtId")
    ]
    total = payload.get("TotalResultCount")
    return list(dict.fromkeys(ids)), len(results), total if isinstance(total, int) else None


def slug(title: str) -> str:
    """The title part of a hansard.parliament.uk debate URL: its letters and digits run together."""
    return re.sub(r"[^A-Za-z0-9]", "", title) or "Debate"


def debate_url(house: str, day: str, ext_id: str, title: str) -> str:
    """The debate's page on hansard.parliament.uk."""
    return f"{WEBSITE}/{house.lower()}/{day}/debates/{ext_id.lower()}/{slug(title)}"


def document_id(ext_id: str) -> str:
    """The stored id of a debate: `hansard/<external id, lower case>`."""
    return f"{SOURCE}/{ext_id.lower()}"


def parse_debate(payload: Any, source_url: str, parent_id: str | None = None) -> ParsedDebate:
    """A `/debates/debate/{ExtId}.json` payload as documents: this debate, then each child debate."""
    if not isinstance(payload, dict):
        raise ApiError(f"unexpected shape: the response is {type(payload).__name__}, not object")
    try:
        overview = require(payload.get("Overview"), OVERVIEW_FIELDS, "the debate's Overview")
    except MissingField as error:
        raise ApiError(f"missing required field: {error}") from error
    parsed = ParsedDebate()
    parent = navigator_parent(payload.get("Navigator"), str(overview["ExtId"]))
    document = _document(overview, source_url, parent or parent_id)
    document["passages"] = _passages(document, payload.get("Items") or [], parsed.problems)
    parsed.documents.append(document)
    for child in payload.get("ChildDebates") or []:
        try:
            inner = parse_debate(child, source_url, document["id"])
        except ApiError as error:
            parsed.problems.append(f"a child debate of {overview['ExtId']}: {error}")
            continue
        parsed.documents += inner.documents
        parsed.problems += inner.problems
    return parsed


def navigator_parent(navigator: Any, ext_id: str) -> str | None:
    """The stored id of a debate's parent debate, from the breadcrumbs of its Navigator."""
    items = [i for i in navigator or [] if isinstance(i, dict)]
    by_id = {i.get("Id"): i for i in items if i.get("Id") is not None}
    own = next((i for i in items if str(i.get("ExternalId") or "").lower() == ext_id.lower()), None)
    parent = by_id.get(own.get("ParentId")) if own else None
    return document_id(str(parent["ExternalId"])) if parent and parent.get("ExternalId") else None


def _document(overview: dict[str, Any], source_url: str, parent_id: str | None) -> dict[str, Any]:
    """The document row of one debate from its Overview."""
    ext_id, day, house = str(overview["ExtId"]), api_date(overview["Date"]), str(overview["House"])
    title = clean_text(str(overview["Title"]))
    if day is None:
        raise ApiError(f"unexpected shape: Overview.Date {overview['Date']!r} is not a date")
    meta_fields = ("HRSTag", "VolumeNo", "Source", "ContentLastUpdated", "DebateTypeId", "SectionType")
    return {
        "id": document_id(ext_id),
        "source": SOURCE,
        "native_id": ext_id.lower(),
        "kind": "hansard_debate",
        "title": title,
        "date": day,
        "house": house,
        "chamber": overview.get("Location"),
        "publisher": PUBLISHER,
        "url": debate_url(house, day, ext_id, title),
        "official_url": None,
        "source_url": source_url,
        "licence": LICENCE,
        "parent_id": parent_id,
        "meta": {
            "ext_id": ext_id,
            **{k: overview.get(k) for k in meta_fields if overview.get(k) is not None},
        },
    }


def _passages(document: dict[str, Any], items: list[Any], problems: list[str]) -> list[dict[str, Any]]:
    """Each contribution of a debate as a passage, with the column it starts in."""
    passages: list[dict[str, Any]] = []
    column = None
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"{document['id']} item {number} is not an object")
            continue
        if str(item.get("HRSTag") or "").lower() == COLUMN_TAG:
            column = clean_text(html_to_text(item.get("Value"))) or column
            continue
        value = item.get("Value")
        start_column, markers = column, column_markers(value)
        column = markers[-1] if markers else column
        if item.get("ItemType") != "Contribution":
            continue
        text = html_to_text(value)
        if text:
            passages.append(_passage(document, item, len(passages), text, start_column))
    return passages


def _passage(
    document: dict[str, Any], item: dict[str, Any], position: int, text: str, column: str | None
) -> dict[str, Any]:
    """One contribution: speaker, member id, text, column, time and a permalink to it."""
    ext_id = str(item.get("ExternalId") or "")
    local = ext_id.lower() if ext_id else f"item-{item.get('ItemId', position)}"
    timecode = item.get("Timecode")
    meta_fields = ("ItemId", "HRSTag", "HansardSection", "UIN", "OrderInSection", "IsReiteration", "Timecode")
    return {
        "id": f"{document['id']}/{local}",
        "position": position,
        "kind": "question" if item.get("HRSTag") == "hs_8Question" else "speech",
        "speaker_name": clean_text(item.get("AttributedTo")) or None,
        "speaker_id": member_id(item.get("MemberId")),
        "person_id": None,
        "party": None,
        "office": None,
        "column_number": column,
        "time": api_time(timecode) or normalise_time(timecode if isinstance(timecode, str) else None),
        "permalink": f"{document['url']}#contribution-{ext_id}" if ext_id else document["url"],
        "official_url": None,
        "text": text,
        "meta": {
            "ext_id": ext_id or None,
            **{k: item.get(k) for k in meta_fields if item.get(k) is not None},
        },
    }
