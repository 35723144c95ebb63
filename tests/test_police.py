"""The police spider: article extraction on test pages, and real crawls against a server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, POLICE, make_pdf, run_pursuit

from db import store
from db.connect import open_db
from spiders.article import ArticleError, extract_article, feed_links, matching_links

ARTICLES, LISTINGS = POLICE / "articles", POLICE / "listings"
PROGRESS = "/releases/police-progress-against-new-framework-on-violence-against-women-and-girls"
IMPROVEMENTS = ("/releases/improvements-recommended-in-handling-police-perpetrated-violence-against-"
                "women-and-girls")
OUTLINE = "/article/police-outline-how-response-violence-against-women-and-girls-will-be-assessed"
FUNDING = "/article/funding-confirmed-national-violence-and-public-protection-centre"
REPORT_PDF = "/documents/vawg-framework-progress-report.pdf"
PDF_PAGES = [["Progress report, a test PDF written for pursuit.", "Forces will report every quarter."],
             ["Page two: forty forces have adopted the framework."]]
NPCC_ID = "police/news.npcc.police.uk"


def corpus_record(line: int) -> dict:
    """One record of the demo corpus the test pages wrap."""
    return json.loads(CORPUS.read_text(encoding="utf-8").splitlines()[line])


def test_article_text_title_date_and_canonical_url_are_extracted():
    page = (ARTICLES / "npcc-police-progress-against-new-framework.html").read_bytes()
    article = extract_article(page, "https://news.npcc.police.uk" + PROGRESS)
    record = corpus_record(13)
    assert article.title == record["title"] and article.date == "2022-03-01"
    assert article.canonical == record["url"]
    assert article.paragraphs[0] == record["text"].split("\n\n")[2]
    assert "Communications office" not in " ".join(article.paragraphs)  # the footer is not the article
    assert article.pdf_links == ["https://news.npcc.police.uk" + REPORT_PDF]


def test_undated_page_gets_no_guessed_date():
    page = (ARTICLES / "college-police-outline-vawg-assessment.html").read_bytes()
    assert extract_article(page, "https://www.college.police.uk" + OUTLINE).date is None


def test_empty_page_is_an_article_error():
    with pytest.raises(ArticleError, match="no article text found"):
        extract_article(b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "https://x.test/a")


def test_release_links_are_found_by_url_pattern_not_markup():
    page = (LISTINGS / "npcc-releases-page-1.html").read_bytes()
    links = matching_links(page, "https://news.npcc.police.uk/releases", r"^/releases/[^/]+/?$")
    assert links == ["https://news.npcc.police.uk" + IMPROVEMENTS]


def test_feed_item_links_are_read_from_rss_and_atom():
    assert feed_links((LISTINGS / "college-feed.rss").read_bytes()) == [corpus_record(52)["url"]]
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" '
            b'href="https://example.org/a"/></entry></feed>')
    assert feed_links(atom) == ["https://example.org/a"]
    with pytest.raises(ArticleError, match="not a feed"):
        feed_links(b"<html><body>hello</body></html>")


@pytest.fixture
def police_site(route_server):
    """The local server playing the NPCC newsroom, the College of Policing site and its feed."""
    html = "text/html; charset=utf-8"
    route_server.route("/releases", LISTINGS / "npcc-releases-page-1.html", content_type=html)
    route_server.route("/releases", LISTINGS / "npcc-releases-page-2.html", query={"page": "2"},
                       content_type=html)
    route_server.route("/news", LISTINGS / "college-news.html", content_type=html)
    route_server.route("/feed", LISTINGS / "college-feed.rss", content_type="application/rss+xml")
    for path, name in [(PROGRESS, "npcc-police-progress-against-new-framework.html"),
                       (IMPROVEMENTS, "npcc-improvements-recommended-police-perpetrated-vawg.html"),
                       (OUTLINE, "college-police-outline-vawg-assessment.html"),
                       (FUNDING, "college-funding-confirmed-vpp-centre.html")]:
        route_server.route(path, ARTICLES / name, content_type=html)
    route_server.route(REPORT_PDF, make_pdf(PDF_PAGES), content_type="application/pdf")
    route_server.route("/releases/empty", b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                       content_type=html)
    route_server.route("/releases/data", b'{"not": "a page"}', content_type="application/json")
    return route_server


def crawl(db_path, server, *extra: str):
    """Crawl the local police sites with the feed and two bad extra URLs, no politeness delay."""
    return run_pursuit(
        "crawl", str(db_path), "police", "--base-url", server.root_url, "--delay", "0",
        "-a", "feeds=https://www.college.police.uk/feed",
        "-a", "urls=https://news.npcc.police.uk/releases/empty,https://news.npcc.police.uk/releases/data",
        *extra,
    )


def listing_requests(server) -> list[str]:
    """The NPCC listing pages requested, in order, with their query strings."""
    return [p for p in server.requests if p.split("?")[0] == "/releases"]


def documents(db) -> dict[str, dict]:
    """Stored documents by id."""
    return {r["id"]: r for r in db.query("select * from documents order by id")}


def test_crawl_stores_releases_with_dates_publishers_and_paragraphs(tmp_path, police_site):
    db_path = tmp_path / "p.db"
    result = crawl(db_path, police_site)
    assert "police: completed with errors — new 5" in result.stdout
    db = open_db(db_path)
    docs = documents(db)
    progress = docs[NPCC_ID + PROGRESS]
    assert (progress["kind"], progress["date"], progress["publisher"]) == (
        "police_release", "2022-03-01", "National Police Chiefs' Council")
    assert progress["url"] == corpus_record(13)["url"] and progress["licence"].startswith("unverified")
    assert docs[NPCC_ID + IMPROVEMENTS]["date"] == "2022-10-14"
    outline = docs["police/www.college.police.uk" + OUTLINE]
    assert outline["publisher"] == "College of Policing" and outline["date"] is None
    funding = docs["police/production.copweb.aws.college.police.uk" + FUNDING]
    assert funding["publisher"] == "College of Policing"
    texts = [r["text"] for r in db.query("select text from passages where document_id = ? order by position",
                                         [NPCC_ID + PROGRESS])]
    assert texts[0].startswith("Police forces are making good progress")
    assert listing_requests(police_site) == ["/releases", "/releases?page=2", "/releases?page=3"]  # 404: end


def test_linked_pdf_is_stored_page_by_page_under_its_article(tmp_path, police_site):
    db_path = tmp_path / "p.db"
    crawl(db_path, police_site)
    db = open_db(db_path)
    pdf = documents(db)[NPCC_ID + REPORT_PDF]
    assert pdf["parent_id"] == NPCC_ID + PROGRESS and pdf["kind"] == "pdf_document"
    pages = [(r["page"], r["text"]) for r in db.query(
        "select page, text from passages where document_id = ? order by position", [pdf["id"]])]
    assert pages == [(1, PDF_PAGES[0][0]), (1, PDF_PAGES[0][1]), (2, PDF_PAGES[1][0])]


def test_empty_article_and_non_html_body_are_rejected_with_url_and_reason(tmp_path, police_site):
    db_path = tmp_path / "p.db"
    crawl(db_path, police_site)
    db = open_db(db_path)
    rejects = {r["url"]: r for r in db.query("select * from rejects")}
    assert rejects["https://news.npcc.police.uk/releases/empty"]["reason"] == "no article text found"
    data = rejects["https://news.npcc.police.uk/releases/data"]
    assert data["reason"] == "not an HTML page" and "application/json" in data["detail"]
    assert len(rejects) == 2
    assert store.get_state(db, "police", "walk:npcc")  # the listing walk itself completed


def test_second_run_stops_at_known_releases_and_full_refresh_fetches_again(tmp_path, police_site):
    db_path = tmp_path / "p.db"
    crawl(db_path, police_site)
    before = list(open_db(db_path).query("select * from passages order by id"))
    second = crawl(db_path, police_site)
    assert "new 0, changed 0, unchanged 0" in second.stdout
    assert listing_requests(police_site)[3:] == ["/releases"]  # page one again, not page two
    assert police_site.hits[IMPROVEMENTS] == 1 and police_site.hits[FUNDING] == 1
    third = crawl(db_path, police_site, "--full-refresh")
    assert "new 0, changed 0, unchanged 5" in third.stdout
    assert police_site.hits[PROGRESS] == 2
    assert list(open_db(db_path).query("select * from passages order by id")) == before


def test_since_leaves_out_older_releases_and_stops_paging(tmp_path, police_site):
    db_path = tmp_path / "p.db"
    crawl(db_path, police_site, "--since", "2022-06-01")
    docs = documents(open_db(db_path))
    assert NPCC_ID + IMPROVEMENTS in docs and NPCC_ID + PROGRESS not in docs
    assert police_site.hits[REPORT_PDF] == 0


def test_robots_txt_forbidden_release_is_not_fetched(tmp_path, police_site):
    police_site.route("/robots.txt", f"User-agent: *\nDisallow: {IMPROVEMENTS}\n".encode(),
                      content_type="text/plain")
    db_path = tmp_path / "p.db"
    crawl(db_path, police_site)
    assert police_site.hits[IMPROVEMENTS] == 0
    db = open_db(db_path)
    assert NPCC_ID + IMPROVEMENTS not in documents(db)
    reasons = {r["url"]: r["reason"] for r in db.query("select url, reason from rejects")}
    assert reasons[police_site.root_url + IMPROVEMENTS.lstrip("/")] == "forbidden by robots.txt"


def test_load_parses_saved_pages_like_a_crawl(tmp_path, police_site):
    crawled, loaded = tmp_path / "crawled.db", tmp_path / "loaded.db"
    crawl(crawled, police_site)
    result = run_pursuit("crawl", str(loaded), "police", "--load", str(ARTICLES))
    assert "police: ok — new 4" in result.stdout
    sql = "select id, document_id, text from passages where document_id not like '%.pdf' order by id"
    assert list(open_db(crawled).query(sql)) == list(open_db(loaded).query(sql))
