"""Topic timelines for the site: topic summaries, the chart's monthly series, TimelineJS3 JSON."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from db.timelines import SOURCE_KINDS

KIND_COLOURS = {"Parliament": "#006548", "Government": "#1d70b8", "Police": "#912b88", "Other": "#b58840"}
HEADLINE_WORDS = 12


def topic_summaries(topics: list[Any], counts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every taxonomy topic (id, label, description) with its mention counts (zero when never mentioned)."""
    empty = {"mentions": 0, "passages": 0, "first_date": None, "last_date": None}
    return [{"id": t.id, "label": t.label, "description": t.description, **counts.get(t.id, empty)}
            for t in topics]


def month_range(first: str, last: str) -> list[str]:
    """Every month (YYYY-MM) from `first` to `last` inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def chart_series(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Chart data from per-month, per-kind counts: every month in the span, one count list per kind."""
    if not rows:
        return {"months": [], "kinds": [], "counts": {}, "colours": {}, "total": 0}
    months = month_range(min(r["month"] for r in rows), max(r["month"] for r in rows))
    place = {month: index for index, month in enumerate(months)}
    kinds = [kind for kind in SOURCE_KINDS if any(r["source_kind"] == kind for r in rows)]
    counts = {kind: [0] * len(months) for kind in kinds}
    for row in rows:
        counts[row["source_kind"]][place[row["month"]]] += row["mentions"]
    return {"months": months, "kinds": kinds, "counts": counts,
            "colours": {kind: KIND_COLOURS[kind] for kind in kinds},
            "total": sum(r["mentions"] for r in rows)}


def script_json(data: Any) -> str:
    """JSON safe to place inside a <script> element: no `<`, `>` or `&` can close or open a tag."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def headline(quote: str, words: int = HEADLINE_WORDS) -> str:
    """The first words of a quote, with an ellipsis when it was cut."""
    parts = quote.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def timeline_event(passage: dict[str, Any], passage_url: str) -> dict[str, Any]:
    """One TimelineJS3 event for a key passage; every text from the sources is HTML-escaped."""
    year, month, day = passage["date"].split("-")
    who = ", ".join(part for part in (passage.get("speaker_name"), passage.get("office")) if part)
    lines = [f"<blockquote>{escape(passage['quote'])}</blockquote>"]
    if who:
        lines.append(f"<p>{escape(who)}</p>")
    if passage.get("document_title"):
        lines.append(f"<p><em>{escape(passage['document_title'])}</em></p>")
    lines.append(f'<p><a href="{escape(passage_url)}">Passage and citation</a>')
    if passage.get("official_url"):
        lines[-1] += f' · <a href="{escape(passage["official_url"])}">Official source</a>'
    lines[-1] += "</p>"
    return {
        "start_date": {"year": year, "month": month, "day": day},
        "text": {"headline": escape(headline(passage["quote"])), "text": "\n".join(lines)},
        "group": passage["source_kind"],
        "unique_id": passage["sentence_id"],
    }


def timelinejs(topic: Any, passages: list[dict[str, Any]], passage_url) -> dict[str, Any]:
    """A TimelineJS3 document for a topic: a title slide and one event per dated key passage."""
    return {
        "title": {"text": {"headline": escape(topic.label), "text": f"<p>{escape(topic.description)}</p>"}},
        "events": [timeline_event(p, passage_url(p["passage_id"])) for p in passages if p.get("date")],
    }
