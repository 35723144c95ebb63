"""Run one or more spiders in this process (Scrapy's reactor starts once per process)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from db import store
from db.connect import open_db


class UnknownSource(ValueError):
    """A source name that no spider answers to."""


def crawl_settings(db_path: str, delay: float | None = None) -> Settings:
    """Project settings plus the database path and an optional politeness delay override."""
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.set("PURSUIT_DB", str(db_path), priority="cmdline")
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", delay > 0, priority="cmdline")
        settings.set("RANDOMIZE_DOWNLOAD_DELAY", delay > 0, priority="cmdline")
    return settings


def available_sources(settings: Settings | None = None) -> list[str]:
    """Names of every spider pursuit can run."""
    process_settings = settings or crawl_settings(":memory:")
    from scrapy.spiderloader import SpiderLoader

    return sorted(SpiderLoader.from_settings(process_settings).list())


def run_crawls(
    db_path: str,
    sources: list[str],
    spider_args: dict[str, Any],
    delay: float | None = None,
) -> list[int]:
    """Crawl each source into the database, one crawl_runs row each; return the run ids."""
    return run_source_crawls(db_path, {source: spider_args for source in sources}, delay)


def run_source_crawls(
    db_path: str,
    plans: dict[str, dict[str, Any]],
    delay: float | None = None,
    overrides: dict[str, Any] | None = None,
) -> list[int]:
    """Crawl each source with its own arguments in one process, with optional Scrapy setting overrides."""
    settings = crawl_settings(db_path, delay)
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    known = available_sources(settings)
    unknown = [s for s in plans if s not in known]
    if unknown:
        raise UnknownSource(f"unknown source(s) {', '.join(unknown)}; available: {', '.join(known)}")
    process = CrawlerProcess(settings)
    db = open_db(db_path)
    run_ids = []
    try:
        for source, args in plans.items():
            run_id = store.start_run(db, source, args)
            run_ids.append(run_id)
            process.crawl(source, db_path=str(db_path), run_id=run_id, **args)
    finally:
        db.close()
    process.start()
    return run_ids
