"""Semantic search ("find passages that mean this"): the /-/semantic page, its JSON, and SQL functions.

A thin hook file over pursuit.semantic (embedding, per-model search, rank fusion) and db.vectors.
The embedding model loads once per server process, on the first query that needs it.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlencode

from datasette.utils.asgi import Response

from datasette import hookimpl

DEFAULT_K = 10
_OPTIONS: dict[str, dict[str, list[Any]]] = {}


class BadRequest(ValueError):
    """A query-string parameter that cannot be used, with the reason."""


@hookimpl
def prepare_connection(conn):
    """Load sqlite-vec and add pursuit_embed(text[, model]) to every connection Datasette opens."""
    from db import vectors

    try:
        vectors.ensure_extension(conn)
    except Exception:
        return
    conn.create_function("pursuit_embed", -1, _embed_sql)


def _embed_sql(text: str, model: str | None = None) -> bytes:
    """SQL function: the query's float32 vector blob under `model` (default all-MiniLM-L6-v2)."""
    from db.vectors import vector_blob
    from nlp.embed import MINILM_NAME
    from pursuit.semantic import embed_query

    chosen = model or MINILM_NAME
    return vector_blob(embed_query([chosen], text or "")[chosen])


@hookimpl
def register_routes():
    """The semantic search page and its JSON twin."""
    return [(r"^/-/semantic(?P<format>\.json)?$", semantic_page)]


def _int(value: str | None, name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer parameter within bounds, or BadRequest naming it."""
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError as error:
        raise BadRequest(f"{name} must be a whole number, not {value!r}") from error
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, not {number}")
    return number


def _params(request) -> dict[str, Any]:
    """The search parameters from the query string."""
    from db.vectors import MAX_K

    args = request.args
    return {
        "q": (args.get("q") or "").strip(),
        "k": _int(args.get("k"), "k", DEFAULT_K, 1, MAX_K),
        "topic": args.get("topic") or None,
        "house": args.get("house") or None,
        "kind": args.get("kind") or None,
        "year": _int(args.get("year"), "year", None, 1000, 9999),
    }


async def _options(database) -> dict[str, list[Any]]:
    """Form choices for a database, read once per process."""
    if database.name not in _OPTIONS:
        from db.vectors import filter_options

        _OPTIONS[database.name] = await database.execute_fn(filter_options)
    return _OPTIONS[database.name]


async def _search(database, params: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Embed the query (in a worker thread) and search every index; the models used and the hits."""
    from db import vectors
    from pursuit.semantic import embed_query, search_vectors

    def models(conn):
        vectors.ensure_extension(conn)
        return [entry["model"] for entry in vectors.indexed_models(conn)]

    chosen = await database.execute_fn(models)
    if not chosen:
        raise vectors.VectorIndexError(
            f"database {database.name!r} has no semantic index yet: run `pursuit index` on it")
    query_vectors = await asyncio.get_running_loop().run_in_executor(None, embed_query, chosen, params["q"])
    filters = vectors.Filters(params["topic"], params["house"], params["kind"], params["year"])
    hits = await database.execute_fn(
        lambda conn: search_vectors(conn, query_vectors, params["k"], filters, in_memory=True))
    for hit in hits:
        hit["passage_url"] = "/-/passage/" + quote(hit["passage_id"], safe="/")
        if not str(hit.get("permalink") or "").startswith(("https://", "http://")):
            hit["permalink"] = None  # only web links from the data become links
        hit["row_url"] = f"/{quote(database.name)}/passages?" + urlencode({"id": hit["passage_id"]})
    return chosen, hits


async def semantic_page(request, datasette):
    """GET /-/semantic(.json)?q=...&k=...&topic=...&house=...&kind=...&year=..."""
    from db.vectors import VectorIndexError
    from pursuit.semantic import ModelUnavailable

    as_json = request.url_vars.get("format") == ".json"
    database = datasette.get_database()
    context: dict[str, Any] = {"params": {}, "hits": [], "models": [], "error": None, "options": {}}
    status = 200
    try:
        context["params"] = params = _params(request)
        context["options"] = await _options(database)
        if params["q"]:
            context["models"], context["hits"] = await _search(database, params)
    except BadRequest as error:
        status, context["error"] = 400, f"Bad request: {error}"
    except (VectorIndexError, ModelUnavailable) as error:
        status, context["error"] = 503, f"Semantic search is unavailable: {error}"
    if as_json:
        body = {key: context[key] for key in ("params", "models", "hits", "error")}
        return Response.json(body, status=status)
    html = await datasette.render_template(
        "semantic.html", {**context, "database": database.name}, request=request)
    return Response.html(html, status=status)
