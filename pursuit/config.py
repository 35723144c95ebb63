"""Paths and defaults shared by the CLI and the jobs."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASETTE_DIR = REPO / "datasette"
METADATA_FILE = DATASETTE_DIR / "metadata.yml"
DEMO_DATA = REPO / "tests" / "fixtures"
DEMO_PARLPARSE = DEMO_DATA / "responses" / "parlparse"
DEMO_CORPUS = DEMO_DATA / "corpus" / "documents.jsonl"
DEMO_GOVUK = DEMO_DATA / "responses" / "govuk" / "content"
DEMO_POLICE = DEMO_DATA / "responses" / "police" / "articles"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
DATASETTE_SETTINGS = {
    "suggest_facets": "off",
    "default_page_size": "50",
    "sql_time_limit_ms": "3000",
    "facet_time_limit_ms": "500",
}
