"""Serve a pursuit database with Datasette, using the metadata in datasette/metadata.yml."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml

from pursuit import config

TEMPLATE_DATABASE = "pursuit"


def load_metadata(db_path: str | Path, metadata_file: Path = config.METADATA_FILE) -> dict[str, Any]:
    """The site metadata, with the template database's settings keyed by this database's name."""
    metadata = yaml.safe_load(metadata_file.read_text(encoding="utf-8"))
    databases = metadata.get("databases", {})
    if TEMPLATE_DATABASE in databases:
        databases[Path(db_path).stem] = databases.pop(TEMPLATE_DATABASE)
    return metadata


def plugins_dir() -> Path | None:
    """The folder of pursuit's Datasette plugins, or None while it holds none."""
    folder = config.DATASETTE_DIR / "plugins"
    return folder if folder.is_dir() and any(folder.glob("*.py")) else None


def datasette_argv(db_path: str | Path, metadata_path: Path, host: str, port: int) -> list[str]:
    """Command-line arguments for `datasette serve` on this database, read-only, on `host`."""
    argv = [
        "serve", str(db_path), "--host", host, "--port", str(port),
        "--metadata", str(metadata_path),
        "--template-dir", str(config.DATASETTE_DIR / "templates"),
        "--static", f"static:{config.DATASETTE_DIR / 'static'}",
    ]
    if plugins_dir():
        argv += ["--plugins-dir", str(plugins_dir())]
    for name, value in config.DATASETTE_SETTINGS.items():
        argv += ["--setting", name, value]
    return argv


def serve(db_path: str | Path, host: str = config.DEFAULT_HOST, port: int = config.DEFAULT_PORT):
    """Run Datasette in the foreground until interrupted."""
    from datasette.cli import cli as datasette_cli

    with tempfile.TemporaryDirectory(prefix="pursuit-") as folder:
        metadata_path = Path(folder) / "metadata.json"
        metadata_path.write_text(json.dumps(load_metadata(db_path)), encoding="utf-8")
        datasette_cli.main(datasette_argv(db_path, metadata_path, host, port), standalone_mode=False)
