"""Real Scrapy crawls of the GOV.UK spider against recorded Content API items served on 127.0.0.1."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import GOVUK, make_pdf, run_pursuit

from db import store
from db.connect import open_db

CONTENT = GOVUK / "content"
ITEMS = [  # recorded items the search lists, newest first by public timestamp
    "publication__best-practice-policy-paper.json",
    "redirect__redirect.json",
    "gone__gone.json",
    "speech__speech-speaking-notes.json",
    "consultation__best-practice-consultation.json",
    "publication__publication-with-featured-attachments.json",
    "publication__best-practice-independent-report.json",
    "publication__withdrawn_publication.json",
]
PAGE_SIZE = 3
FEATURED_PDF = "/government/uploads/system/uploads/attachment_data/file/315163/PUBLIC_1392629965.pdf"
PIG_PDF = "/government/uploads/system/uploads/attachment_data/file/394915/pb13647-new-pig-keepers-guide.pdf"
POLICY = "govuk/government/publications/strategy-for-dealing-with-safeguarding-issues-in-charities"
CHILD = f"{POLICY}/strategy-for-dealing-with-safeguarding-issues-in-charities"
FEATURED = "govuk/government/publications/number-of-ex-regular-service-personnel-in-fr20"
PDF_PAGES = [
    ["Number of ex-regular service personnel: a test page written for pursuit.",
     "The forces will pursue the most dangerous perpetrators relentlessly."],
    ["Page two of the test PDF: stalking protection orders will be reported every quarter."],
]


def item(name: str) -> dict:
    """A recorded content item."""
    return json.loads((CONTENT / name).read_text(encoding="utf-8"))


def search_page(items: list[dict], start: int, total: int) -> bytes:
    """A Search API page BUILT FROM THE DOCUMENTED SHAPE (no real recording exists), not a recording.

    Fields per alphagov/search-api docs; each result's values are copied from the recorded item it lists.
    """
    results = [
        {"link": i["base_path"], "title": i.get("title") or i["base_path"],
         "public_timestamp": i.get("public_updated_at"), "document_type": i.get("document_type"),
         "format": i.get("schema_name")}
        for i in items
    ]
    return json.dumps({"results": results, "total": total, "start": start, "facets": {},
                       "suggested_queries": []}).encode()


def html_publication_child() -> bytes:
    """The recorded HTML publication, re-pointed (path, id, title, parent) to the policy paper's child link.

    Derived at test time: the body is the recorded html_publication's; no recording of this child exists.
    """
    child = item("html_publication__published.json")
    link = item("publication__best-practice-policy-paper.json")["links"]["children"][0]
    child.update(base_path=link["base_path"], content_id=link["content_id"], title=link["title"],
                 public_updated_at=link["public_updated_at"])
    child["links"]["parent"] = link["links"]["parent"]
    return json.dumps(child).encode()


@pytest.fixture
def govuk_site(route_server):
    """The local server playing www.gov.uk and its assets host for the term `stalking`."""
    recorded = [item(name) for name in ITEMS]
    for name, data in zip(ITEMS, recorded, strict=True):
        status = 410 if data["schema_name"] == "gone" else 200
        route_server.route(f"/api/content{data['base_path']}", CONTENT / name, status=status)
    route_server.route(f"/api/content{CHILD[len('govuk'):]}", html_publication_child())
    for start in range(0, len(recorded), PAGE_SIZE):
        body = search_page(recorded[start:start + PAGE_SIZE], start, len(recorded))
        route_server.route("/api/search.json", body, query={"q": "stalking", "start": str(start)})
    route_server.route("/api/search.json", b'{"error": "Invalid value \\"x\\" for parameter \\"q\\""}',
                       query={"q": "x-invalid"}, status=422)
    route_server.route(FEATURED_PDF, make_pdf(PDF_PAGES), content_type="application/pdf")
    route_server.route(PIG_PDF, make_pdf([["A pig keepers guide."]])[:400], content_type="application/pdf")
    return route_server


def crawl(db_path, server, *extra: str, terms: str = "stalking"):
    """Crawl the local GOV.UK for `terms` with no politeness delay."""
    return run_pursuit("crawl", str(db_path), "govuk", "--base-url", server.root_url, "--delay", "0",
                       "-a", f"terms={terms}", "-a", f"page_size={PAGE_SIZE}", *extra)


def rows(db, sql: str, params=()) -> list[dict]:
    """Query rows as dicts."""
    return list(db.query(sql, params))


def search_queries(server) -> list[dict]:
    """The parsed query strings of every Search API request the server saw."""
    return [parse_qs(urlsplit(p).query) for p in server.requests if p.startswith("/api/search.json")]


def test_crawl_stores_items_html_publications_and_pdf_pages(tmp_path, govuk_site):
    db_path = tmp_path / "g.db"
    result = crawl(db_path, govuk_site)
    assert "govuk: completed with errors" in result.stdout
    db = open_db(db_path)
    kinds = {r["id"]: r["kind"] for r in rows(db, "select id, kind from documents")}
    assert kinds[POLICY] == "government_publication" and kinds[CHILD] == "government_publication"
    assert kinds[f"{FEATURED}/attachments/PUBLIC_1392629965.pdf"] == "pdf_attachment"
    assert kinds["govuk/government/case-studies/intellectual-property-stuart-scott"] == "gone"
    assert len(kinds) == 9  # seven live items and a gone record, the child, the PDF; not the redirect
    speech = db["documents"].get(
        "govuk/government/speeches/home-secretary-speech-to-the-association-of-police-and-crime-commissioners")
    assert (speech["date"], speech["publisher"], speech["licence"]) == (
        "2016-05-26", "Home Office", "Open Government Licence v3.0")
    assert json.loads(speech["meta"])["organisations"] == ["Home Office"]
    assert speech["url"].startswith("https://www.gov.uk/government/speeches/")
    child = db["documents"].get(CHILD)
    assert child["parent_id"] == POLICY
    sql = "select meta from passages where document_id = ? and text = 'EPR/DB3790RD/A001'"
    heading = rows(db, sql, [CHILD])
    assert json.loads(heading[0]["meta"])["headings"] == ["Details of the application", "Application number"]


def test_pdf_passages_carry_their_page_numbers(tmp_path, govuk_site):
    db_path = tmp_path / "g.db"
    crawl(db_path, govuk_site)
    db = open_db(db_path)
    pdf_id = f"{FEATURED}/attachments/PUBLIC_1392629965.pdf"
    document = db["documents"].get(pdf_id)
    assert document["parent_id"] == FEATURED and document["title"].startswith("Number of ex-regular")
    passages = rows(db, "select page, text, permalink from passages where document_id = ? order by position",
                    [pdf_id])
    assert [(p["page"], p["text"]) for p in passages] == [(1, PDF_PAGES[0][0]), (1, PDF_PAGES[0][1]),
                                                          (2, PDF_PAGES[1][0])]
    assert passages[2]["permalink"] == "https://assets.publishing.service.gov.uk" + FEATURED_PDF + "#page=2"
    found = [r["id"] for r in db["passages"].search('"stalking protection orders"')]
    assert found == [f"{pdf_id}/page2.1"]


def test_change_history_becomes_revisions_and_withdrawn_items_keep_text(tmp_path, govuk_site):
    db_path = tmp_path / "g.db"
    crawl(db_path, govuk_site)
    db = open_db(db_path)
    notes = rows(db, "select document_id, revised_at, reason from revisions order by document_id, revised_at")
    by_document = {}
    for note in notes:
        by_document.setdefault(note["document_id"], []).append(note["reason"])
    consultation = "govuk/government/consultations/furniture-fire-safety-regulations-proposed-amendments"
    assert by_document[consultation][-1] == "change note at source: Added responses."
    assert len(by_document[POLICY]) == 1 and len(notes) == 5
    withdrawn = rows(db, "select kind, text from passages where document_id = ? order by position",
                     ["govuk/government/publications/a-guide-for-pig-keepers"])
    assert withdrawn[0]["kind"] == "withdrawn_notice" and "now out of date" in withdrawn[0]["text"]
    assert any("pig keeper" in p["text"] for p in withdrawn[2:])


def test_gone_and_redirect_items_are_recorded(tmp_path, govuk_site):
    db_path = tmp_path / "g.db"
    crawl(db_path, govuk_site)
    db = open_db(db_path)
    gone = db["documents"].get("govuk/government/case-studies/intellectual-property-stuart-scott")
    assert json.loads(gone["meta"])["explanation"] == "Incorrect title"
    assert db["redirects"].get("govuk/406beacon")["new_id"] == (
        "govuk/maritime-safety-weather-and-navigation/register-406-mhz-beacons")


def test_bad_pdf_and_rejected_query_are_recorded_with_url_and_reason(tmp_path, govuk_site):
    db_path = tmp_path / "g.db"
    crawl(db_path, govuk_site, terms="stalking,x-invalid")
    db = open_db(db_path)
    rejects = {r["reason"]: r for r in rows(db, "select * from rejects")}
    assert set(rejects) == {"unreadable PDF", "query rejected by the API (HTTP 422)"}
    assert rejects["unreadable PDF"]["url"] == govuk_site.root_url + PIG_PDF.lstrip("/")
    assert "q=x-invalid" in rejects["query rejected by the API (HTTP 422)"]["url"]
    assert "Invalid value" in rejects["query rejected by the API (HTTP 422)"]["detail"]
    assert db["documents"].get("govuk/government/publications/a-guide-for-pig-keepers")["title"]
    assert store.get_state(db, "govuk", "newest:x-invalid|" + ",".join(sorted(DEFAULT_ORGS))) is None


DEFAULT_ORGS = ["home-office", "ministry-of-justice", "attorney-generals-office", "crown-prosecution-service",
                "hm-inspectorate-of-constabulary-and-fire-rescue-services", "college-of-policing"]


def test_search_asks_for_every_organisation_newest_first_page_by_page(tmp_path, govuk_site):
    crawl(tmp_path / "g.db", govuk_site)
    queries = search_queries(govuk_site)
    assert [q["start"] for q in queries] == [["0"], ["3"], ["6"]]
    for query in queries:
        assert query["filter_organisations"] == DEFAULT_ORGS
        assert query["order"] == ["-public_timestamp"] and query["count"] == [str(PAGE_SIZE)]


def test_second_run_stops_at_known_items_and_full_refresh_fetches_again(tmp_path, govuk_site):
    db_path = tmp_path / "g.db"
    crawl(db_path, govuk_site)
    db = open_db(db_path)
    mark = store.get_state(db, "govuk", "newest:stalking|" + ",".join(sorted(DEFAULT_ORGS)))
    assert mark == "2017-12-06T07:08:05.000+00:00"
    before = rows(db, "select * from passages order by id")
    db.close()
    fetched = govuk_site.hits.copy()
    second = crawl(db_path, govuk_site)
    assert "new 0, changed 0, unchanged 0" in second.stdout
    new_hits = govuk_site.hits - fetched
    assert dict(new_hits) == {"/robots.txt": 1, "/api/search.json": 1}  # page one only: its top is known
    third = crawl(db_path, govuk_site, "--full-refresh")
    assert "new 0, changed 0, unchanged 9" in third.stdout
    db = open_db(db_path)
    assert rows(db, "select * from passages order by id") == before
    assert db["revisions"].count == 5  # change notes are recorded once


def test_since_until_filter_the_search_by_public_timestamp(tmp_path, govuk_site):
    crawl(tmp_path / "g.db", govuk_site, "--since", "2014-01-01", "--until", "2016-12-31")
    (first, *_) = search_queries(govuk_site)
    assert first["filter_public_timestamp"] == ["from:2014-01-01,to:2016-12-31"]


def test_retry_after_is_honoured_on_a_throttled_search(tmp_path, govuk_site):
    govuk_site.fail("/api/search.json", 429, times=1, headers={"Retry-After": "1"})
    crawl(tmp_path / "g.db", govuk_site)
    first, second, *_ = govuk_site.hit_times["/api/search.json"]
    assert second - first >= 0.9
    assert open_db(tmp_path / "g.db")["documents"].count == 9


def test_robots_txt_is_obeyed(tmp_path, govuk_site):
    govuk_site.route("/robots.txt", b"User-agent: *\nDisallow: /government/uploads/\n",
                     content_type="text/plain")
    crawl(tmp_path / "g.db", govuk_site)
    assert govuk_site.hits[FEATURED_PDF] == 0 and govuk_site.hits[PIG_PDF] == 0
    db = open_db(tmp_path / "g.db")
    reasons = {r["reason"] for r in rows(db, "select reason from rejects")}
    assert reasons == {"forbidden by robots.txt"}


def test_load_parses_saved_items_like_a_crawl(tmp_path, govuk_site):
    crawled, loaded = tmp_path / "crawled.db", tmp_path / "loaded.db"
    crawl(crawled, govuk_site)
    result = run_pursuit("crawl", str(loaded), "govuk", "--load", str(CONTENT))
    assert "govuk: ok — new 14" in result.stdout
    sql = ("select id, kind, title, date, publisher, url, licence from documents "
           "where kind not in ('pdf_attachment') and id != ? order by id")
    crawled_rows = rows(open_db(crawled), sql, [CHILD])
    loaded_rows = {r["id"]: r for r in rows(open_db(loaded), sql, [CHILD])}
    assert crawled_rows and all(loaded_rows[r["id"]] == r for r in crawled_rows)
