"""Parse Written Questions and Statements API payloads into documents and `questions` rows."""

from __future__ import annotations

import json
from typing import Any

from spiders.api import LICENCE, api_date, expect, flag, member_id, require
from spiders.html_text import html_to_text
from spiders.parsing import clean_text

SOURCE = "questions"
PUBLISHER = "UK Parliament (Written questions and statements)"
WEBSITE = "https://questions-statements.parliament.uk"
QUESTION_FIELDS = ("id", "uin", "dateTabled", "questionText")
STATEMENT_FIELDS = ("id", "dateMade", "title")
TRUNCATED_LENGTH = 255
ELLIPSIS = "..."


def values(payload: Any) -> tuple[list[Any], int | None]:
    """The `value` of each result of a list response, and `totalResults`."""
    results = expect(payload, list, "results")
    total = payload.get("totalResults")
    return [r.get("value") if isinstance(r, dict) else r for r in results], total if isinstance(
        total, int
    ) else None


def single_value(payload: Any) -> Any:
    """The `value` of a single-item response (`{value, links}`)."""
    return expect(payload, dict, "value")


def is_truncated(question: dict[str, Any]) -> bool:
    """Whether a list result's answer was cut short (255 characters and `...`)."""
    answer = question.get("answerText") or ""
    return len(answer) >= TRUNCATED_LENGTH + len(ELLIPSIS) and answer.endswith(ELLIPSIS)


def member(value: Any) -> dict[str, Any]:
    """A member's name and party from an expanded member object (empty when not expanded)."""
    if not isinstance(value, dict):
        return {}
    return {"name": clean_text(value.get("name") or value.get("listAs")) or None, "party": value.get("party")}


def question_records(item: Any, source_url: str, full_answer: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document (question and answer passages) and the `questions` row of one written question."""
    question = require(item, QUESTION_FIELDS, "a written question")
    document = _question_document(question, source_url)
    asking, answering = member(question.get("askingMember")), member(question.get("answeringMember"))
    row = {
        "id": question["id"],
        "document_id": document["id"],
        "uin": str(question["uin"]),
        "house": question.get("house"),
        "heading": clean_text(question.get("heading")) or None,
        "date_tabled": api_date(question["dateTabled"]),
        "date_for_answer": api_date(question.get("dateForAnswer")),
        "date_answered": api_date(question.get("dateAnswered")),
        "date_holding_answer": api_date(question.get("dateHoldingAnswer")),
        "date_answer_corrected": api_date(question.get("dateAnswerCorrected")),
        "asking_member_id": question.get("askingMemberId"),
        "asking_member_name": asking.get("name"),
        "asking_member_party": asking.get("party"),
        "answering_member_id": question.get("answeringMemberId"),
        "answering_member_name": answering.get("name"),
        "answering_body_id": question.get("answeringBodyId"),
        "answering_body": question.get("answeringBodyName"),
        "is_withdrawn": flag(question.get("isWithdrawn")),
        "is_named_day": flag(question.get("isNamedDay")),
        "answer_is_holding": flag(question.get("answerIsHolding")),
        "answer_is_correction": flag(question.get("answerIsCorrection")),
        "answer_truncated": int(not full_answer and is_truncated(question)),
        "original_answer_text": html_to_text(question.get("originalAnswerText")) or None,
        "grouped_questions": json.dumps(question.get("groupedQuestions") or []),
        "attachment_count": question.get("attachmentCount"),
    }
    return document, row


def question_url(question: dict[str, Any]) -> str:
    """The question's page on questions-statements.parliament.uk."""
    return f"{WEBSITE}/written-questions/detail/{api_date(question['dateTabled'])}/{question['uin']}"


def _question_document(question: dict[str, Any], source_url: str) -> dict[str, Any]:
    """A written question as a document: the question, then the answer when there is one."""
    native = f"question/{question['id']}"
    doc_id, url = f"{SOURCE}/{native}", question_url(question)
    asking, answering = member(question.get("askingMember")), member(question.get("answeringMember"))
    answer_kind = "holding_answer" if question.get("answerIsHolding") else "answer"
    texts = [
        ("question", html_to_text(question["questionText"]), asking, question.get("askingMemberId")),
        (answer_kind, html_to_text(question.get("answerText")), answering, question.get("answeringMemberId")),
    ]
    passages = [
        {
            "id": f"{doc_id}/{kind.split('_')[-1]}",
            "position": n,
            "kind": kind,
            "text": text,
            "speaker_name": who.get("name"),
            "speaker_id": member_id(mnis),
            "party": who.get("party"),
            "office": question.get("answeringBodyName") if kind != "question" else None,
            "permalink": url,
            "meta": None,
        }
        for n, (kind, text, who, mnis) in enumerate(t for t in texts if t[1])
    ]
    return {
        "id": doc_id,
        "source": SOURCE,
        "native_id": native,
        "kind": "written_question",
        "title": clean_text(question.get("heading")) or f"Written question {question['uin']}",
        "date": api_date(question.get("dateAnswered")) or api_date(question["dateTabled"]),
        "house": question.get("house"),
        "chamber": "Written questions",
        "publisher": PUBLISHER,
        "url": url,
        "official_url": None,
        "source_url": source_url,
        "licence": LICENCE,
        "parent_id": None,
        "meta": {
            "uin": str(question["uin"]),
            "answering_body": question.get("answeringBodyName"),
            "answer_is_holding": bool(question.get("answerIsHolding")),
            "answer_is_correction": bool(question.get("answerIsCorrection")),
            "date_answer_corrected": api_date(question.get("dateAnswerCorrected")),
        },
        "passages": passages,
    }


def linked_statements(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """A statement's links to other statements (corrections, joint statements)."""
    links = [link for link in statement.get("linkedStatements") or [] if isinstance(link, dict)]
    return [
        {
            "id": link.get("linkedStatementId"),
            "type": link.get("linkType"),
            "date": api_date(link.get("linkDate")),
        }
        for link in links
        if link.get("linkedStatementId")
    ]


def statement_document(item: Any, source_url: str) -> dict[str, Any]:
    """A written statement as a document with one passage, its links kept in meta."""
    statement = require(item, STATEMENT_FIELDS, "a written statement")
    native = f"statement/{statement['id']}"
    doc_id, day = f"{SOURCE}/{native}", api_date(statement["dateMade"])
    url = f"{WEBSITE}/written-statements/detail/{day}/{statement.get('uin') or statement['id']}"
    who = member(statement.get("member"))
    text = html_to_text(statement.get("text"))
    passages = (
        [
            {
                "id": f"{doc_id}/statement",
                "position": 0,
                "kind": "statement",
                "text": text,
                "speaker_name": who.get("name"),
                "speaker_id": member_id(statement.get("memberId")),
                "party": who.get("party"),
                "office": clean_text(statement.get("memberRole")) or None,
                "permalink": url,
                "meta": None,
            }
        ]
        if text
        else []
    )
    return {
        "id": doc_id,
        "source": SOURCE,
        "native_id": native,
        "kind": "written_statement",
        "title": clean_text(statement["title"]),
        "date": day,
        "house": statement.get("house"),
        "chamber": "Written statements",
        "publisher": PUBLISHER,
        "url": url,
        "official_url": None,
        "source_url": source_url,
        "licence": LICENCE,
        "parent_id": None,
        "meta": {
            "uin": statement.get("uin"),
            "answering_body": statement.get("answeringBodyName"),
            "notice_number": statement.get("noticeNumber"),
            "linked_statements": linked_statements(statement),
        },
        "passages": passages,
    }
