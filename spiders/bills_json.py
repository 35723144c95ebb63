"""Parse Bills API payloads: bill summaries, stages, amendment lists and amendment details."""

from __future__ import annotations

import json
from typing import Any

from spiders.api import LICENCE, api_date, flag, member_id, require
from spiders.html_text import html_to_text
from spiders.parsing import clean_text

SOURCE = "bills"
PUBLISHER = "UK Parliament (Bills API)"
WEBSITE = "https://bills.parliament.uk"
BILL_FIELDS = ("billId", "shortTitle")
STAGE_FIELDS = ("id", "description")
AMENDMENT_FIELDS = ("amendmentId",)


def bill_row(item: Any) -> dict[str, Any]:
    """A `bills` row from a bill summary; MissingField when it has no id or title."""
    bill = require(item, BILL_FIELDS, "a bill")
    stage = bill.get("currentStage") if isinstance(bill.get("currentStage"), dict) else {}
    return {
        "bill_id": bill["billId"],
        "short_title": clean_text(bill["shortTitle"]),
        "former_short_title": clean_text(bill.get("formerShortTitle")) or None,
        "current_house": bill.get("currentHouse"),
        "originating_house": bill.get("originatingHouse"),
        "last_update": bill.get("lastUpdate"),
        "is_act": flag(bill.get("isAct")),
        "is_defeated": flag(bill.get("isDefeated")),
        "withdrawn": bill.get("billWithdrawn"),
        "bill_type_id": bill.get("billTypeId"),
        "introduced_session_id": bill.get("introducedSessionId"),
        "current_stage": stage.get("description"),
        "current_stage_house": stage.get("house"),
        "url": f"{WEBSITE}/bills/{bill['billId']}",
    }


def sitting_dates(stage: dict[str, Any]) -> list[str]:
    """The sitting days of a stage, in order."""
    sittings = stage.get("stageSittings") or []
    return sorted({d for s in sittings if isinstance(s, dict) and (d := api_date(s.get("date")))})


def stage_row(item: Any, bill_id: int) -> dict[str, Any]:
    """A `bill_stages` row from a stage summary; MissingField when it has no id or description."""
    stage = require(item, STAGE_FIELDS, "a stage")
    days = sitting_dates(stage)
    return {
        "bill_stage_id": stage["id"],
        "bill_id": stage.get("billId") or bill_id,
        "stage_id": stage.get("stageId"),
        "session_id": stage.get("sessionId"),
        "description": clean_text(stage["description"]),
        "abbreviation": stage.get("abbreviation"),
        "house": stage.get("house"),
        "sort_order": stage.get("sortOrder"),
        "first_sitting_date": days[0] if days else None,
        "last_sitting_date": days[-1] if days else None,
        "sitting_dates": json.dumps(days),
    }


def sponsors(amendment: dict[str, Any]) -> list[dict[str, Any]]:
    """The amendment's sponsors, lead sponsor first, then in the API's sort order."""
    people = [s for s in amendment.get("sponsors") or [] if isinstance(s, dict)]
    people.sort(key=lambda s: (not s.get("isLead"), s.get("sortOrder") or 0))
    return [
        {
            "member_id": s.get("memberId"),
            "name": s.get("name"),
            "party": s.get("party"),
            "house": s.get("house"),
            "member_from": s.get("memberFrom"),
            "is_lead": bool(s.get("isLead")),
        }
        for s in people
    ]


def amendment_text(amendment: dict[str, Any]) -> str:
    """The amendment's words: its text lines when the detail gave them, else its summary."""
    lines = [
        html_to_text(line.get("text"))
        for line in amendment.get("amendmentLines") or []
        if isinstance(line, dict) and not line.get("isImage")
    ]
    lines = [line for line in lines if line]
    if lines:
        return "\n".join(lines)
    summary = amendment.get("summaryText") or []
    return "\n".join(clean_text(s) for s in (summary if isinstance(summary, list) else [summary]) if s)


def amendment_records(
    item: Any, bill: dict[str, Any], stage: dict[str, Any], source_url: str, detailed: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document (with passages) and the `amendments` row of one amendment at one stage."""
    amendment = require(item, AMENDMENT_FIELDS, "an amendment")
    document = _amendment_document(amendment, bill, stage, source_url)
    people = sponsors(amendment)
    lead = people[0] if people else {}
    explanatory = html_to_text(amendment.get("explanatoryText"))
    row = {
        "id": document["id"],
        "document_id": document["id"],
        "amendment_id": amendment["amendmentId"],
        "bill_id": bill["bill_id"],
        "bill_stage_id": stage["bill_stage_id"],
        "bill_title": bill["short_title"],
        "stage": stage["description"],
        "stage_house": stage["house"],
        "number": amendment.get("marshalledListText"),
        "dnum": amendment.get("dNum"),
        "amendment_type": amendment.get("amendmentType"),
        "clause": amendment.get("clause"),
        "schedule": amendment.get("schedule"),
        "page_number": amendment.get("pageNumber"),
        "line_number": amendment.get("lineNumber"),
        "position": amendment.get("amendmentPosition") or None,
        "summary": "\n".join(amendment.get("summaryText") or []) or None,
        "text": amendment_text(amendment),
        "explanatory_text": explanatory or None,
        "status_indicator": amendment.get("statusIndicator"),
        "decision": amendment.get("decision"),
        "decision_explanation": amendment.get("decisionExplanation"),
        "lead_sponsor_name": lead.get("name"),
        "lead_sponsor_id": lead.get("member_id"),
        "lead_sponsor_party": lead.get("party"),
        "lead_sponsor_house": lead.get("house"),
        "sponsor_count": len(people),
        "sponsors": json.dumps(people, ensure_ascii=False),
        "first_sitting_date": stage["first_sitting_date"],
        "last_sitting_date": stage["last_sitting_date"],
        "detail_fetched": int(detailed),
    }
    return document, row


def _amendment_document(
    amendment: dict[str, Any], bill: dict[str, Any], stage: dict[str, Any], source_url: str
) -> dict[str, Any]:
    """An amendment as a document: its text and explanatory statement are the passages."""
    native = f"amendment/{stage['bill_stage_id']}/{amendment['amendmentId']}"
    number = amendment.get("marshalledListText") or str(amendment["amendmentId"])
    stage_url = f"{WEBSITE}/bills/{bill['bill_id']}/stages/{stage['bill_stage_id']}"
    url = f"{stage_url}/amendments/{amendment['amendmentId']}"
    document = {
        "id": f"{SOURCE}/{native}",
        "source": SOURCE,
        "native_id": native,
        "kind": "amendment",
        "title": f"{bill['short_title']}: amendment {number} ({stage['description']}, {stage['house']})",
        "date": stage["first_sitting_date"],
        "house": stage["house"],
        "chamber": None,
        "publisher": PUBLISHER,
        "url": url,
        "official_url": None,
        "source_url": source_url,
        "licence": LICENCE,
        "parent_id": None,
        "meta": {
            "bill_id": bill["bill_id"],
            "bill_stage_id": stage["bill_stage_id"],
            "number": number,
            "decision": amendment.get("decision"),
            "decision_explanation": amendment.get("decisionExplanation"),
        },
    }
    lead = (sponsors(amendment) or [{}])[0]
    texts = [
        ("amendment", amendment_text(amendment)),
        ("explanatory_statement", html_to_text(amendment.get("explanatoryText"))),
    ]
    document["passages"] = [
        {
            "id": f"{document['id']}/{kind}",
            "position": n,
            "kind": kind,
            "text": text,
            "speaker_name": lead.get("name"),
            "speaker_id": member_id(lead.get("member_id")),
            "party": lead.get("party"),
            "permalink": url,
            "meta": None,
        }
        for n, (kind, text) in enumerate(t for t in texts if t[1])
    ]
    return document
