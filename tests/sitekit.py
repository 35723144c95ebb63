"""Site test helpers: Datasette configured as `pursuit serve` configures it, and a checking fetcher."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from datasette.app import Datasette
from datasette.cli import Setting

from pursuit import config
from pursuit.publish import load_metadata, plugins_dir


def datasette_for(db: Path, settings: Mapping[str, str] = config.DATASETTE_SETTINGS,
                  **overrides) -> Datasette:
    """Datasette on `db` with pursuit's metadata, templates, plugins, static files and these settings."""
    converted = dict(Setting().convert((name, value), None, None) for name, value in settings.items())
    converted.update(overrides)
    folder = plugins_dir()
    return Datasette(
        files=[str(db)], metadata=load_metadata(db), template_dir=str(config.DATASETTE_DIR / "templates"),
        plugins_dir=str(folder) if folder else None,
        static_mounts=[("static", str(config.DATASETTE_DIR / "static"))], settings=converted,
    )


def fetcher(ds: Datasette):
    """A function fetching a path from `ds` and checking its status (it carries `.datasette`, `.loop`)."""
    loop = asyncio.new_event_loop()
    loop.run_until_complete(ds.invoke_startup())

    def fetch(path: str, status: int = 200):
        response = loop.run_until_complete(ds.client.get(path))
        assert response.status_code == status, (path, response.status_code, response.text[:800])
        return response

    fetch.datasette, fetch.loop = ds, loop
    return fetch, loop
