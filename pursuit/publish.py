"""Serve a pursuit database with Datasette, using the metadata in datasette/metadata.yml."""

from __future__ import annotations

import json
import os
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


def secret_from_env(environ: dict[str, str] | None = None) -> str | None:
    """The signing secret: PURSUIT_SECRET, else DATASETTE_SECRET, else None (Datasette picks one)."""
    environ = os.environ if environ is None else environ
    return environ.get("PURSUIT_SECRET") or environ.get("DATASETTE_SECRET") or None


def public_settings(allow_sql: bool) -> dict[str, str]:
    """Settings for serving to the public: pursuit's defaults, and arbitrary SQL off unless allowed."""
    return {**config.DATASETTE_SETTINGS, **config.PUBLIC_SETTINGS,
            "default_allow_sql": "on" if allow_sql else "off"}


def datasette_argv(db_path: str | Path, metadata_path: Path, host: str, port: int, allow_sql: bool = False,
                   immutable: bool = False, secret: str | None = None) -> list[str]:
    """Command-line arguments for `datasette serve` on this database, read-only, on `host`.

    Datasette reads a mutable file through `mode=ro` connections and pursuit's plugins never write;
    `immutable` opens it with `immutable=1` instead, for a published copy that nothing updates.
    """
    argv = [
        "serve", *(["-i", str(db_path)] if immutable else [str(db_path)]),
        "--host", host, "--port", str(port),
        "--metadata", str(metadata_path),
        "--template-dir", str(config.DATASETTE_DIR / "templates"),
        "--static", f"static:{config.DATASETTE_DIR / 'static'}",
    ]
    if plugins_dir():
        argv += ["--plugins-dir", str(plugins_dir())]
    for name, value in public_settings(allow_sql).items():
        argv += ["--setting", name, value]
    if secret:
        argv += ["--secret", secret]
    return argv


def serve(db_path: str | Path, host: str = config.DEFAULT_HOST, port: int = config.DEFAULT_PORT,
          allow_sql: bool = False, immutable: bool = False):
    """Run Datasette in the foreground until interrupted."""
    from datasette.cli import cli as datasette_cli

    with tempfile.TemporaryDirectory(prefix="pursuit-") as folder:
        metadata_path = Path(folder) / "metadata.json"
        metadata_path.write_text(json.dumps(load_metadata(db_path)), encoding="utf-8")
        argv = datasette_argv(db_path, metadata_path, host, port, allow_sql, immutable, secret_from_env())
        datasette_cli.main(argv, standalone_mode=False)
