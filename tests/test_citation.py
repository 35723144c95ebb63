"""OSCOLA citations built from real rows: recorded ParlParse files, Parliament API responses, the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pursuit.citation import cite, long_date
from spiders.hansard_json import parse_debate
from spiders.parlparse_xml import match_file_name, parse_day
from spiders.pdf_text import pdf_document
from spiders.questions_json import question_records, single_value, statement_document

FIXTURES = Path(__file__).parent / "fixtures"
PARLPARSE = FIXTURES / "responses" / "parlparse"
QUESTIONS = FIXTURES / "responses" / "questions"


def parlparse_passage(directory: str, file_name: str, passage_id: str) -> tuple[dict, dict]:
    """One passage and its document as the ParlParse parser stores them, from a recorded day file."""
    day = match_file_name(file_name)
    parsed = parse_day((PARLPARSE / directory / file_name).read_bytes(), day, "recorded")
    for document in parsed.documents:
        for passage in document["passages"]:
            if passage["id"] == passage_id:
                return {**passage, "date": document["date"]}, document
    raise AssertionError(f"{passage_id} is not in {file_name}")


def test_lords_debate_speech_is_cited_hl_deb_with_its_column_and_no_invented_volume():
    passage, document = parlparse_passage("lordspages", "daylord2009-10-27a.xml",
                                          "parlparse/lordspages/2009-10-27a.1095.1")
    citation = cite(passage, document)
    assert citation.text == "HL Deb 27 October 2009, col 1095"
    assert "vol " not in citation.text
    assert any("volume number is not in our data" in note for note in citation.missing)


def test_commons_chamber_speech_is_cited_hc_deb():
    passage, document = parlparse_passage("debates", "debates2009-10-28c.xml",
                                          "parlparse/debates/2009-10-28c.267.8")
    assert cite(passage, document).text == "HC Deb 28 October 2009, col 267"


def test_westminster_hall_columns_carry_wh():
    passage, document = parlparse_passage("westminhall", "westminster2009-10-29a.xml",
                                          "parlparse/westminhall/2009-10-29a.144.0")
    assert passage["speaker_name"] == "Simon Hughes"
    assert cite(passage, document).text == "HC Deb 29 October 2009, col 144WH"


def test_lords_written_answer_column_is_wa_prefixed():
    passage, document = parlparse_passage("lordswrans", "lordswrans2009-10-29a.xml",
                                          "parlparse/lordswrans/2009-10-29a.171.2")
    assert passage["speaker_name"] == "Lord Davies of Oldham"
    assert cite(passage, document).text == "HL Deb 29 October 2009, col WA171"


def test_commons_written_answer_column_is_w_suffixed():
    """No Commons written answers file is recorded: a real Lords file's rows relabelled as Commons ones."""
    passage, document = parlparse_passage("lordswrans", "lordswrans2009-10-29a.xml",
                                          "parlparse/lordswrans/2009-10-29a.171.2")
    assert cite(passage, {**document, "house": "Commons"}).text == "HC Deb 29 October 2009, col 171W"


def test_commons_written_statement_column_is_ws_suffixed():
    passage, document = parlparse_passage("wms", "ministerial2009-10-29a.xml",
                                          "parlparse/wms/2009-10-29a.21WS.2")
    assert passage["column_number"] == "21WS"
    assert cite(passage, document).text == "HC Deb 29 October 2009, col 21WS"
    assert cite(passage, {**document, "house": "Lords"}).text == "HL Deb 29 October 2009, col WS21"


def test_column_falls_back_to_the_parlparse_gid_when_the_attribute_is_missing():
    passage, document = parlparse_passage("lordspages", "daylord2009-10-27a.xml",
                                          "parlparse/lordspages/2009-10-27a.1095.1")
    stored = {**passage, "column_number": None, "meta": json.dumps(passage["meta"])}
    assert cite(stored, document).text == "HL Deb 27 October 2009, col 1095"


def test_unknown_column_is_left_out_and_said_to_be_missing():
    passage, document = parlparse_passage("lordspages", "daylord2009-10-27a.xml",
                                          "parlparse/lordspages/2009-10-27a.1095.1")
    citation = cite({**passage, "column_number": None, "meta": None}, document)
    assert citation.text == "HL Deb 27 October 2009"
    assert "The column number is not in our data." in citation.missing


def test_hansard_api_debate_gives_its_volume():
    """The Hansard API fixtures follow the documented fields (no real response was recorded)."""
    payload = json.loads((FIXTURES / "responses" / "hansard" / "debate_stalking-protection-orders.json")
                         .read_text(encoding="utf-8"))
    document = parse_debate(payload, "recorded").documents[0]
    passage = next(p for p in document["passages"] if p["column_number"])
    citation = cite({**passage, "date": document["date"]}, document)
    assert citation.text == (f"HC Deb {long_date(document['date'])}, vol 743, "
                             f"col {passage['column_number']}")
    assert citation.missing == []


def test_written_question_cites_house_uin_answer_date_and_page():
    item = single_value(json.loads((QUESTIONS / "question_1679416_single.json").read_text(encoding="utf-8")))
    document, _row = question_records(item, "recorded", full_answer=True)
    answer = next(p for p in document["passages"] if p["kind"] == "answer")
    citation = cite(answer, document)
    assert citation.text == (f"HC Written Question 7926, answered {long_date(document['date'])} "
                             "<https://questions-statements.parliament.uk/written-questions/detail/"
                             "2024-01-05/7926>")


def test_written_statement_cites_its_number():
    item = single_value(json.loads((QUESTIONS / "statement_9900102_single.json").read_text(encoding="utf-8")))
    document = statement_document(item, "recorded")
    citation = cite(document["passages"][0], document)
    assert citation.text.startswith(f"HC Written Statement HCWS990, {long_date(document['date'])} <https://")


def test_corpus_document_cites_publisher_title_date_and_url():
    record = json.loads((FIXTURES / "corpus" / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])
    document = {**record, "source": "corpus"}
    citation = cite({"text": "..."}, document)
    assert citation.text == ("Home Office and Ministry of Justice, Transforming the response to domestic "
                             "abuse (short version) – consultation (8 March 2018) "
                             "<https://consult.justice.gov.uk/homeoffice-moj/domestic-abuse-consultation-"
                             "short-version/>")


def test_pdf_passage_gets_a_page_pin_cite():
    base = {"id": "govuk/x", "source": "govuk", "native_id": "x", "kind": "government_publication",
            "title": "Police perpetrator framework", "date": "2021-12-01", "publisher": "Home Office",
            "url": "https://www.gov.uk/x", "licence": "OGL"}
    document = pdf_document(base, "https://assets.publishing.service.gov.uk/x.pdf", ["One.", "Two."])
    passage = next(p for p in document["passages"] if p["page"] == 2)
    citation = cite(passage, document)
    assert citation.text.startswith(f"Home Office, {document['title']} (1 December 2021) p 2 <https://")


@pytest.mark.parametrize("value, expected", [("2021-12-01", "1 December 2021"), ("", None), ("soon", None)])
def test_long_date(value, expected):
    assert long_date(value) == expected


def test_undated_document_says_so():
    citation = cite({}, {"source": "police", "title": "A release", "publisher": "NPCC", "url": "https://x"})
    assert citation.text == "NPCC, A release (undated) <https://x>"
    assert "The publication date is not recorded." in citation.missing
