"""GOV.UK parsing, PDF text and the spider's callbacks, on recorded items without a network or reactor."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import GOVUK, make_pdf
from scrapy.http import Request, TextResponse

from spiders import govspeak
from spiders.govuk_content import (
    ContentError,
    attachments,
    change_notes,
    parse_item,
    parse_search,
    search_url,
)
from spiders.items import DocumentBatch, Reject
from spiders.pdf_text import PdfError, pdf_pages, pdf_passages
from spiders.sources.govuk import GovukSpider

CONTENT = GOVUK / "content"


def recorded(name: str) -> bytes:
    """The bytes of a recorded Content API item."""
    return (CONTENT / name).read_bytes()


def document_of(name: str, parent_id: str | None = None) -> dict:
    """The single document parsed from a recorded item."""
    (document,) = parse_item(recorded(name), "https://www.gov.uk/api/content/x", parent_id).documents
    return document


def test_govspeak_paragraphs_keep_the_headings_above_them_as_context():
    body = json.loads(recorded("html_publication__published.json"))["details"]["body"]
    found = govspeak.paragraphs(body)
    assert found[0].text.startswith("The Environment Agency has received a new bespoke application")
    assert found[0].headings == ("Details of the application",)
    number = next(p for p in found if p.text == "EPR/DB3790RD/A001")
    assert number.headings == ("Details of the application", "Application number")
    assert number.anchor == "application-number"
    address = next(p for p in found if p.text.startswith("Mount Hawke"))
    assert address.text == "Mount Hawke Holiday Bungalows Mount Hawke Truro Cornwall TR4 8EE"
    assert all("<" not in p.text for p in found)


def test_speech_becomes_a_document_with_organisation_speaker_dates_and_paragraphs():
    document = document_of("speech__speech-speaking-notes.json")
    assert document["id"] == (
        "govuk/government/speeches/home-secretary-speech-to-the-association-of-police-and-crime-commissioners"
    )
    assert document["kind"] == "government_speech" and document["date"] == "2016-05-26"
    assert document["publisher"] == "Home Office" and document["licence"] == "Open Government Licence v3.0"
    assert document["meta"]["organisations"] == ["Home Office"]
    assert document["meta"]["speaker"] == ["The Rt Hon Theresa May MP"]
    assert document["meta"]["public_updated_at"] == "2016-05-26T13:04:07.000+00:00"
    paragraphs = [p for p in document["passages"] if p["kind"] == "paragraph"]
    assert len(paragraphs) > 30
    assert {p["speaker_name"] for p in paragraphs} == {"The Rt Hon Theresa May MP"}
    assert all(p["permalink"].startswith(document["url"]) for p in paragraphs)


def test_people_and_change_history_are_kept():
    document = document_of("news_article__best-practice-press-release.json")
    assert document["meta"]["people"]
    report = document_of("publication__best-practice-independent-report.json")
    assert report["date"] == "2014-01-15"
    assert report["change_notes"] == [{
        "revised_at": "2014-05-12T10:13:18.000+01:00",
        "note": "Added the Department of Health's response to the recommendations in the child sexual "
                "exploitation health working group report.",
    }]


def test_change_history_updates_become_notes_oldest_first_without_the_first_publication():
    item = json.loads(recorded("publication__best-practice-statutory-guidance.json"))
    notes = change_notes(item)
    assert [n["revised_at"][:10] for n in notes] == ["2014-02-26", "2015-08-19", "2015-12-17"]
    assert notes[0]["note"] == "Updated guidance document."


def test_withdrawn_item_keeps_its_text_and_gains_the_withdrawal_notice():
    document = document_of("publication__withdrawn_publication.json")
    notice, summary, *body = document["passages"]
    assert notice["kind"] == "withdrawn_notice"
    assert notice["text"].startswith("Withdrawn on 2015-01-13: This information is now out of date.")
    assert summary["kind"] == "summary"
    assert body[0]["text"].startswith("This guide provides information for pig keepers")
    assert document["meta"]["withdrawn"]["withdrawn_at"] == "2015-01-13T13:05:30Z"


def test_pdf_attachments_are_found_in_both_shapes_of_publication():
    featured = json.loads(recorded("publication__publication-with-featured-attachments.json"))
    (pdf,) = attachments(featured)
    assert pdf.url.endswith("/attachment_data/file/315163/PUBLIC_1392629965.pdf")
    assert pdf.title == "Number of ex-regular service personnel now part of FR20"
    assert pdf.number_of_pages == 2
    older = json.loads(recorded("publication__withdrawn_publication.json"))
    (embedded,) = attachments(older)
    assert embedded.url == ("https://www.gov.uk/government/uploads/system/uploads/attachment_data/file/394915/"
                            "pb13647-new-pig-keepers-guide.pdf")
    assert embedded.title == "A guide for pig keepers"


def test_policy_paper_lists_its_html_publication_to_follow():
    parsed = parse_item(recorded("publication__best-practice-policy-paper.json"), "x")
    assert parsed.children == [
        "/government/publications/strategy-for-dealing-with-safeguarding-issues-in-charities/"
        "strategy-for-dealing-with-safeguarding-issues-in-charities"
    ]


def test_html_publication_names_its_parent_and_keeps_heading_anchors():
    document = document_of("html_publication__published.json")
    assert document["parent_id"] == (
        "govuk/government/publications/tr4-8ee-mr-derek-mears-environmental-permit-application-advertisement"
    )
    number = next(p for p in document["passages"] if p["text"] == "EPR/DB3790RD/A001")
    assert number["meta"] == {"headings": ["Details of the application", "Application number"]}
    assert number["permalink"].endswith("#application-number")


def test_gone_and_redirect_items_are_records_not_errors():
    gone = parse_item(recorded("gone__gone.json"), "x")
    (record,) = gone.documents
    assert record["kind"] == "gone" and record["passages"] == []
    assert record["meta"]["explanation"] == "Incorrect title"
    moved = parse_item(recorded("redirect__redirect.json"), "x")
    assert moved.documents == []
    assert moved.redirects[0] == {
        "old_id": "govuk/406beacon",
        "new_id": "govuk/maritime-safety-weather-and-navigation/register-406-mhz-beacons",
        "matchtype": "exact",
    }


def test_bad_payloads_raise_errors_that_say_what_was_wrong():
    with pytest.raises(ContentError, match="not JSON"):
        parse_item(b"<html>Service unavailable</html>", "x")
    with pytest.raises(ContentError, match="no `base_path`"):
        parse_item(b'{"title": "x"}', "x")
    with pytest.raises(ContentError, match="not a Search API response"):
        parse_search(b'{"error": "bad"}')


def test_search_url_filters_organisations_terms_and_window_newest_first():
    url = search_url("https://www.gov.uk/", "stalking", ["home-office", "college-of-policing"], 50, 25,
                     dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert url.startswith("https://www.gov.uk/api/search.json?")
    query = parse_qs(urlsplit(url).query)
    assert query["q"] == ["stalking"] and query["order"] == ["-public_timestamp"]
    assert query["start"] == ["50"] and query["count"] == ["25"]
    assert query["filter_organisations"] == ["home-office", "college-of-policing"]
    assert query["filter_public_timestamp"] == ["from:2021-01-01,to:2021-12-31"]
    assert "link" in query["fields"] and "public_timestamp" in query["fields"]


def test_pdf_text_is_read_page_by_page_with_page_numbers():
    body = make_pdf([["First page: the police will pursue perpetrators.", "A second paragraph."],
                     ["Second page: stalking protection orders."]])
    pages = pdf_pages(body)
    assert len(pages) == 2
    passages = pdf_passages("govuk/x", "https://example.org/x.pdf", pages)
    assert [(p["page"], p["text"]) for p in passages] == [
        (1, "First page: the police will pursue perpetrators."), (1, "A second paragraph."),
        (2, "Second page: stalking protection orders."),
    ]
    assert passages[2]["permalink"] == "https://example.org/x.pdf#page=2"
    assert passages[2]["id"] == "govuk/x/page2.1"


def test_broken_or_non_pdf_bodies_are_pdf_errors():
    body = make_pdf([["Some text."]])
    with pytest.raises(PdfError, match="not a PDF"):
        pdf_pages(b"<html>not found</html>")
    with pytest.raises(PdfError, match="unreadable PDF"):
        pdf_pages(body[:300])


def search_response(url: str, links: list[tuple[str, str]], total: int) -> TextResponse:
    """A Search API page built from the documented shape (results with link and public_timestamp)."""
    results = [{"link": link, "public_timestamp": ts, "title": link} for link, ts in links]
    body = json.dumps({"results": results, "total": total, "start": 0}).encode()
    return TextResponse(url=url, body=body, request=Request(url, meta={"work_key": url}))


def test_search_paging_stops_at_the_stored_mark(tmp_path):
    spider = GovukSpider(db_path=str(tmp_path / "g.db"), terms="stalking", page_size=2)
    spider.marks = {"stalking": "2020-01-01T00:00:00Z"}
    url = "https://www.gov.uk/api/search.json?q=stalking"
    spider.work.add(url, ["stalking"])
    response = search_response(url, [("/new", "2021-05-01T10:00:00Z"), ("/old", "2019-01-01T10:00:00Z")], 9)
    requests = [r for r in spider.parse_search(response, term="stalking", start=0) if isinstance(r, Request)]
    assert [r.url for r in requests] == ["https://www.gov.uk/api/content/new"]


def test_search_pages_on_until_the_total_without_a_mark(tmp_path):
    spider = GovukSpider(db_path=str(tmp_path / "g.db"), terms="stalking", page_size=2)
    url = "https://www.gov.uk/api/search.json?q=stalking"
    spider.work.add(url, ["stalking"])
    response = search_response(url, [("/a", "2021-05-02T10:00:00Z"), ("/b", "2021-05-01T10:00:00Z")], 3)
    urls = [r.url for r in spider.parse_search(response, term="stalking", start=0) if isinstance(r, Request)]
    assert urls[:2] == ["https://www.gov.uk/api/content/a", "https://www.gov.uk/api/content/b"]
    assert "start=2" in urls[2]


def test_content_callback_rejects_a_non_json_body_with_its_url(tmp_path):
    spider = GovukSpider(db_path=str(tmp_path / "g.db"), terms="stalking")
    url = "https://www.gov.uk/api/content/government/news/x"
    response = TextResponse(url=url, body=b"<html>oops</html>", request=Request(url, meta={"work_key": url}))
    (reject,) = [i for i in spider.parse_content(response, groups=(), parent_id=None)
                 if not isinstance(i, DocumentBatch)]
    assert isinstance(reject, Reject) and reject.url == url and reject.reason == "not JSON"
