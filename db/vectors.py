"""Semantic search indexes: one per embedding model, bit-quantised in sqlite-vec, re-scored exactly.

Each model's index is a `vec0` table of sign bits (hamming distance) keyed by a small integer per
distinct sentence text hash. A query fetches a few hundred candidates by hamming distance, re-scores
them by cosine against the float vectors kept in `embeddings`, and groups the best sentences to
passages. The index holds exactly the hashes that some sentence has and that have a vector for the
model; `update_index` adds what is new and drops what no sentence uses any more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

REGISTRY_SCHEMA = """
CREATE TABLE IF NOT EXISTS semantic_indexes (
    model TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, dimensions INTEGER NOT NULL,
    vectors INTEGER NOT NULL DEFAULT 0, updated_at TEXT
)
"""
DEFAULT_CANDIDATES = 400  # recall@10 0.975 at 1M resampled vectors, 0.997 at 100k (bench/RESULTS.md)
FILTERED_CANDIDATES = 1000
MAX_K = 100
MAX_CANDIDATES = 4096  # sqlite-vec 0.1.9 refuses a larger k in a KNN query
_NOT_NAME = re.compile(r"[^a-z0-9]+")


class VectorIndexError(ValueError):
    """An index that cannot be built or searched, with the reason."""


@dataclass
class IndexUpdate:
    """What one `update_index` call changed for one model."""

    model: str
    name: str
    added: int
    removed: int
    total: int


@dataclass
class Filters:
    """Optional restrictions on the passages a search returns."""

    topic: str | None = None
    house: str | None = None
    kind: str | None = None
    year: int | None = None

    def active(self) -> bool:
        """True when any filter is set."""
        return any(v not in (None, "") for v in (self.topic, self.house, self.kind, self.year))


@dataclass
class Hit:
    """One passage found by meaning: its best sentence and that sentence's cosine score."""

    passage_id: str
    sentence_id: str
    sentence: str
    score: float
    text_hash: str
    date: str | None = None
    speaker_name: str | None = None
    house: str | None = None
    document_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def load_extension(conn: Any) -> None:
    """Load sqlite-vec into a connection (pysqlite3: the stdlib sqlite3 here cannot load extensions)."""
    import sqlite_vec

    if not hasattr(conn, "enable_load_extension"):
        raise VectorIndexError(
            f"{type(conn).__module__}.Connection cannot load SQLite extensions: install pysqlite3-binary")
    conn.enable_load_extension(True)
    try:
        sqlite_vec.load(conn)
    finally:
        conn.enable_load_extension(False)


def has_extension(conn: Any) -> bool:
    """True when sqlite-vec's functions are available on this connection."""
    try:
        conn.execute("SELECT vec_version()").fetchone()
    except Exception:
        return False
    return True


def ensure_extension(conn: Any) -> None:
    """Load sqlite-vec unless it is already loaded."""
    if not has_extension(conn):
        load_extension(conn)


def index_name(model: str) -> str:
    """A readable table name for a model's index, e.g. `semantic_indexes_all_minilm_l6_v2`."""
    slug = _NOT_NAME.sub("_", model.lower().rsplit("/", 1)[-1]).strip("_")[:40] or "model"
    return f"semantic_indexes_{slug}"


def _table_exists(conn: Any, name: str) -> bool:
    """True when a table (or virtual table) of this name exists."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(sql, [name]).fetchone() is not None


def indexed_models(conn: Any) -> list[dict[str, Any]]:
    """Every model with an index: model, name, dimensions, vectors, updated_at (largest first)."""
    if not _table_exists(conn, "semantic_indexes"):
        return []
    cursor = conn.execute("SELECT model, name, dimensions, vectors, updated_at FROM semantic_indexes "
                          "ORDER BY vectors DESC, model")
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def embedded_models(conn: Any) -> list[str]:
    """Model names that have at least one stored vector."""
    if not _table_exists(conn, "embeddings"):
        return []
    return [row[0] for row in conn.execute("SELECT DISTINCT model FROM embeddings ORDER BY model")]


def _dimensions(conn: Any, model: str) -> int:
    """The model's vector length, checking that every stored vector has it."""
    lengths = [row[0] for row in conn.execute(
        "SELECT DISTINCT length(vector) FROM embeddings WHERE model = ? LIMIT 2", [model])]
    if len(lengths) != 1 or lengths[0] % 4:
        raise VectorIndexError(f"embeddings for model {model!r}: vectors must be float32 of one length, "
                               f"found byte lengths {lengths}")
    dimensions = lengths[0] // 4
    if dimensions % 8:
        raise VectorIndexError(f"embeddings for model {model!r}: {dimensions} dimensions is not a "
                               "multiple of 8, which bit quantisation needs")
    return dimensions


def _register(conn: Any, model: str, dimensions: int) -> str:
    """The model's index table name, registering the model (and creating its tables) the first time."""
    conn.execute(REGISTRY_SCHEMA)
    row = conn.execute("SELECT name, dimensions FROM semantic_indexes WHERE model = ?", [model]).fetchone()
    if row:
        if row[1] != dimensions:
            raise VectorIndexError(f"model {model!r}: index has {row[1]} dimensions, vectors have "
                                   f"{dimensions}; drop it with drop_index and rebuild")
        return row[0]
    name = index_name(model)
    if conn.execute("SELECT 1 FROM semantic_indexes WHERE name = ?", [name]).fetchone() or \
            _table_exists(conn, name):
        name = f"{name}_{hashlib.sha1(model.encode()).hexdigest()[:8]}"
    conn.execute(f"CREATE VIRTUAL TABLE [{name}] USING vec0(embedding bit[{dimensions}])")
    conn.execute(f"CREATE TABLE [{name}_keys] (id INTEGER PRIMARY KEY, text_hash TEXT NOT NULL UNIQUE)")
    conn.execute("INSERT INTO semantic_indexes (model, name, dimensions) VALUES (?, ?, ?)",
                 [model, name, dimensions])
    return name


def _drop_unused(conn: Any, name: str, model: str) -> int:
    """Remove indexed hashes no sentence uses any more (or whose vector is gone); how many."""
    stale = [row[0] for row in conn.execute(
        f"""SELECT k.id FROM [{name}_keys] k
            WHERE NOT EXISTS (SELECT 1 FROM sentences s WHERE s.text_hash = k.text_hash)
               OR NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.text_hash = k.text_hash AND e.model = ?)""",
        [model])]
    for start in range(0, len(stale), 500):
        chunk = stale[start:start + 500]
        marks = ",".join("?" * len(chunk))
        conn.execute(f"DELETE FROM [{name}] WHERE rowid IN ({marks})", chunk)
        conn.execute(f"DELETE FROM [{name}_keys] WHERE id IN ({marks})", chunk)
    return len(stale)


def _add_new(conn: Any, name: str, model: str) -> int:
    """Index every sentence hash with a vector for the model that is not indexed yet; how many."""
    before = conn.execute(f"SELECT coalesce(max(id), 0) FROM [{name}_keys]").fetchone()[0]
    conn.execute(
        f"""INSERT INTO [{name}_keys] (text_hash)
            SELECT DISTINCT s.text_hash FROM sentences s
            JOIN embeddings e ON e.text_hash = s.text_hash AND e.model = ?
            WHERE NOT EXISTS (SELECT 1 FROM [{name}_keys] k WHERE k.text_hash = s.text_hash)""",
        [model])
    conn.execute(
        f"""INSERT INTO [{name}] (rowid, embedding)
            SELECT k.id, vec_quantize_binary(e.vector) FROM [{name}_keys] k
            JOIN embeddings e ON e.text_hash = k.text_hash AND e.model = ?
            WHERE k.id > ?""",
        [model, before])
    return conn.execute(f"SELECT count(*) FROM [{name}_keys] WHERE id > ?", [before]).fetchone()[0]


@contextmanager
def _transaction(conn: Any) -> Iterator[None]:
    """One explicit transaction (the driver would run the DDL outside one), unless one is already open."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def update_index(conn: Any, model: str) -> IndexUpdate:
    """Bring one model's index in line with its sentences and vectors, in one transaction."""
    ensure_extension(conn)
    dimensions = _dimensions(conn, model)
    with _transaction(conn):
        conn.execute("CREATE INDEX IF NOT EXISTS sentences_text_hash ON sentences(text_hash)")
        name = _register(conn, model, dimensions)
        removed = _drop_unused(conn, name, model)
        added = _add_new(conn, name, model)
        total = conn.execute(f"SELECT count(*) FROM [{name}_keys]").fetchone()[0]
        if added or removed:
            conn.execute("UPDATE semantic_indexes SET vectors = ?, updated_at = ? WHERE model = ?",
                         [total, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), model])
    return IndexUpdate(model, name, added, removed, total)


def update_all_indexes(conn: Any) -> list[IndexUpdate]:
    """Update the index of every model that has vectors."""
    return [update_index(conn, model) for model in embedded_models(conn)]


def drop_index(conn: Any, model: str) -> None:
    """Remove a model's index and its registry row."""
    row = conn.execute("SELECT name FROM semantic_indexes WHERE model = ?", [model]).fetchone()
    if row is None:
        return
    with _transaction(conn):
        conn.execute(f"DROP TABLE IF EXISTS [{row[0]}]")
        conn.execute(f"DROP TABLE IF EXISTS [{row[0]}_keys]")
        conn.execute("DELETE FROM semantic_indexes WHERE model = ?", [model])


def _index_for(conn: Any, model: str) -> tuple[str, int]:
    """The index table name and dimensions of a model, or a clear error when it has none."""
    for entry in indexed_models(conn):
        if entry["model"] == model:
            return entry["name"], entry["dimensions"]
    raise VectorIndexError(f"no semantic index for model {model!r}: run `pursuit index DB`")


def vector_blob(vector: np.ndarray) -> bytes:
    """A float32 little-endian blob of a vector."""
    return np.asarray(vector, dtype="<f4").tobytes()


def candidate_hashes(conn: Any, model: str, query: np.ndarray, candidates: int,
                     in_memory: bool = False) -> list[str]:
    """Text hashes of the nearest indexed vectors by hamming distance of their sign bits.

    sqlite-vec's KNN answers by default; `in_memory` scans a copy of the bits held by this process
    instead (loaded once per index version), whose cost does not grow with the number of candidates.
    """
    name, dimensions = _index_for(conn, model)
    if len(query) != dimensions:
        raise VectorIndexError(f"query vector has {len(query)} dimensions; model {model!r} has {dimensions}")
    if in_memory:
        return _memory_candidates(conn, model, name, query, candidates)
    rows = conn.execute(
        f"""SELECT k.text_hash FROM (SELECT rowid, distance FROM [{name}]
                WHERE embedding MATCH vec_quantize_binary(?) AND k = ?) c
            JOIN [{name}_keys] k ON k.id = c.rowid ORDER BY c.distance""",
        [vector_blob(query), min(candidates, MAX_CANDIDATES)])
    return [row[0] for row in rows]


_BITS: dict[tuple[str, str], tuple[Any, np.ndarray, np.ndarray]] = {}
_BITS_LOCK = threading.Lock()


def _bits_version(conn: Any, name: str) -> tuple[Any, ...]:
    """What identifies the current contents of an index (cheap): its highest key, size and update time."""
    top = conn.execute(f"SELECT max(id) FROM [{name}_keys]").fetchone()[0]
    row = conn.execute("SELECT vectors, updated_at FROM semantic_indexes WHERE name = ?", [name]).fetchone()
    return top, *(row or (None, None))


def _bit_matrix(conn: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Key ids and their sign bits of a whole index, cached per file and version.

    The bits are held column by column (one contiguous row per 64-bit word, or per byte when the width is
    not a multiple of 8), so a scan XORs and counts a few long arrays instead of a million short rows.
    """
    file = conn.execute("PRAGMA database_list").fetchone()[2]
    version = _bits_version(conn, name)
    with _BITS_LOCK:
        cached = _BITS.get((file, name))
        if cached and cached[0] == version:
            return cached[1], cached[2]
        try:
            ids, bits = _read_chunks(conn, name)
        except (ValueError, KeyError, OSError, AttributeError) as error:
            raise VectorIndexError(f"index {name}: cannot read its chunks: {error}") from error
        if len(ids) != version[1]:
            ids, bits = _scan_bits(conn, name)
        words = bits.view(np.uint64) if bits.shape[1] % 8 == 0 else bits
        columns = np.ascontiguousarray(words.T)
        _BITS[(file, name)] = (version, ids, columns)
        return ids, columns


def _read_chunks(conn: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Key ids and sign bits straight from sqlite-vec 0.1.9's chunk tables (100 times faster than a scan)."""
    width = conn.execute("SELECT dimensions FROM semantic_indexes WHERE name = ?", [name]).fetchone()[0] // 8
    ids, bits = [np.zeros(0, dtype=np.int64)], [np.zeros((0, width), dtype=np.uint8)]
    rows = conn.execute(f"""SELECT c.size, c.validity, c.rowids, v.vectors FROM [{name}_chunks] c
                            JOIN [{name}_vector_chunks00] v ON v.rowid = c.chunk_id ORDER BY c.chunk_id""")
    for size, validity, rowids, vectors in rows:
        valid = np.unpackbits(np.frombuffer(validity, np.uint8), bitorder="little")[:size].astype(bool)
        ids.append(np.frombuffer(rowids, dtype="<i8")[:size][valid])
        bits.append(np.frombuffer(vectors, np.uint8)[:size * width].reshape(size, width)[valid])
    return np.concatenate(ids), np.concatenate(bits)


def _scan_bits(conn: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Key ids and sign bits read through the vec0 table itself (slow, but independent of its layout)."""
    rows = conn.execute(f"SELECT rowid, embedding FROM [{name}] ORDER BY rowid").fetchall()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    return ids, np.frombuffer(b"".join(r[1] for r in rows), dtype=np.uint8).reshape(len(rows), -1)


def hamming_distances(columns: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """The hamming distance of every indexed vector's sign bits (held column-major) to the query's signs."""
    packed = np.packbits(signs, bitorder="little")
    probe = packed.view(np.uint64) if columns.dtype == np.uint64 else packed
    distances = np.zeros(columns.shape[1], dtype=np.uint16)  # at most the dimensions: 384 fits
    for column, word in zip(columns, probe, strict=True):
        distances += np.bitwise_count(column ^ word)
    return distances


def _memory_candidates(conn: Any, model: str, name: str, query: np.ndarray, candidates: int) -> list[str]:
    """The nearest hashes by hamming distance over the process's copy of the index's bits."""
    ids, columns = _bit_matrix(conn, name)
    if not len(ids):
        return []
    distances = hamming_distances(columns, np.asarray(query) > 0)
    take = min(candidates, len(ids))
    nearest = np.argpartition(distances, take - 1)[:take] if take < len(ids) else np.arange(len(ids))
    nearest = nearest[np.argsort(distances[nearest], kind="stable")]
    wanted = ids[nearest].tolist()
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT id, text_hash FROM [{name}_keys] WHERE id IN ({marks})", chunk))
    return [found[i] for i in wanted if i in found]


def rescore(conn: Any, model: str, query: np.ndarray, hashes: list[str]) -> list[tuple[str, float]]:
    """Hashes with their exact cosine similarity to the (normalised) query, best first."""
    vectors: dict[str, bytes] = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        marks = ",".join("?" * len(chunk))
        vectors.update(conn.execute(
            f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
            [model, *chunk]).fetchall())
    if not vectors:
        return []
    keys = list(vectors)
    matrix = np.frombuffer(b"".join(vectors[h] for h in keys), dtype="<f4").reshape(len(keys), -1)
    scores = matrix @ _unit(query)
    order = np.argsort(-scores, kind="stable")
    return [(keys[i], float(scores[i])) for i in order]


def _unit(vector: np.ndarray) -> np.ndarray:
    """The vector scaled to length one (cosine = dot product on unit vectors)."""
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def nearest_hashes(conn: Any, model: str, query: np.ndarray, limit: int,
                   candidates: int = DEFAULT_CANDIDATES, in_memory: bool = False) -> list[tuple[str, float]]:
    """The `limit` best text hashes: quantised candidates re-scored exactly."""
    pool = candidate_hashes(conn, model, query, max(candidates, limit), in_memory)
    return rescore(conn, model, query, pool)[:limit]


def _indexed_vectors(conn: Any, model: str, batch: int = 50_000) -> Iterator[tuple[list[str], np.ndarray]]:
    """Every indexed hash with its float vector, in batches (memory stays bounded)."""
    name, _ = _index_for(conn, model)
    after = 0
    while True:
        rows = conn.execute(
            f"""SELECT k.id, k.text_hash, e.vector FROM [{name}_keys] k
                JOIN embeddings e ON e.text_hash = k.text_hash AND e.model = ?
                WHERE k.id > ? ORDER BY k.id LIMIT ?""", [model, after, batch]).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), -1)
        yield [r[1] for r in rows], matrix


def exact_nearest_hashes(conn: Any, model: str, query: np.ndarray, limit: int) -> list[tuple[str, float]]:
    """The `limit` best text hashes by brute-force cosine over every indexed vector (the reference)."""
    unit = _unit(query)
    best: list[tuple[str, float]] = []
    for hashes, matrix in _indexed_vectors(conn, model):
        scores = matrix @ unit
        top = np.argsort(-scores, kind="stable")[:limit]
        best = sorted(best + [(hashes[i], float(scores[i])) for i in top], key=lambda p: -p[1])[:limit]
    return best


def _filter_sql(filters: Filters | None) -> tuple[str, list[Any]]:
    """SQL conditions on sentence `s` for the filters, with their parameters."""
    if filters is None:
        return "", []
    clauses, params = [], []
    if filters.topic:
        clauses.append("EXISTS (SELECT 1 FROM mentions m WHERE m.passage_id = s.passage_id AND m.topic = ?)")
        params.append(filters.topic)
    for column, value in (("house", filters.house), ("document_kind", filters.kind), ("year", filters.year)):
        if value not in (None, ""):
            clauses.append(f"s.{column} = ?")
            params.append(value)
    return "".join(f" AND {c}" for c in clauses), params


def passages_for(conn: Any, ranked: list[tuple[str, float]], k: int,
                 filters: Filters | None = None) -> list[Hit]:
    """The first `k` passages holding the ranked sentence texts (best sentence per passage)."""
    where, params = _filter_sql(filters)
    sql = f"""SELECT s.id, s.passage_id, s.text, s.date, s.speaker_name, s.house, s.document_kind
              FROM sentences s WHERE s.text_hash = ?{where}
              ORDER BY s.date DESC, s.id LIMIT ?"""
    hits: dict[str, Hit] = {}
    for text_hash, score in ranked:
        for row in conn.execute(sql, [text_hash, *params, k]):
            if row[1] not in hits:
                hits[row[1]] = Hit(row[1], row[0], row[2], score, text_hash, row[3], row[4], row[5], row[6])
        if len(hits) >= k:
            break
    return list(hits.values())[:k]


def search(conn: Any, model: str, query: np.ndarray, k: int = 10, filters: Filters | None = None,
           candidates: int | None = None, in_memory: bool = False) -> list[Hit]:
    """The `k` passages nearest in meaning to a query vector under one model."""
    k = max(1, min(int(k), MAX_K))
    pool = candidates or (FILTERED_CANDIDATES if filters and filters.active() else DEFAULT_CANDIDATES)
    ranked = rescore(conn, model, query, candidate_hashes(conn, model, query, max(pool, k), in_memory))
    return passages_for(conn, ranked, k, filters)


def passage_details(conn: Any, passage_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Permalink, document title and kind of each passage, by id."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(passage_ids), 500):
        chunk = passage_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        cursor = conn.execute(
            f"""SELECT p.id, p.permalink, p.document_title, p.document_id, p.speaker_name, p.date
                FROM passages p WHERE p.id IN ({marks})""", chunk)
        columns = [c[0] for c in cursor.description]
        found.update({row[0]: dict(zip(columns, row, strict=True)) for row in cursor})
    return found


def filter_options(conn: Any) -> dict[str, list[Any]]:
    """The values a search form offers: topics with mentions, houses, document kinds and years."""
    def distinct(sql: str) -> list[Any]:
        return [row[0] for row in conn.execute(sql) if row[0] not in (None, "")]

    return {
        "topic": distinct("SELECT DISTINCT topic FROM mentions ORDER BY topic")
        if _table_exists(conn, "mentions") else [],
        "house": distinct("SELECT DISTINCT house FROM passages ORDER BY house"),
        "kind": distinct("SELECT DISTINCT document_kind FROM passages ORDER BY document_kind"),
        "year": distinct("SELECT DISTINCT year FROM passages ORDER BY year DESC"),
    }
