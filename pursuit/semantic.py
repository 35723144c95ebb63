"""Compose nlp/ and db/: embed a query with each indexed model, search each index, fuse the rankings."""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

import numpy as np

from db import vectors
from nlp.embed import Embedder, embedder_for_model
from nlp.fusion import reciprocal_rank_fusion

# The cheap static model covers every sentence but agrees with MiniLM only roughly: its ranking counts
# half as much in the fusion, so MiniLM's matches lead and the static ones fill in the rest.
STATIC_WEIGHT = 0.5
QUERY_THREADS = 1  # one short query: a second torch thread only adds contention on a busy server
_EMBEDDERS: dict[str, Embedder] = {}
_LOCK = threading.RLock()


class ModelUnavailable(RuntimeError):
    """The embedding model for an index could not be loaded or run."""


def query_embedder(model: str) -> Embedder:
    """The embedder for a model's vectors, created once per process and shared between threads."""
    with _LOCK:
        if model not in _EMBEDDERS:
            _EMBEDDERS[model] = embedder_for_model(model, threads=QUERY_THREADS)
        return _EMBEDDERS[model]


def embed_query(models: list[str], text: str) -> dict[str, np.ndarray]:
    """The query's vector under each model, raising ModelUnavailable with the model's name on failure."""
    found = {}
    for model in models:
        try:
            with _LOCK:  # one encode at a time, so racing threads never load a model twice
                found[model] = query_embedder(model).encode([text])[0]
        except Exception as error:
            raise ModelUnavailable(f"the embedding model {model!r} could not be loaded or run: "
                                   f"{type(error).__name__}: {error}") from error
    return found


def _fuse(per_model: dict[str, list[vectors.Hit]], k: int) -> list[dict[str, Any]]:
    """One ranking of passages from several models' rankings, by reciprocal rank fusion."""
    weights = [fusion_weight(model) for model in per_model]
    fused = reciprocal_rank_fusion([[h.passage_id for h in hits] for hits in per_model.values()],
                                   weights=weights)
    ranks = {m: {h.passage_id: i + 1 for i, h in enumerate(hits)} for m, hits in per_model.items()}
    results = []
    for passage_id, rrf in fused[:k]:
        best_model = min((m for m in per_model if passage_id in ranks[m]), key=lambda m: ranks[m][passage_id])
        hit = next(h for h in per_model[best_model] if h.passage_id == passage_id)
        results.append({**_row(hit), "rrf": round(rrf, 6),
                        "ranks": {m: ranks[m].get(passage_id) for m in per_model}})
    return results


def fusion_weight(model: str) -> float:
    """How much a model's ranking counts in the fusion: less for the static first-pass model."""
    from nlp.static import StaticEmbedder

    return STATIC_WEIGHT if isinstance(query_embedder(model), StaticEmbedder) else 1.0


def _row(hit: vectors.Hit) -> dict[str, Any]:
    """A hit as a plain dict, score rounded."""
    row = asdict(hit)
    row.pop("extra")
    row["score"] = round(row["score"], 4)
    return row


def search_vectors(conn: Any, query_vectors: dict[str, np.ndarray], k: int = 10,
                   filters: vectors.Filters | None = None, in_memory: bool = True) -> list[dict[str, Any]]:
    """Passages nearest the query: plain search with one model, rank fusion over several.

    Candidates come from the process's in-memory copy of the sign bits unless `in_memory` is False
    (then from sqlite-vec's KNN, whose cost grows with the number of candidates).
    """
    k = max(1, min(int(k), vectors.MAX_K))
    per_model = {m: vectors.search(conn, m, v, k, filters, in_memory=in_memory)
                 for m, v in query_vectors.items()}
    if len(per_model) == 1:
        results = [_row(h) for h in next(iter(per_model.values()))]
    else:
        results = _fuse(per_model, k)
    details = vectors.passage_details(conn, [r["passage_id"] for r in results])
    for rank, row in enumerate(results, start=1):
        row["rank"] = rank
        extra = details.get(row["passage_id"], {})
        row.update({"permalink": extra.get("permalink"), "document_title": extra.get("document_title"),
                    "document_id": extra.get("document_id")})
    return results


def semantic_search(conn: Any, text: str, k: int = 10, filters: vectors.Filters | None = None,
                    models: list[str] | None = None) -> list[dict[str, Any]]:
    """Embed `text` with every indexed model (or those named) and return the `k` nearest passages."""
    vectors.ensure_extension(conn)
    chosen = models or [entry["model"] for entry in vectors.indexed_models(conn)]
    if not chosen:
        raise vectors.VectorIndexError("this database has no semantic index: run `pursuit index DB`")
    return search_vectors(conn, embed_query(chosen, text), k, filters)
