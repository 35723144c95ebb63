"""Parse GOV.UK Search API pages and Content API items into documents, redirects and follow-ups."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit
from zoneinfo import ZoneInfo

from spiders import govspeak
from spiders.parsing import clean_text

SOURCE = "govuk"
LICENCE = "Open Government Licence v3.0"
WEB = "https://www.gov.uk"
HOSTS = ("www.gov.uk", "gov.uk", "assets.publishing.service.gov.uk", "assets.digital.cabinet-office.gov.uk")
LONDON = ZoneInfo("Europe/London")
DEFAULT_ORGANISATIONS = (
    "home-office", "ministry-of-justice", "attorney-generals-office", "crown-prosecution-service",
    "hm-inspectorate-of-constabulary-and-fire-rescue-services", "college-of-policing",
)
SEARCH_FIELDS = ("link", "title", "public_timestamp", "document_type", "format")
KINDS = {
    "press_release": "government_press_release", "news_story": "government_press_release",
    "speech": "government_speech", "authored_article": "government_speech",
    "oral_statement": "ministerial_statement", "written_statement": "ministerial_statement",
    "open_consultation": "government_consultation", "closed_consultation": "government_consultation",
    "consultation_outcome": "government_consultation", "document_collection": "document_collection",
    "gone": "gone",
}
BODY_FIELDS = (("body", ()), ("final_outcome_detail", ("Consultation outcome",)),
               ("public_feedback_detail", ("Feedback received",)))


class ContentError(ValueError):
    """A response that is not a usable GOV.UK API payload; the message says why."""


@dataclass(frozen=True)
class Attachment:
    """A PDF attached to a content item."""

    url: str
    title: str
    attachment_id: str
    number_of_pages: int | None = None


@dataclass
class ParsedItem:
    """What one content item gives: documents, redirects, HTML publications to follow and PDFs to fetch."""

    schema: str
    documents: list[dict[str, Any]] = field(default_factory=list)
    redirects: list[dict[str, str]] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    """One search hit: the item's base path and its public timestamp."""

    base_path: str
    public_timestamp: str
    title: str


@dataclass(frozen=True)
class SearchPage:
    """One page of search results with the total the API reports."""

    results: list[SearchResult]
    total: int
    start: int


def load_json(body: bytes, what: str) -> dict[str, Any]:
    """Decode a JSON object, or raise ContentError naming what was expected."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ContentError(f"not JSON: {what} could not be decoded ({error})") from error
    except RecursionError as error:
        raise ContentError(f"not JSON: {what} is nested too deeply to decode") from error
    if not isinstance(data, dict):
        raise ContentError(f"not a {what}: expected a JSON object, got {type(data).__name__}")
    return data


def search_url(base: str, term: str, organisations: list[str], start: int, count: int,
               since: dt.date | None, until: dt.date | None) -> str:
    """The Search API URL for one page of a term's results, newest first."""
    params: list[tuple[str, str | int]] = [("q", term), ("order", "-public_timestamp"),
                                           ("start", start), ("count", count)]
    params += [("filter_organisations", org) for org in organisations]
    params += [("fields", name) for name in SEARCH_FIELDS]
    window = ",".join(f"{edge}:{day.isoformat()}" for edge, day in (("from", since), ("to", until)) if day)
    if window:
        params.append(("filter_public_timestamp", window))
    return f"{base}api/search.json?{urlencode(params)}"


def parse_search(body: bytes) -> SearchPage:
    """Results (GOV.UK links only, external ones skipped), total and start of a Search API page."""
    data = load_json(body, "Search API response")
    if not isinstance(data.get("results"), list) or not isinstance(data.get("total"), int):
        raise ContentError("not a Search API response: no `results` list or `total` count")
    results = []
    for hit in data["results"]:
        link = hit.get("link") if isinstance(hit, dict) else None
        if isinstance(link, str) and link.startswith("/"):
            results.append(SearchResult(link, hit.get("public_timestamp") or "", hit.get("title") or ""))
    return SearchPage(results, data["total"], int(data.get("start") or 0))


def document_id(base_path: str) -> str:
    """The stored id of a GOV.UK item: `govuk/<base path>`."""
    return f"{SOURCE}/{base_path.strip('/')}"


def _moment(timestamp: str | None) -> dt.datetime | None:
    """An ISO timestamp as an aware datetime (UTC when no offset is given); None if unreadable."""
    try:
        moment = dt.datetime.fromisoformat((timestamp or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def london_date(timestamp: str | None) -> str | None:
    """The UK calendar date of an ISO timestamp (None if missing or unreadable)."""
    moment = _moment(timestamp)
    return moment.astimezone(LONDON).date().isoformat() if moment else None


def link_titles(item: dict[str, Any], key: str) -> list[str]:
    """Titles of the expanded links under `key` (e.g. organisations, people)."""
    return [link["title"] for link in item.get("links", {}).get(key) or [] if link.get("title")]


def change_notes(item: dict[str, Any]) -> list[dict[str, str]]:
    """The change history's updates (not the first publication), oldest first, as revision notes."""
    history = item.get("details", {}).get("change_history") or []
    entries = sorted((e for e in history if _moment(e.get("public_timestamp"))),
                     key=lambda e: _moment(e["public_timestamp"]))
    return [{"revised_at": e["public_timestamp"], "note": clean_text(e.get("note"))} for e in entries[1:]]


def _withdrawn(item: dict[str, Any]) -> dict[str, Any] | None:
    """The withdrawal notice as clean text and date, if the item is withdrawn."""
    notice = item.get("withdrawn_notice") or {}
    if not notice.get("explanation") and not notice.get("withdrawn_at"):
        return None
    text = " ".join(p.text for p in govspeak.paragraphs(notice.get("explanation") or ""))
    return {"explanation": text, "withdrawn_at": notice.get("withdrawn_at")}


def _passage(doc_id: str, url: str, kind: str, text: str, speaker: str | None,
             headings: tuple[str, ...] = (), anchor: str | None = None, n: int = 0) -> dict[str, Any]:
    """One paragraph passage with its heading trail in meta."""
    return {
        "id": f"{doc_id}/p{n + 1}", "position": n, "kind": kind, "text": text,
        "speaker_name": speaker, "permalink": f"{url}#{anchor}" if anchor else url,
        "meta": {"headings": list(headings)} if headings else None,
    }


def item_passages(item: dict[str, Any], doc_id: str, url: str) -> list[dict[str, Any]]:
    """The withdrawal notice, the summary and every paragraph of the item's HTML fields, in order."""
    speech = item.get("schema_name") == "speech"
    speaker = next(iter(link_titles(item, "speaker")), None) if speech else None
    parts: list[tuple[str, str, tuple[str, ...], str | None]] = []
    withdrawn = _withdrawn(item)
    if withdrawn and withdrawn["explanation"]:
        day = london_date(withdrawn["withdrawn_at"])
        parts.append(("withdrawn_notice", f"Withdrawn{f' on {day}' if day else ''}: "
                      f"{withdrawn['explanation']}", (), None))
    if clean_text(item.get("description")):
        parts.append(("summary", clean_text(item["description"]), (), None))
    details = item.get("details") or {}
    for name, context in BODY_FIELDS:
        if isinstance(details.get(name), str):
            for p in govspeak.paragraphs(details[name]):
                parts.append(("paragraph", p.text, context + p.headings, p.anchor))
    return [
        _passage(doc_id, url, kind, text, speaker if kind == "paragraph" else None, heads, anchor, n)
        for n, (kind, text, heads, anchor) in enumerate(parts)
    ]


def attachments(item: dict[str, Any]) -> list[Attachment]:
    """PDF attachments, from `details.attachments` and from links in the older `details.documents` HTML."""
    details = item.get("details") or {}
    found: dict[str, Attachment] = {}
    for a in details.get("attachments") or []:
        url = a.get("url") or ""
        if a.get("content_type") == "application/pdf" or url.lower().endswith(".pdf"):
            found.setdefault(url, Attachment(urljoin(WEB, url), clean_text(a.get("title")) or url,
                                             a.get("id") or url.rsplit("/", 1)[-1], a.get("number_of_pages")))
    for fragment in details.get("documents") or []:
        for href, text in govspeak.links(fragment if isinstance(fragment, str) else ""):
            url = urljoin(WEB, href)
            if urlsplit(url).path.lower().endswith(".pdf") and text and url not in found:
                found[url] = Attachment(url, text, url.rsplit("/", 1)[-1])
    return list(found.values())


def children(item: dict[str, Any]) -> list[str]:
    """Base paths of the HTML publications (full texts) that belong to the item."""
    return [
        link["base_path"] for link in item.get("links", {}).get("children") or []
        if link.get("document_type") == "html_publication" and link.get("base_path")
    ]


def _meta(item: dict[str, Any]) -> dict[str, Any]:
    """The item's descriptive fields worth keeping: type, organisations, people, dates, history, notices."""
    details = item.get("details") or {}
    return {k: v for k, v in {
        "content_id": item.get("content_id"), "document_type": item.get("document_type"),
        "schema_name": item.get("schema_name"), "base_path": item.get("base_path"),
        "organisations": link_titles(item, "organisations"), "people": link_titles(item, "people"),
        "speaker": link_titles(item, "speaker"), "roles": link_titles(item, "roles"),
        "first_published_at": item.get("first_published_at") or details.get("first_public_at"),
        "public_updated_at": item.get("public_updated_at"),
        "delivered_on": details.get("delivered_on"),
        "change_history": details.get("change_history"), "withdrawn": _withdrawn(item),
        "government": (details.get("government") or {}).get("title"),
        "political": details.get("political"),
    }.items() if v not in (None, [], "")}


def publisher(item: dict[str, Any]) -> str:
    """The primary publishing organisation, else the first organisation, else GOV.UK."""
    names = link_titles(item, "primary_publishing_organisation") or link_titles(item, "organisations")
    return names[0] if names else "GOV.UK"


def _parent_id(item: dict[str, Any], parent_id: str | None) -> str | None:
    """The parent given by the crawl, else the item's own `links.parent`."""
    if parent_id or item.get("schema_name") != "html_publication":
        return parent_id
    parents = [p.get("base_path") for p in item.get("links", {}).get("parent") or [] if p.get("base_path")]
    return document_id(parents[0]) if parents else None


def content_document(item: dict[str, Any], source_url: str, parent_id: str | None) -> dict[str, Any]:
    """A document with its paragraph passages from a live content item."""
    base_path = item["base_path"]
    doc_id, url = document_id(base_path), WEB + base_path
    meta = _meta(item)
    day = london_date(meta.get("first_published_at") or item.get("public_updated_at")
                      or (item.get("details") or {}).get("public_timestamp"))
    return {
        "id": doc_id, "source": SOURCE, "native_id": base_path.strip("/"),
        "kind": KINDS.get(item.get("document_type"), "government_publication"),
        "title": clean_text(item.get("title")) or base_path, "date": day, "house": None, "chamber": None,
        "publisher": publisher(item), "url": url, "official_url": None, "source_url": source_url,
        "licence": LICENCE, "parent_id": _parent_id(item, parent_id), "meta": meta,
        "passages": item_passages(item, doc_id, url), "change_notes": change_notes(item),
    }


def gone_document(item: dict[str, Any], source_url: str) -> dict[str, Any]:
    """A passage-less record that GOV.UK removed the item (any earlier text stays in revisions)."""
    details = item.get("details") or {}
    explanation = " ".join(p.text for p in govspeak.paragraphs(details.get("explanation") or ""))
    base_path = item["base_path"]
    return {
        "id": document_id(base_path), "source": SOURCE, "native_id": base_path.strip("/"), "kind": "gone",
        "title": f"Removed from GOV.UK: {base_path}", "date": london_date(item.get("public_updated_at")),
        "house": None, "chamber": None, "publisher": "GOV.UK", "url": WEB + base_path,
        "official_url": None, "source_url": source_url, "licence": LICENCE, "parent_id": None,
        "meta": {"schema_name": "gone", "explanation": explanation or None,
                 "alternative_path": details.get("alternative_path") or None},
        "passages": [],
    }


def redirect_rows(item: dict[str, Any]) -> list[dict[str, str]]:
    """Old id -> new id rows for each GOV.UK path the redirect item moves elsewhere."""
    rows = []
    for redirect in item.get("redirects") or []:
        path, destination = redirect.get("path"), redirect.get("destination") or ""
        target = urlsplit(destination).path
        if path and target.startswith("/"):
            rows.append({"old_id": document_id(path), "new_id": document_id(target),
                         "matchtype": redirect.get("type") or "exact"})
    return rows


def parse_item(body: bytes, source_url: str, parent_id: str | None = None) -> ParsedItem:
    """Parse one Content API response: a live item, a `gone` record or a `redirect`."""
    item = load_json(body, "Content API item")
    schema = item.get("schema_name")
    if not isinstance(item.get("base_path"), str) or not isinstance(schema, str):
        raise ContentError("not a Content API item: no `base_path` or `schema_name`")
    if schema == "redirect":
        return ParsedItem(schema, redirects=redirect_rows(item))
    if schema == "gone":
        return ParsedItem(schema, documents=[gone_document(item, source_url)])
    document = content_document(item, source_url, parent_id)
    return ParsedItem(schema, [document], [], children(item), attachments(item))


def attachment_document(parent: dict[str, Any], attachment: Attachment, source_url: str) -> dict[str, Any]:
    """The fields of a PDF attachment's document, before its pages are added."""
    native = f"{parent['native_id']}/attachments/{attachment.attachment_id}"
    return {
        "id": f"{SOURCE}/{native}", "source": SOURCE, "native_id": native, "kind": "pdf_attachment",
        "title": attachment.title, "date": parent.get("date"), "house": None, "chamber": None,
        "publisher": parent.get("publisher"), "official_url": None, "source_url": source_url,
        "licence": LICENCE, "parent_id": parent["id"],
        "meta": {"listed_pages": attachment.number_of_pages, "parent_title": parent.get("title")},
    }
