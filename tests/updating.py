"""Helpers for the update, crash-safety, fault and concurrency tests: configs, table snapshots."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).parent.parent
SMALL_DIRECTORIES = "lordswrans,westminhall,wms"  # 3 recorded files, 100 passages: quick to crawl and tag

# Columns that record when something happened rather than what is stored.
VOLATILE = {"first_seen", "updated_at", "seen_at", "tagged_at", "last_seen", "revised_at"}
COMPARED_TABLES = ("documents", "passages", "crawl_state", "redirects", "division_votes", "sentences",
                   "mentions", "embeddings", "passage_tags", "revisions")


def write_config(path: Path, sources: dict, heads: Path | None, settings: dict | None = None,
                 tag: bool = True) -> Path:
    """An update config file: sources with arguments, no delay, the hashing embedder with fake heads."""
    data = {"sources": sources, "delay": 0, "tag": tag, "settings": settings or {}}
    if heads:
        data.update(embedder="hashing", heads=str(heads))
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def parlparse_sources(base_url: str, directories: str = SMALL_DIRECTORIES) -> dict:
    """The ParlParse source read from a local server, incrementally up to 31 October 2009."""
    return {"parlparse": {"base_url": base_url, "until": "2009-10-31", "directories": directories}}


def update_command(db_path: Path, config: Path) -> list[str]:
    """The real `pursuit update` command line."""
    return [sys.executable, "-m", "pursuit", "update", str(db_path), "--config", str(config)]


def run_update(db_path: Path, config: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run one update to the end in a subprocess."""
    result = subprocess.run(update_command(db_path, config), capture_output=True, text=True, timeout=240,
                            cwd=REPO)
    if check and result.returncode != 0:
        raise AssertionError(f"update failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return result


def table_rows(db_path: Path, table: str) -> list[tuple]:
    """Every row of a table without its timestamp columns, sorted, for comparing two databases."""
    connection = sqlite3.connect(db_path)
    try:
        columns = [r[1] for r in connection.execute(f"pragma table_info({table})") if r[1] not in VOLATILE]
        if table == "revisions":
            columns = [c for c in columns if c not in ("id", "snapshot")]
        rows = connection.execute(f"select {', '.join(columns)} from {table}").fetchall()
    finally:
        connection.close()
    return sorted(rows, key=repr)


def integrity(db_path: Path) -> str:
    """SQLite's own verdict on the file."""
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute("pragma integrity_check").fetchone()[0]
    finally:
        connection.close()


def train_fake_heads(path: Path) -> Path:
    """Heads trained on the hashing embedder, so updates in tests tag without loading the real model."""
    from nlp.embed import HashingEmbedder
    from nlp.train import DATA_DIR, train_heads

    train_heads(sorted(DATA_DIR.glob("*.jsonl")), HashingEmbedder()).save(path)
    return path
