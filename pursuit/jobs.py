"""The update job: crawl every source from its high-water mark, tag, link, re-index, record it all."""

from __future__ import annotations

import datetime as dt
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pursuit.lock import DatabaseLock

LOCKED_EXIT_CODE = 3
EMBEDDERS = ("model", "hashing")
RUN_FIELDS = ("status", "items_new", "items_changed", "items_unchanged", "items_rejected", "errors", "note")


class ConfigError(ValueError):
    """An update configuration file that cannot be used."""


@dataclass
class UpdateConfig:
    """What an update crawls and how: sources with their arguments, Scrapy overrides, delay, tagger."""

    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    delay: float | None = None
    embedder: str = "model"
    tag: bool = True
    heads: Path | None = None


def _arguments(source: str, value: Any) -> dict[str, str]:
    """A source's spider arguments from the config, as strings (YAML dates become YYYY-MM-DD)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"sources.{source}: expected a mapping of spider arguments, got {value!r}")
    return {str(k): v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in value.items()}


def load_config(path: Path | None, all_sources: list[str]) -> UpdateConfig:
    """Read an update config (YAML); without a file, every source with its defaults."""
    if path is None:
        return UpdateConfig(sources={s: {} for s in all_sources})
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read update config: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with `sources`, got {type(data).__name__}")
    given = data.get("sources") or {s: {} for s in all_sources}
    if isinstance(given, list):
        given = {s: {} for s in given}
    unknown = sorted(set(given) - set(all_sources))
    if unknown:
        raise ConfigError(f"{path}: unknown source(s) {', '.join(unknown)}; "
                          f"available: {', '.join(all_sources)}")
    embedder = data.get("embedder", "model")
    if embedder not in EMBEDDERS:
        raise ConfigError(f"{path}: embedder must be one of {', '.join(EMBEDDERS)}, not {embedder!r}")
    return UpdateConfig(
        sources={s: _arguments(s, v) for s, v in given.items()},
        settings=dict(data.get("settings") or {}),
        delay=data.get("delay"),
        embedder=embedder,
        tag=bool(data.get("tag", True)),
        heads=(path.parent / data["heads"]) if data.get("heads") else None,
    )


def crawl_step(db_path: Path, config: UpdateConfig) -> tuple[list[int], dict[str, Any]]:
    """Crawl every configured source from its high-water mark; the result per source from crawl_runs."""
    from db.connect import open_db
    from spiders.run import run_source_crawls

    run_ids = run_source_crawls(str(db_path), config.sources, config.delay, config.settings)
    db = open_db(db_path)
    try:
        result = {}
        for run_id in run_ids:
            run = db["crawl_runs"].get(run_id)
            result[run["source"]] = {k: run[k] for k in RUN_FIELDS}
    finally:
        db.close()
    return run_ids, result


def make_embedder(kind: str):
    """The real sentence model, or the deterministic hashing fake (for tests and dry runs)."""
    from nlp.embed import HashingEmbedder, sentence_embedder

    return HashingEmbedder() if kind == "hashing" else sentence_embedder()


def tag_step(db, config: UpdateConfig) -> dict[str, Any]:
    """Tag the passages that are new or changed since they were last tagged (no tagger is built if none)."""
    from db.tagging import count_pending
    from nlp.heads import DEFAULT_PATH, load_heads
    from pursuit.tagging import tag_database, tagger_version

    heads = load_heads(config.heads or DEFAULT_PATH)
    if count_pending(db, tagger_version(heads)) == 0:
        return {"passages": 0, "sentences": 0, "mentions": 0, "embedded": 0, "reused": 0}
    run = tag_database(db, make_embedder(config.embedder), heads)
    return {"passages": run.passages, "sentences": run.sentences, "mentions": run.mentions,
            "embedded": run.embedded, "reused": run.reused}


def link_step(db, config: UpdateConfig) -> dict[str, Any]:
    """Link newly tagged sentences into the commitments ledger, applying the curation file."""
    from pursuit import config as paths
    from pursuit.curation import load_curation
    from pursuit.ledger import link_database

    run = link_database(db, make_embedder(config.embedder), load_curation(paths.CURATION_FILE), None)
    return {"new_sentences": run.new_sentences, "commitments_new": run.commitments_new,
            "evidence_new": run.evidence_new, "overdue": run.overdue}


def index_step(db) -> dict[str, Any]:
    """Make sure the full-text indexes and every declared index exist (triggers keep FTS in step, so a pass
    over unchanged data writes nothing; a full rebuild would rewrite the whole index every time)."""
    from db import shape

    shape.ensure_fts(db)
    shape.ensure_indexes(db)
    shape.ensure_indexes(db, shape.PARLIAMENT_INDEXES)
    db.execute("PRAGMA optimize")
    return {"fts": sorted(shape.FTS_COLUMNS)}


def vectors_step(db) -> dict[str, Any]:
    """Bring each embedding model's semantic search index up to date with the sentences."""
    from db.vectors import update_all_indexes

    return {u.model: {"added": u.added, "removed": u.removed, "total": u.total}
            for u in update_all_indexes(db.conn)}


def _status(crawl_result: dict[str, Any]) -> str:
    """`ok` when every crawl run ended ok, else `completed with errors`."""
    return "ok" if all(r["status"] == "ok" for r in crawl_result.values()) else "completed with errors"


def run_update(db_path: Path, config: UpdateConfig, trigger: str = "manual",
               echo: Callable[[str], None] = print) -> int:
    """One locked update pass over `db_path`; returns the update_runs id. Raises LockHeld if busy."""
    from db import runs
    from db.connect import open_db

    with DatabaseLock(db_path):
        db = open_db(db_path)
        closed = runs.close_interrupted(db)
        if closed:
            echo(f"{db_path}: marked {closed} run(s) left by an interrupted process as interrupted")
        update_id = runs.start_update(db, list(config.sources), trigger, os.getpid())
        db.close()
        try:
            run_ids, crawled = crawl_step(db_path, config)
            db = open_db(db_path)
            runs.attach_crawl_runs(db, update_id, run_ids)
            runs.record_step(db, update_id, "crawl", crawled)
            if config.tag:
                runs.record_step(db, update_id, "tag", tag_step(db, config))
                runs.record_step(db, update_id, "link", link_step(db, config))
            runs.record_step(db, update_id, "index", index_step(db))
            runs.record_step(db, update_id, "vectors", vectors_step(db))
            runs.finish_update(db, update_id, _status(crawled))
        except BaseException as error:
            db = open_db(db_path)
            runs.finish_update(db, update_id, "failed", "".join(traceback.format_exception(error))[-4000:])
            raise
        finally:
            db.close()
    return update_id
