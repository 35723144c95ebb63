"""ParlParse parsing and the spider's callbacks, on recorded files without a network or reactor."""

from __future__ import annotations

import pytest
from conftest import PARLPARSE
from scrapy.http import HtmlResponse, XmlResponse

from spiders.items import DocumentBatch, Reject
from spiders.parlparse_xml import ParlParseError, load_xml, match_file_name, parse_day
from spiders.parsing import normalise_time
from spiders.sources.parlparse import ParlParseSpider

BASE = "https://www.theyworkforyou.com/pwdata/scrapedxml/"


def recorded(directory: str, name: str) -> XmlResponse:
    """A response carrying a recorded file, at the URL it was published under."""
    body = (PARLPARSE / directory / name).read_bytes()
    return XmlResponse(url=f"{BASE}{directory}/{name}", body=body)


@pytest.fixture
def spider(tmp_path):
    """A spider over an empty database, with no date window."""
    return ParlParseSpider(db_path=str(tmp_path / "p.db"), since="2009-01-01", until="2009-12-31")


def test_file_names_are_recognised_by_pattern():
    day = match_file_name("debates2009-10-28c.xml")
    assert (day.directory.name, day.date, day.version) == ("debates", "2009-10-28", "c")
    assert match_file_name("/pwdata/scrapedxml/lordspages/daylord2009-10-27a.xml").directory.house == "Lords"
    assert match_file_name("answers2024-01-05b.xml").directory.name == "wrans"
    assert match_file_name("changedates.txt") is None
    assert match_file_name("standing2009-10-27_A_01_2009-10-27a.xml") is None
    assert match_file_name("debates2009-10-28.xml") is None


def test_parlparse_times_are_normalised():
    assert normalise_time("015:47:00") == "15:47:00"
    assert normalise_time("9:30") == "09:30:00"
    assert normalise_time("unknown") is None


def test_latin1_and_dtd_entities_decode_to_unicode():
    day = match_file_name("lordswrans2009-10-29a.xml")
    parsed = parse_day((PARLPARSE / "lordswrans" / day.name).read_bytes(), day, "x")
    texts = [p["text"] for d in parsed.documents for p in d["passages"]]
    assert any("£750" in t for t in texts)
    assert not any("&pound;" in t or "&mdash;" in t for t in texts)


def test_written_answers_pair_questions_with_replies_under_their_heading():
    day = match_file_name("lordswrans2009-10-29a.xml")
    parsed = parse_day((PARLPARSE / "lordswrans" / day.name).read_bytes(), day, "x")
    alpacas = next(d for d in parsed.documents if d["title"] == "Alpacas and Llamas")
    assert [p["kind"] for p in alpacas["passages"]] == ["question", "answer"]
    question, answer = alpacas["passages"]
    assert question["meta"]["uin"] == "HL5931" and question["speaker_name"] == "Baroness Byford"
    assert answer["speaker_id"] == "lord/100164"
    assert alpacas["kind"] == "written_answer" and alpacas["house"] == "Lords"


def test_sections_are_titled_by_their_headings():
    day = match_file_name("ministerial2009-10-29a.xml")
    parsed = parse_day((PARLPARSE / "wms" / day.name).read_bytes(), day, "x")
    titles = [d["title"] for d in parsed.documents]
    assert "BUSINESS, INNOVATION AND SKILLS — Global Entrepreneurship Week" in titles
    assert len(parsed.documents) == 12
    assert all(len(d["passages"]) == 1 for d in parsed.documents)


def test_modern_files_with_person_ids_and_crowd_interjections():
    # Shape documented for files from about 2014 onwards (person_id, "Hon. Members:"); built by hand.
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<publicwhip scraperversion="a" latest="yes">
<major-heading id="uk.org.publicwhip/debate/2024-03-12a.100.0" nospeaker="true" colnum="100">
Stalking</major-heading>
<speech id="uk.org.publicwhip/debate/2024-03-12a.100.1" person_id="uk.org.publicwhip/person/25000"
 speakername="Jess Phillips" colnum="100" time="12:31:00"><p pid="a.100.1/1">We will pursue them.</p></speech>
<speech id="uk.org.publicwhip/debate/2024-03-12a.100.2" nospeaker="true" speakername="Hon. Members:"
 colnum="100"><p pid="a.100.2/1">Hear, hear.</p></speech>
</publicwhip>"""
    day = match_file_name("debates2024-03-12a.xml")
    (document,) = parse_day(body, day, "x").documents
    minister, members = document["passages"]
    assert (minister["person_id"], minister["speaker_id"]) == ("person/25000", None)
    assert minister["speaker_name"] == "Jess Phillips" and minister["time"] == "12:31:00"
    assert members["speaker_name"] == "Hon. Members" and members["text"] == "Hear, hear."
    assert document["title"] == "Stalking"


def test_external_entities_are_refused_not_fetched():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE publicwhip [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<publicwhip latest="yes"><speech id="uk.org.publicwhip/debate/2020-01-01a.1.1">'
        b"<p>&x;</p></speech></publicwhip>"
    )
    with pytest.raises(ParlParseError, match="Entity 'x' not defined"):
        load_xml(body)


def test_entity_expansion_bombs_are_refused():
    levels = [b'<!ENTITY a "aaaaaaaaaa">'] + [
        b"<!ENTITY %s \"%s\">" % (bytes([c]), (b"&%s;" % bytes([c - 1])) * 10) for c in range(98, 105)
    ]
    body = (
        b'<?xml version="1.0"?><!DOCTYPE publicwhip [' + b"".join(levels) + b"]>"
        b'<publicwhip latest="yes"><p>' + b"&h;" * 10 + b"</p></publicwhip>"
    )
    with pytest.raises(ParlParseError, match="amplification"):
        load_xml(body)


def test_non_parlparse_xml_is_refused_with_a_reason():
    with pytest.raises(ParlParseError, match="root element is <html>"):
        load_xml(b"<html><body>Not found</body></html>")


def test_listing_callback_finds_day_files_whatever_the_layout(spider):
    listing = HtmlResponse(
        url=f"{BASE}debates/", encoding="utf-8",
        body=b"""<html><body><pre><a href="../">Parent</a>
        <a href="debates2009-10-28a.xml">debates2009-10-28a.xml</a> 12-Nov-2009 10:00 180K
        <table><tr><td><a href="/pwdata/scrapedxml/debates/debates2009-10-28c.xml">c</a></td></tr></table>
        <a href="debates2008-01-01a.xml">out of window</a>
        <a href="changedates.txt">changedates.txt</a></pre></body></html>""",
    )
    (request,) = list(spider.parse_listing(listing, directory="debates"))
    assert request.url == f"{BASE}debates/debates2009-10-28a.xml"
    assert [url for _, url, _ in spider.queues["debates"]] == [f"{BASE}debates/debates2009-10-28c.xml"]


def test_file_callback_yields_a_batch_with_the_mark_then_the_next_file(spider):
    day = match_file_name("debates2009-10-28c.xml")
    spider.queues["debates"] = [(match_file_name("debates2009-10-29a.xml"), f"{BASE}x.xml", True)]
    batch, following = list(spider.parse_file(recorded("debates", day.name), day=day, is_last=True))
    assert isinstance(batch, DocumentBatch)
    assert sum(len(d["passages"]) for d in batch.documents) == 493
    assert batch.state == {"key": "last_day:debates", "value": "2009-10-28"}
    assert following.url == f"{BASE}x.xml"


def test_superseded_file_yields_only_redirects(spider):
    day = match_file_name("debates2009-10-28a.xml")
    (batch,) = list(spider.parse_file(recorded("debates", day.name), day=day, is_last=False))
    assert batch.documents == [] and batch.state is None
    assert len(batch.redirects) == 521


def test_truncated_file_yields_a_reject_and_stops_the_mark(spider):
    day = match_file_name("daylord2009-10-27a.xml")
    full = recorded("lordspages", day.name)
    truncated = full.replace(body=full.body[:4000])
    (reject,) = list(spider.parse_file(truncated, day=day, is_last=True))
    assert isinstance(reject, Reject) and reject.reason == "malformed XML"
    assert reject.url == full.url and "line" in reject.detail
    assert "lordspages" in spider.broken
