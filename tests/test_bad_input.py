"""Bad input, fuzzed: every parser meets >= 1,000 malformed, truncated, oversized or hostile payloads each
(seeded), and either parses them or raises the error its spider turns into a reject; and through the
spider callback and the store, bad files become rejects while what was stored before stays."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import GOVUK, PARLPARSE, POLICE, RESPONSES, make_pdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import XmlResponse

from spiders.api import expect, load_json
from spiders.article import ArticleError, extract_article, feed_links
from spiders.bills_json import bill_row
from spiders.govuk_content import ContentError, parse_item
from spiders.hansard_json import parse_debate
from spiders.items import DocumentBatch, Reject
from spiders.parlparse_xml import ParlParseError, match_file_name, parse_day
from spiders.pdf_text import PdfError, pdf_pages
from spiders.pipelines import StorePipeline
from spiders.questions_json import question_records, single_value
from spiders.sources.parlparse import ParlParseSpider

EXAMPLES = 1000
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# What each API callback (spiders.api_spider.api_callback) turns into a reject naming the error.
API_REJECTED = (ValueError, KeyError, TypeError, AttributeError)
WMS = "wms/ministerial2009-10-29a.xml"
BASE = "https://www.theyworkforyou.com/pwdata/scrapedxml/"

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE publicwhip [<!ENTITY a "aaaaaaaaaa">'
                  + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode()
                             for i in range(9))
                  + b']><publicwhip><speech id="uk.org.publicwhip/wms/2009-10-29a.1.0"><p>&j;</p></speech>'
                  + b"</publicwhip>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE publicwhip [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<publicwhip><speech id="uk.org.publicwhip/wms/2009-10-29a.1.0"><p>&x;</p></speech></publicwhip>')
HOSTILE = [
    b"", b"\x00" * 64, b"\xef\xbb\xbf", b"\xff\xfe\x00<\x00?", BILLION_LAUGHS, XXE,
    b"[" * 200_000, b'{"a":' * 100_000, b'"' + b"x" * 2_000_000 + b'"',
    b"<html><body><script>while(1){}</script><p>Click here</p></body></html>",
    b"<?xml version='1.0' encoding='ebcdic'?><publicwhip/>",
    b'{"value": {"id": "1' + b"9" * 5000 + b'"}}', b"null", b"[]", b"{}", b"%PDF-1.7\n" + b"\x00" * 512,
]


def mutations(original: bytes) -> st.SearchStrategy[bytes]:
    """Malformed variants of a real payload: truncated, bytes corrupted, junk inserted, re-encoded,
    swapped for a hostile payload, or random bytes."""
    size = len(original)
    truncated = st.integers(0, size - 1).map(lambda i: original[:i])
    edits = st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, 255)), min_size=1, max_size=8)
    corrupted = edits.map(lambda pairs: _replace(original, pairs))
    inserted = st.tuples(st.integers(0, size), st.binary(min_size=1, max_size=64)).map(
        lambda pair: original[: pair[0]] + pair[1] + original[pair[0]:])
    recoded = st.sampled_from(["utf-16", "utf-32", "cp1252", "latin-1"]).map(
        lambda codec: original.decode("utf-8", "replace").encode(codec, "replace"))
    hostile = st.sampled_from(HOSTILE)
    return st.one_of(truncated, corrupted, inserted, recoded, hostile, st.binary(max_size=512))


def _replace(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    """`data` with single bytes overwritten."""
    buffer = bytearray(data)
    for position, value in edits:
        buffer[position] = value
    return bytes(buffer)


def _parlparse(body: bytes):
    return parse_day(body, match_file_name(WMS), BASE + WMS).documents


def _hansard(body: bytes):
    return parse_debate(load_json(body), "u").documents


def _bills(body: bytes):
    return [bill_row(item) for item in expect(load_json(body), list, "items")]


def _questions(body: bytes):
    return [question_records(single_value(load_json(body)), "u", full_answer=True)[0]]


def _govuk(body: bytes):
    return parse_item(body, "u").documents


def _police(body: bytes):
    return [extract_article(body, "https://www.npcc.police.uk/x")]


def _feed(body: bytes):
    return feed_links(body)


def _pdf(body: bytes):
    return pdf_pages(body)


SMALL_PDF = make_pdf([["Stalking protection orders will be reviewed."], ["Second page text."]])
PARSERS: dict[str, tuple[bytes, Callable, tuple[type[BaseException], ...]]] = {
    "parlparse": ((PARLPARSE / WMS).read_bytes(), _parlparse, (ParlParseError,)),
    "hansard": ((RESPONSES / "hansard" / "debate_interim-orders.json").read_bytes(), _hansard, API_REJECTED),
    "bills": ((RESPONSES / "bills" / "bills_search_stalking_skip4_take4.json").read_bytes(), _bills,
              API_REJECTED),
    "questions": ((RESPONSES / "questions" / "question_1679416_single.json").read_bytes(), _questions,
                  API_REJECTED),
    "govuk": ((GOVUK / "content" / "news_article__best-practice-press-release.json").read_bytes(), _govuk,
              (ContentError,)),
    "police": ((POLICE / "articles" / "npcc-police-progress-against-new-framework.html").read_bytes(),
               _police, (ArticleError,)),
    "police-feed": ((POLICE / "listings" / "college-feed.rss").read_bytes(), _feed, (ArticleError,)),
    "pdf": (SMALL_PDF, _pdf, (PdfError,)),
}
TRIED: dict[str, dict[str, int]] = {}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parser_rejects_malformed_input_with_a_clear_error_or_parses_it(name):
    original, parse, rejected = PARSERS[name]
    tally = TRIED.setdefault(name, {"tried": 0, "rejected": 0, "parsed": 0})

    @FUZZ
    @given(mutations(original))
    def check(body: bytes):
        tally["tried"] += 1
        try:
            result = parse(body)
        except rejected as error:
            tally["rejected"] += 1
            assert str(error).strip(), f"{name}: {type(error).__name__} without a message"
            return
        tally["parsed"] += 1
        text = json.dumps(result, default=str)
        assert "root:" not in text  # no external entity was read
        assert len(text) < 50 * len(original) + 5_000_000  # no entity expansion blew it up

    check()
    assert tally["tried"] >= EXAMPLES and tally["rejected"] > 0


def test_hostile_xml_is_refused_not_expanded_or_resolved():
    for body in (BILLION_LAUGHS, XXE):
        try:
            documents = _parlparse(body)
        except ParlParseError as error:
            assert "malformed XML" in str(error) or "not a ParlParse file" in str(error)
        else:
            text = json.dumps(documents)
            assert "root:" not in text and "a" * 100_000 not in text


@pytest.fixture
def stored(tmp_path):
    """A database already holding every recorded ParlParse file's documents, through the real pipeline."""
    pipeline = StorePipeline(str(tmp_path / "p.db"))
    pipeline.open_spider()
    spider = ParlParseSpider(db_path=str(tmp_path / "p.db"), since="2009-01-01", until="2009-12-31")
    for path in sorted(PARLPARSE.rglob("*.xml")):
        relative = path.relative_to(PARLPARSE).as_posix()
        response = XmlResponse(url=BASE + relative, body=path.read_bytes())
        for item in spider.parse_file(response, day=match_file_name(path.name), is_last=True):
            pipeline.process_item(item, spider)
    yield pipeline, spider
    pipeline.db.close()


def test_bad_files_through_the_callback_become_rejects_and_nothing_stored_is_lost(stored):
    pipeline, spider = stored
    db = pipeline.db
    before = {r["id"]: r["content_hash"] for r in db.query("select id, content_hash from documents")}
    passages_before = db["passages"].count
    earlier_rejects = {r["id"] for r in db.query("select id from rejects")}
    original = (PARLPARSE / WMS).read_bytes()
    outcome = {"rejects": 0, "batches": 0}

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutations(original))
    def check(body: bytes):
        response = XmlResponse(url=BASE + WMS, body=body)
        items = list(spider.parse_file(response, day=match_file_name(WMS), is_last=True))
        for item in items:
            assert isinstance(item, DocumentBatch | Reject)
            if isinstance(item, Reject):
                assert item.source == "parlparse" and item.url == BASE + WMS and item.reason
                outcome["rejects"] += 1
            else:
                outcome["batches"] += 1
            pipeline.process_item(item, spider)

    check()
    assert outcome["rejects"] > 0
    kept = {r["id"] for r in db.query("select id from documents")}
    revised = {r["document_id"] for r in db.query("select document_id from revisions")}
    assert set(before) <= kept | revised  # every earlier document is stored, or its old version is kept
    other = [i for i in before if not i.startswith("parlparse/wms/")]
    assert {r["id"]: r["content_hash"] for r in db.query("select id, content_hash from documents")
            if r["id"] in other} == {i: before[i] for i in other}  # other files untouched
    assert db["passages"].count >= passages_before - 12  # only the fuzzed file's 12 passages could change
    rejects = [r for r in db.query("select id, source, url, reason from rejects")
               if r["id"] not in earlier_rejects]
    assert rejects and all(r["source"] == "parlparse" and r["url"] == BASE + WMS and r["reason"]
                           for r in rejects)

