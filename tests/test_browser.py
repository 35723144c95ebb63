"""A visitor searches the live site in headless Chromium, narrows results by a facet, sees the licences."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OPL_LINE = "Contains Parliamentary information licensed under the Open Parliament Licence v3.0."
OGL_LINE = "Contains public sector information licensed under the Open Government Licence v3.0."

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
    db = tagged_demo_db
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
    assert data["error"] is None and len(data["hits"]) == 3 and data["models"] == ["all-MiniLM-L6-v2"]
