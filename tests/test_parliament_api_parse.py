"""Parsing the Hansard, Bills and Written Questions API payloads, and spider callbacks, without a reactor."""

from __future__ import annotations

import json

import pytest
from conftest import RESPONSES
from scrapy import Request
from scrapy.http import TextResponse

from spiders.api import ApiError, MissingField, next_skip, request_key
from spiders.bills_json import amendment_records, bill_row, stage_row
from spiders.hansard_json import parse_debate, root_debate_ids, search_page, sitting_days
from spiders.html_text import html_to_text
from spiders.items import DocumentBatch, Reject
from spiders.questions_json import is_truncated, question_records, statement_document, values
from spiders.sources.bills import BillsSpider

HANSARD, BILLS, QUESTIONS = (RESPONSES / name for name in ("hansard", "bills", "questions"))
D1 = "5E7D0C1A-0000-4000-8000-000000000101"


def saved(folder, name):
    """A saved response decoded from JSON."""
    return json.loads((folder / name).read_text(encoding="utf-8"))


def test_html_is_stripped_to_paragraphs_without_scripts_or_markup():
    html = '<p class="hs_Para">Stalking &amp; <em>harassment</em></p><script>alert(1)</script>'
    html += "<p>Two<br>lines</p>"
    assert html_to_text(html) == "Stalking & harassment\n\nTwo lines"
    assert html_to_text("<Question>What is <b>being</b> done?</Question>") == "What is being done?"
    assert (
        html_to_text('<p>Words<span class="column-number" data-column-number="12">c</span> go on</p>')
        == "Words go on"
    )
    assert html_to_text(None) == "" and html_to_text("   ") == ""


def test_request_keys_ignore_parameter_order_and_name_case():
    first = request_key("http://h/api/v1/Bills?Take=4&SearchTerm=domestic%20abuse&Skip=0", "http://h/api/v1/")
    second = request_key("http://h/api/v1/Bills?skip=0&searchterm=domestic%20abuse&take=4", "http://h/api/v1")
    assert first == second == "Bills?searchterm=domestic%20abuse&skip=0&take=4"


def test_paging_stops_at_the_total_or_on_an_empty_page():
    assert next_skip(0, 4, 7) == 4
    assert next_skip(4, 3, 7) is None
    assert next_skip(0, 0, 7) is None
    assert next_skip(0, 4, None) is None


def test_debate_contributions_become_passages_with_speaker_column_time_and_permalink():
    parsed = parse_debate(saved(HANSARD, "debate_stalking-protection-orders.json"), "u")
    debate, child = parsed.documents
    assert debate["id"] == f"hansard/{D1.lower()}" and debate["date"] == "2024-01-08"
    assert (
        debate["url"]
        == f"https://hansard.parliament.uk/commons/2024-01-08/debates/{D1.lower()}/StalkingProtectionOrders"
    )
    assert debate["chamber"] == "Commons Chamber" and debate["kind"] == "hansard_debate"
    speeches = debate["passages"]
    assert len(speeches) == 4  # the column marker and the timestamp are not contributions
    question, answer, follow_up, procedural = speeches
    assert question["kind"] == "question" and question["speaker_id"] == "mnis/9990001"
    assert question["speaker_name"] == "Ms Alex Example (Exampleton North) (Lab)"
    assert question["column_number"] == "101" and question["time"] == "14:31:00"
    assert (
        answer["text"]
        == "We will relentlessly pursue perpetrators of stalking & harassment."
        "\n\nGuidance will be published this spring."
    )
    assert answer["column_number"] == "101" and follow_up["column_number"] == "102"
    assert answer["permalink"].endswith("#contribution-5E7D0C1A-0000-4000-8000-000000001012")
    assert procedural["speaker_name"] is None and procedural["speaker_id"] is None
    assert child["parent_id"] == debate["id"] and child["title"] == "Interim Orders"


def test_a_child_debate_fetched_on_its_own_matches_the_nested_copy():
    nested = parse_debate(saved(HANSARD, "debate_stalking-protection-orders.json"), "u").documents[1]
    alone = parse_debate(saved(HANSARD, "debate_interim-orders.json"), "u").documents[0]
    assert alone == nested


def test_debate_without_an_overview_is_an_api_error_naming_the_field():
    with pytest.raises(ApiError, match="missing required field: the debate's Overview has no 'ExtId'"):
        parse_debate({"Overview": {"Title": "x", "Date": "2024-01-08T00:00:00", "House": "Commons"}}, "u")


def test_calendar_trees_and_search_pages_give_days_roots_and_totals():
    assert sitting_days(saved(HANSARD, "calendar_commons_2024-01.json")) == [
        "2024-01-08",
        "2024-01-09",
        "2024-01-15",
    ]
    roots = root_debate_ids(saved(HANSARD, "tree_commons_2024-01-08_debate.json"))
    assert roots == [D1]  # the child debate comes inside its parent
    ids, count, total = search_page(saved(HANSARD, "search_spoken_stalking_skip0_take4.json"))
    assert (len(ids), count, total) == (3, 4, 5)


def test_derived_bill_pages_hold_exactly_the_recorded_items():
    recorded = saved(BILLS, "bills_search_billids_capture_response.json")["items"]
    pages = [saved(BILLS, f"bills_search_stalking_skip{n}_take4.json")["items"] for n in (0, 4)]
    assert pages[0] + pages[1][:2] == recorded
    amendments = saved(BILLS, "amendments_bill3786_stage20099_items.json")
    assert saved(BILLS, "amendments_3786_20099_take20.json")["items"] == amendments


def stage_3786() -> dict:
    """The stage row of the saved Unauthorised Entry to Football Matches Bill stage, with one sitting day."""
    item = saved(BILLS, "stages_3786_take20.json")["items"][0]
    return stage_row({**item, "stageSittings": [{"date": "2025-03-14T00:00:00"}]}, 3786)


def test_amendment_rows_put_the_lead_sponsor_first_and_carry_decision_and_sitting_dates():
    bill = bill_row(saved(BILLS, "bills_search_stalking_skip4_take4.json")["items"][2])
    detail = saved(BILLS, "amendment_3786_20099_10025365.json")
    co_sponsor = {
        **detail["sponsors"][0],
        "isLead": False,
        "sortOrder": 2,
        "memberId": 9,
        "name": "A Co-sponsor",
    }
    detail = {
        **detail,
        "sponsors": [co_sponsor, *detail["sponsors"]],
        "explanatoryText": "<p>Brings it into force sooner.</p>",
    }
    document, row = amendment_records(detail, bill, stage_3786(), "u", detailed=True)
    assert row["number"] == "6" and row["clause"] == 2 and row["amendment_type"] == "EditBillBody"
    assert row["lead_sponsor_name"] == "Sir Christopher Chope" and row["lead_sponsor_party"] == "Conservative"
    assert [s["name"] for s in json.loads(row["sponsors"])] == ["Sir Christopher Chope", "A Co-sponsor"]
    assert (
        row["decision"] == "NoDecision"
        and row["decision_explanation"] == "The House has not considered this amendment."
    )
    assert row["first_sitting_date"] == row["last_sitting_date"] == "2025-03-14" == document["date"]
    assert row["explanatory_text"] == "Brings it into force sooner."
    assert row["text"].startswith("Clause 2, page 2, line 3, leave out from “force”")
    assert [p["kind"] for p in document["passages"]] == ["amendment", "explanatory_statement"]
    assert (
        document["title"]
        == "Unauthorised Entry to Football Matches Bill: amendment 6 (Report stage, Commons)"
    )


def test_bill_and_amendment_without_required_fields_are_refused_by_name():
    with pytest.raises(MissingField, match="a bill has no 'shortTitle'"):
        bill_row({"billId": 1, "shortTitle": None})
    with pytest.raises(MissingField, match="an amendment has no 'amendmentId'"):
        amendment_records(
            {"summaryText": ["x"]}, {"bill_id": 1, "short_title": "B"}, stage_3786(), "u", False
        )


def test_list_answers_cut_at_255_characters_are_recognised():
    items, total = values(saved(QUESTIONS, "questions_list_tabled_2024-01-05.json"))
    assert total == 20 and len(items) == 20
    assert sum(is_truncated(q) for q in items) == 16
    full = saved(QUESTIONS, "question_1679416_single.json")["value"]
    assert not is_truncated(full)


def test_question_rows_name_members_when_expanded_and_keep_ids_always():
    holding = saved(QUESTIONS, "questions_search_stalking.json")["results"][0]["value"]
    document, row = question_records(holding, "u", full_answer=True)
    assert (row["asking_member_name"], row["asking_member_id"]) == ("Alex Example", 9990001)
    assert (row["answering_member_name"], row["answering_member_id"]) == ("Sam Sample", 9990002)
    assert row["answer_is_holding"] == 1 and row["answering_body"] == "Home Office"
    assert [p["kind"] for p in document["passages"]] == ["question", "holding_answer"]
    real = saved(QUESTIONS, "question_1679416_single.json")["value"]
    document, row = question_records(real, "u", full_answer=True)
    assert row["asking_member_name"] is None and row["asking_member_id"] == 4253
    assert (
        row["uin"] == "7926" and row["date_tabled"] == "2024-01-05" and row["date_answered"] == "2024-01-10"
    )
    assert (
        document["url"]
        == "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926"
    )
    assert document["passages"][1]["text"].endswith("achievements by FJAAs in due course.")
    assert "<a href" not in document["passages"][1]["text"]


def test_statements_keep_their_links_to_corrections():
    statement = saved(QUESTIONS, "statements_search_stalking.json")["results"][0]["value"]
    document = statement_document(statement, "u")
    assert document["meta"]["linked_statements"] == [
        {"id": 9900102, "type": "CorrectedStatement", "date": "2024-01-10"}
    ]
    assert document["passages"][0]["office"] == "Minister for Safeguarding"


def bills_response(body: bytes) -> TextResponse:
    """A Bills API search response as the spider would receive it."""
    url = "https://bills-api.parliament.uk/api/v1/Bills?SearchTerm=stalking"
    request = Request(url, meta={"unit": "search", "api_url": url})
    return TextResponse(url=url, body=body, request=request)


def test_truncated_json_is_rejected_and_a_bad_bill_is_rejected_alone(tmp_path):
    spider = BillsSpider(db_path=str(tmp_path / "b.db"), terms="stalking", since="2024-01-01")
    spider.progress.add("search", 2)
    body = (BILLS / "bills_search_stalking_skip0_take4.json").read_bytes()
    (reject,) = list(spider.parse_bills(bills_response(body[:300]), term="stalking", skip=0))
    assert isinstance(reject, Reject) and reject.reason == "malformed JSON"
    assert reject.url.endswith("SearchTerm=stalking")
    page = json.loads(body)
    del page["items"][1]["shortTitle"]
    out = list(spider.parse_bills(bills_response(json.dumps(page).encode()), term="stalking", skip=0))
    rejects = [o for o in out if isinstance(o, Reject)]
    stored = [
        o.records["bills"][0]["bill_id"]
        for o in out
        if isinstance(o, DocumentBatch) and o.records.get("bills")
    ]
    assert [r.reason for r in rejects] == ["missing required field: a bill has no 'shortTitle'"]
    assert stored == [4129, 4030, 4126]


def test_a_value_of_the_wrong_type_rejects_the_page_with_the_error(tmp_path):
    spider = BillsSpider(db_path=str(tmp_path / "b.db"), terms="stalking", since="2024-01-01")
    spider.progress.add("search")
    page = json.loads((BILLS / "bills_search_stalking_skip0_take4.json").read_bytes())
    page["items"][0]["shortTitle"] = 12345
    out = list(spider.parse_bills(bills_response(json.dumps(page).encode()), term="stalking", skip=0))
    (reject,) = [o for o in out if isinstance(o, Reject)]
    assert reject.reason == "unexpected response" and "AttributeError" in reject.detail
    assert "search" in spider.progress.failed
