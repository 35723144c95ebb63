"""Paths and defaults shared by the CLI and the jobs."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASETTE_DIR = REPO / "datasette"
METADATA_FILE = DATASETTE_DIR / "metadata.yml"
DEMO_DATA = REPO / "tests" / "fixtures"
DEMO_PARLPARSE = DEMO_DATA / "responses" / "parlparse"
DEMO_CORPUS = DEMO_DATA / "corpus" / "documents.jsonl"
DEMO_RESPONSES = DEMO_DATA / "responses"
DEMO_GOVUK = DEMO_RESPONSES / "govuk" / "content"
DEMO_POLICE = DEMO_RESPONSES / "police" / "articles"
CURATION_FILE = REPO / "curation" / "commitments.yml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
DATASETTE_SETTINGS = {
    "suggest_facets": "off",
    "default_page_size": "50",
    "sql_time_limit_ms": "3000",
    "facet_time_limit_ms": "500",
}
# Added by `pursuit serve` (not by the in-process test client): arbitrary SQL is off unless --allow-sql.
PUBLIC_SETTINGS = {
    "default_allow_sql": "off",
}


def demo_api_crawls(db_path: Path) -> list[list[str]]:
    """CLI steps that replay the saved Bills and Written Questions API responses into the demo database.

    Hansard API responses are not replayed: none was ever recorded, and the test fixtures built from its
    documented shape are not real debates.
    """
    return [
        ["crawl", str(db_path), "bills", "--load", str(DEMO_RESPONSES / "bills"),
         "--since", "2024-01-01", "-a", "terms=stalking"],
        ["crawl", str(db_path), "questions", "--load", str(DEMO_RESPONSES / "questions"),
         "--since", "2024-01-05", "--until", "2024-01-05", "-a", "terms=", "-a", "window=tabled",
         "-a", "kinds=questions", "-a", "full_answers=no"],
    ]
