"""What the site's own pages show, built from db.search and db.site: navigation, search page, passage page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from db import search
from pursuit.citation import cite

SEARCH_TARGETS = ("passages", "sentences")
FACET_LABELS = {"topic": "Topic", "house": "House", "kind": "Kind of document", "speaker": "Speaker",
                "party": "Party", "year": "Year"}
SYNTAX_EXAMPLES = [
    ("stalking protection", "both words, anywhere in the passage"),
    ('"coercive control"', "the exact phrase"),
    ("stalking AND police", "both (AND is what two words mean anyway)"),
    ("stalking OR harassment", "either word"),
    ("domestic NOT violence", "the first word without the second (exclusion)"),
    ("stalk*", "any word starting with stalk: stalking, stalker, stalkers"),
    ('"serious violence" AND (duty OR duties)', "a phrase with either of two words; brackets group"),
]
PARTY_NOTE = ("Party is known only where the source gives it: the Bills API (amendment sponsors) and "
              "Parliament's written questions and statements when the member is expanded. ParlParse and "
              "Hansard API speeches carry member ids but no party, so filtering by party leaves them out.")


def http_url(value: str | None) -> str | None:
    """The value if it is an http(s) address, else None, so stored text never becomes a javascript: link."""
    if not value or not isinstance(value, str):
        return None
    return value if urlsplit(value.strip()).scheme.lower() in ("http", "https") else None


def passage_path(passage_id: str) -> str:
    """The site path of a passage's page; its id keeps its slashes, anything else unsafe is escaped."""
    return "/-/passage/" + quote(passage_id, safe="/")


def nav_links(database: str) -> list[tuple[str, str]]:
    """The navigation bar shown on every page: (label, href)."""
    return [
        ("Home", "/"), ("Search", "/-/search"), ("Topics and timelines", "/-/topics"),
        ("Commitments", "/-/commitments"), ("Search by meaning", "/-/semantic"),
        ("All data", f"/{database}"),
    ]


def search_request(args: Mapping[str, str]) -> dict[str, Any]:
    """The search the visitor asked for, from the query string: words, target, filters and page."""
    target = args.get("in") if args.get("in") in SEARCH_TARGETS else "passages"
    try:
        page = max(1, int(args.get("page") or 1))
    except ValueError:
        page = 1
    filters = {name: (args.get(name) or "").strip() for name in search.FILTERS}
    return {"q": (args.get("q") or "").strip(), "target": target, "page": page, "filters": filters}


def search_url(asked: Mapping[str, Any], **changes: Any) -> str:
    """The search page's URL for this search with some filters (or the page) changed; '' removes one."""
    values = {"q": asked["q"], "in": asked["target"], **asked["filters"], "page": asked["page"], **changes}
    if values.get("page") == 1:
        values.pop("page")
    if values.get("in") == "passages":
        values.pop("in")
    return "/-/search?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


def feed_url(database: str, asked: Mapping[str, Any]) -> str:
    """The Atom feed of the newest passages matching this search, with its filters."""
    params = {"q": asked["q"], **{k: v for k, v in asked["filters"].items() if v}}
    return f"/{database}/search_feed.atom?" + urlencode(params)


def facet_links(asked: Mapping[str, Any], facets: Mapping[str, list[tuple[Any, int]]]
                ) -> list[dict[str, Any]]:
    """Each facet with its values, counts and the link that selects (or, when selected, clears) it."""
    shown = []
    for name, label in FACET_LABELS.items():
        selected = asked["filters"].get(name, "")
        values = [{"value": value, "count": count, "selected": str(value) == selected,
                   "href": search_url(asked, **{name: "" if str(value) == selected else value, "page": 1})}
                  for value, count in facets.get(name, [])]
        shown.append({"name": name, "label": label, "options": values, "selected": selected,
                      "clear_url": search_url(asked, **{name: "", "page": 1}) if selected else None})
    return shown


def results_context(asked: Mapping[str, Any], results: search.SearchResults, database: str) -> dict[str, Any]:
    """Template variables for a page of results: rows with snippet parts and links, facets, paging."""
    rows = [{**row, "snippet_parts": search.snippet_parts(row["snippet"]),
             "href": passage_path(row["passage_id"])} for row in results.rows]
    ranked = min(results.total, search.CANDIDATES)
    last_page = max(1, -(-ranked // search.PAGE_SIZE))
    return {
        "rows": rows, "total": results.total, "facets": facet_links(asked, results.facets),
        "total_capped": results.total_capped, "bounded": results.bounded, "candidates": search.CANDIDATES,
        "feed_url": feed_url(database, asked), "last_page": last_page,
        "previous_url": search_url(asked, page=asked["page"] - 1) if asked["page"] > 1 else None,
        "next_url": search_url(asked, page=asked["page"] + 1) if asked["page"] < last_page else None,
        "first_rank": (asked["page"] - 1) * search.PAGE_SIZE + 1,
    }


def passage_context(view: Mapping[str, Any]) -> dict[str, Any]:
    """Template variables for a passage page: the stored rows, links and its citation."""
    passage, document = view["passage"], view["document"]
    citation = cite(passage, document)
    neighbours = {key: ({**view[key], "href": passage_path(view[key]["id"])} if view[key] else None)
                  for key in ("previous", "next")}
    return {**view, **neighbours, "citation": citation,
            "source_link": http_url(passage.get("permalink")) or http_url(document.get("url")),
            "official_link": http_url(passage.get("official_url")) or http_url(document.get("official_url")),
            "topics": sorted({m["topic"] for m in view["mentions"]})}
