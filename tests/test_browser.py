"""A visitor searches the live site in headless Chromium, narrows results by a facet, sees the licences."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from test_site import XSS, XSS_ID, add_xss_passage

from pursuit.citation import cite
from pursuit.site import passage_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OPL_LINE = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."
OGL_LINE = "Contains public sector information licensed under the Open Government Licence v3.0."
SCREENSHOTS = os.environ.get("PURSUIT_SCREENSHOTS")  # set (e.g. to docs/screenshots) to keep the PNGs
CITED_PASSAGE = "parlparse/lordswrans/2009-10-29a.171.2"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail where PURSUIT_REQUIRE_BROWSER is set (CI)."""
    if os.environ.get("PURSUIT_REQUIRE_BROWSER"):
        pytest.fail(f"browser test required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory, tagged_demo_db):
    """The base URL of `pursuit serve` running on the demo database; the server is stopped afterwards."""
    if CHROMIUM is None:
        skip_or_fail("no Chromium: /usr/bin/chromium is missing and `chromium` is not on PATH")
    if sync_playwright is None:
        skip_or_fail("the playwright Python package cannot be imported")
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "demo.db"  # a copy holding one passage whose text is a script, to prove it stays inert
    shutil.copy(tagged_demo_db, db)
    add_xss_passage(db)
    port = free_port()
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "pursuit", "serve", str(db), "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (folder / "server.log").read_text()
            try:
                if httpx.get(f"{base}/-/versions.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "pursuit serve did not answer within 30 s"
            time.sleep(0.2)
        log.flush()
        assert f"Serving {db} at {base}/" in (folder / "server.log").read_text()  # it says where it listens
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def clipboard_page(site):
    """A Chromium page allowed to write and read the clipboard on the site."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
            page = context.new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()


def screenshot(page, name: str, tmp_path: Path) -> Path:
    """Save a full-page PNG under PURSUIT_SCREENSHOTS if set (docs/screenshots), else under tmp_path."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    return path


@pytest.fixture
def page(site):
    """A Chromium page with a short default timeout, closed with its browser afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()


def test_search_then_house_facet_narrows_results_and_licence_lines_stay_visible(site, page, tmp_path):
    page.goto(f"{site}/demo/passages")
    search = page.locator("input#_search")
    expect(search).to_be_visible()
    search.fill("domestic violence")
    with page.expect_navigation():
        search.press("Enter")
    assert "_search=domestic+violence" in page.url
    rows = page.locator("table.rows-and-columns tbody tr")
    expect(rows.first).to_be_visible()
    searched = rows.count()
    assert searched > 4
    expect(page.locator("h3").first).to_contain_text(f"{searched} rows where search matches")

    lords = page.locator("#facet-house").get_by_role("link", name="Lords", exact=True)
    expect(lords).to_be_visible()
    expect(page.locator("#facet-house li").filter(has_text="Lords")).to_contain_text("4")
    with page.expect_navigation():
        lords.click()
    assert "house=Lords" in page.url and "_search=domestic+violence" in page.url
    expect(rows).to_have_count(4)
    houses = page.locator("table.rows-and-columns tbody td.col-house").all_inner_texts()
    assert houses == ["Lords"] * 4
    texts = " ".join(page.locator("table.rows-and-columns tbody td.col-text").all_inner_texts()).lower()
    assert "domestic violence" in texts

    footer = page.locator("footer")
    expect(footer.get_by_text(OPL_LINE, exact=True)).to_be_visible()
    expect(footer.get_by_text(OGL_LINE, exact=True)).to_be_visible()
    screenshot = tmp_path / "passages-lords.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000


def test_home_page_shows_the_description_and_links_to_passages(site, page, tmp_path):
    page.goto(site)
    expect(page.locator("h1")).to_have_text("pursuit")
    expect(page.locator(".metadata-description")).to_contain_text("How to search")
    with page.expect_navigation():
        page.get_by_role("link", name="passages", exact=True).first.click()
    assert page.url.endswith("/demo/passages")
    expect(page.locator("input#_search")).to_be_visible()
    page.screenshot(path=str(tmp_path / "home-to-passages.png"))


def test_visitor_searches_opens_a_passage_and_copies_its_citation(site, clipboard_page, tagged_demo_db,
                                                                  tmp_path):
    page = clipboard_page
    page.goto(site)
    expect(page.locator(".pursuit-nav")).to_contain_text("Search")
    expect(page.locator(".pursuit-coverage")).to_contain_text("Hansard (TheyWorkForYou ParlParse XML)")
    screenshot(page, "home", tmp_path)
    page.locator("#home-q").fill("stalking")
    with page.expect_navigation():
        page.locator("#home-q").press("Enter")
    assert "/-/search?q=stalking" in page.url
    results = page.locator(".pursuit-result")
    expect(results.first).to_be_visible()
    assert results.count() == 20
    expect(page.locator(".pursuit-result mark").first).to_have_text("stalking", ignore_case=True)
    screenshot(page, "search", tmp_path)

    kind = page.locator("#facet-kind li").first
    narrowed_to = int(kind.inner_text().rsplit(" ", 1)[1].replace(",", ""))
    with page.expect_navigation():
        kind.get_by_role("link").click()
    assert "kind=" in page.url
    expect(page.locator(".pursuit-result-count")).to_contain_text(f"{narrowed_to:,} passage")
    first = page.locator(".pursuit-result-title a").first
    with page.expect_navigation():
        first.click()
    assert "/-/passage/" in page.url
    expect(page.locator("#quote")).to_be_visible()

    page.goto(site + passage_path(CITED_PASSAGE))
    citation = page.locator("#citation-text")
    expect(citation).to_have_text("HL Deb 29 October 2009, col WA171")
    page.get_by_role("button", name="Copy citation").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == "HL Deb 29 October 2009, col WA171"
    screenshot(page, "passage", tmp_path)
    with sqlite3.connect(tagged_demo_db) as conn:
        conn.row_factory = sqlite3.Row
        passage = dict(conn.execute("select * from passages where id = ?", (CITED_PASSAGE,)).fetchone())
        document = dict(conn.execute("select * from documents where id = ?",
                                     (passage["document_id"],)).fetchone())
    assert cite(passage, document).text == "HL Deb 29 October 2009, col WA171"


@pytest.mark.parametrize("path", [
    "/-/search?q=onerror", passage_path(XSS_ID), "/demo/passages?_search=onerror",
    "/demo/search_passages?q=onerror", "/demo/passages/corpus~2Fxss-test~2Fp1",
])
def test_script_stored_in_a_passage_never_runs(site, page, path):
    page.goto(site + path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # time for an injected image's onerror to fire, were it live
    assert page.evaluate("typeof window.__xss") == "undefined"
    expect(page.get_by_text(XSS, exact=False).first).to_be_visible()
def test_ledger_filters_lead_to_a_commitment_and_its_evidence(site, page, tmp_path):
    page.goto(f"{site}/-/commitments")
    rows = page.locator("tr.commitment-row")
    everything = rows.count()
    assert everything > 20
    page.select_option("#filter-topic", "stalking")
    page.select_option("#filter-topic-scope", "document")
    page.check("input[name=actor_kind][value=government]")
    page.fill("#filter-since", "2021-01-01")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "topic=stalking" in page.url and "since=2021-01-01" in page.url
    expect(rows).to_have_count(6)
    expect(page.locator(".result-count")).to_contain_text("6 commitments on Stalking")
    screenshot(page, "ledger-stalking-since-2021", tmp_path)

    with page.expect_navigation():
        rows.filter(has_text="MAPPA").get_by_role("link").first.click()
    assert "/-/commitments/c-" in page.url
    expect(page.locator("blockquote.commitment-quote")).to_contain_text("managed under MAPPA")
    expect(page.locator(".status-suggested")).to_contain_text("indicative")

    page.goto(f"{site}/-/commitments/c-926c4a4f56")
    evidence = page.locator("tr.evidence-row")
    expect(evidence.first).to_be_visible()
    dates = [row.get_attribute("data-date") for row in evidence.all()]
    assert len(dates) >= 5 and dates == sorted(dates) and all(d > "2022-03-01" for d in dates)
    screenshot(page, "commitment-npcc-acceptance", tmp_path)


def test_topic_chart_draws_one_bar_per_month_and_kind_with_the_query_counts(site, page, tmp_path):
    query = "topic=stalking&_shape=array&_size=max"
    figures = httpx.get(f"{site}/demo/topic_mentions_by_month.json?{query}").json()
    page.goto(f"{site}/-/topics/stalking")
    chart = page.locator("#topic-chart[data-rendered=true]")
    expect(chart).to_be_visible()
    bars = page.locator("#topic-chart svg rect.bar")
    expect(bars).to_have_count(len(figures))
    drawn = {(b.get_attribute("data-month"), b.get_attribute("data-kind")): int(b.get_attribute("data-count"))
             for b in bars.all()}
    assert drawn == {(f["month"], f["source_kind"]): f["mentions"] for f in figures}
    heights = [float(b.get_attribute("height")) for b in bars.all()]
    assert min(heights) > 0
    assert chart.get_attribute("data-bars") == str(len(figures))
    screenshot(page, "topic-stalking", tmp_path)
def test_semantic_search_form_finds_passages_by_meaning_with_the_real_model(site, page, tmp_path):
    page.goto(f"{site}/-/semantic")
    expect(page.locator("h1")).to_have_text("Search by meaning")
    page.locator("#semantic-q").fill("police will go after men who stalk women")
    page.locator("select[name=house]").select_option("Lords")
    with page.expect_navigation(timeout=90_000):  # the server loads the MiniLM model on this first query
        page.locator("form.semantic-search input[type=submit]").click(timeout=90_000)
    assert "q=police+will+go+after+men+who+stalk+women" in page.url and "house=Lords" in page.url
    hits = page.locator("li.semantic-hit")
    expect(hits.first).to_be_visible()
    assert 1 <= hits.count() <= 10
    expect(page.locator(".semantic-summary")).to_contain_text("all-MiniLM-L6-v2")
    assert set(page.locator("li.semantic-hit .semantic-meta").all_inner_texts()) and all(
        "Lords" in meta for meta in page.locator("li.semantic-hit .semantic-meta").all_inner_texts())
    quotes = " ".join(hits.locator("blockquote").all_inner_texts()).lower()
    assert "stalk" in quotes or "violent" in quotes  # a Lords speech about a man hunting a mother down
    assert hits.first.locator("a.passage-link").get_attribute("href").startswith("/-/passage/parlparse/")
    expect(page.locator("select[name=house]")).to_have_value("Lords")
    expect(page.locator("footer").get_by_text(OPL_LINE, exact=True)).to_be_visible()
    page.screenshot(path=str(tmp_path / "semantic.png"), full_page=True)
    data = httpx.get(f"{site}/-/semantic.json", params={"q": "stalking protection orders", "k": 3},
                     timeout=60).json()
    assert data["error"] is None and len(data["hits"]) == 3
    assert set(data["models"]) == {"all-MiniLM-L6-v2", "minilm-static-256"}
