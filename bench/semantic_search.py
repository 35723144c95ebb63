"""Benchmark semantic search: recall@10 of bit-quantised + re-scored search against exact cosine, and
latency in-process and through `pursuit serve` over HTTP, on 100k and 1M sentence vectors.

The scale databases are made here: real MiniLM sentence vectors of the tagged demo database are resampled
with small seeded Gaussian noise (renormalised) into a database with the real schema (db.connect.open_db),
one new sentence per vector, four per passage. Unless --minilm-only, every sentence also gets a vector of
the static first-pass model (its name read from the model's manifest), resampled the same way, and both
models are indexed: the site searches every indexed model and fuses their rankings, so HTTP figures then
measure what the site does. Recall@10 is MiniLM's, against exact MiniLM cosine.

Usage: .venv/bin/python bench/semantic_search.py demo.db --sizes 100000 1000000 --work /tmp/bench
Appends its figures to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from db import vectors  # noqa: E402
from db.connect import open_db  # noqa: E402
from nlp.embed import MINILM_NAME, from_blob, text_hash, to_blob  # noqa: E402

RESULTS = REPO / "bench" / "RESULTS.md"
SENTENCES_PER_PASSAGE = 4
PASSAGES_PER_DOCUMENT = 25
CHUNK = 20_000
POOLS = (50, 100, 200, 400)


def static_matrix(rows: list[dict]) -> tuple[str, np.ndarray]:
    """The static first-pass model's name (from its manifest) and its vectors of the source sentences."""
    from nlp.static import StaticEmbedder

    embedder = StaticEmbedder()
    matrix = np.asarray(embedder.encode([r["text"] for r in rows]), dtype=np.float32)
    return embedder.name, matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def load_source(path: Path) -> tuple[list[dict], np.ndarray, list[dict], dict[str, dict]]:
    """Real sentences with their MiniLM vectors, real passages and documents of the tagged demo database."""
    db = open_db(path, migrate=False)
    rows = list(db.query(
        """select s.text, s.passage_id, s.topics, s.commitment, s.date, s.year, s.speaker_name, s.house,
                  s.document_kind, e.vector from sentences s
           join embeddings e on e.text_hash = s.text_hash and e.model = ?""", [MINILM_NAME]))
    passages = list(db.query("select * from passages"))
    documents = {d["id"]: d for d in db.query("select * from documents")}
    db.close()
    if not rows:
        raise SystemExit(f"{path}: no {MINILM_NAME} sentence vectors: run `pursuit demo --no-serve` first")
    matrix = np.stack([from_blob(r.pop("vector")) for r in rows])
    return rows, matrix, passages, documents


def noisy(matrix: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Rows plus Gaussian noise, renormalised to unit length."""
    out = matrix + rng.normal(0, sigma, matrix.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def _fts_triggers(db) -> list[str]:
    """The SQL of the FTS triggers, which are dropped during the bulk load and restored after."""
    return [t.sql for t in db.triggers if t.table in ("passages", "sentences")]


def build(path: Path, size: int, source, seed: int, sigma: float,
          static: tuple[str, np.ndarray] | None) -> dict:
    """A database of `size` resampled sentence vectors with the real schema; its build timings."""
    rows, matrix, passages, documents = source
    rng, pick = np.random.default_rng(seed), random.Random(seed)
    started = time.perf_counter()
    db = open_db(path)
    triggers = _fts_triggers(db)
    for trigger in db.triggers:
        if trigger.table in ("passages", "sentences"):
            db.execute(f"DROP TRIGGER [{trigger.name}]")
    n_passages = -(-size // SENTENCES_PER_PASSAGE)
    with db.conn:
        for start in range(0, n_passages, CHUNK):
            _insert_passages(db, range(start, min(start + CHUNK, n_passages)), passages, documents, pick)
    with db.conn:
        for start in range(0, size, CHUNK):
            ids = np.arange(start, min(start + CHUNK, size))
            chosen = rng.integers(0, len(rows), len(ids))
            extra = (static[0], noisy(static[1][chosen], rng, sigma)) if static else None
            _insert_sentences(db, ids, [rows[i] for i in chosen], noisy(matrix[chosen], rng, sigma), extra)
    loaded = time.perf_counter()
    for sql in triggers:
        db.execute(sql)
    for table in ("passages", "sentences"):
        db.execute(f"INSERT INTO [{table}_fts]([{table}_fts]) VALUES('rebuild')")
    db.conn.commit()
    fts = time.perf_counter()
    vectors.load_extension(db.conn)
    update = vectors.update_index(db.conn, MINILM_NAME)
    if static:
        vectors.update_index(db.conn, static[0])
    indexed = time.perf_counter()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert update.total == size, (update.total, size)
    return {"load_s": loaded - started, "fts_s": fts - loaded, "index_s": indexed - fts,
            "size_mib": path.stat().st_size / 2**20}


def _insert_passages(db, numbers: range, passages: list[dict], documents: dict, pick: random.Random):
    """Passages (and their documents) copied from real ones under new ids."""
    docs, rows = [], []
    for n in numbers:
        real = pick.choice(passages)
        document_id = f"bench/doc{n // PASSAGES_PER_DOCUMENT}"
        if n % PASSAGES_PER_DOCUMENT == 0 or n == numbers.start:
            docs.append({**documents[real["document_id"]], "id": document_id, "native_id": document_id,
                         "parent_id": None})
        rows.append({**real, "id": f"bench/p{n}", "document_id": document_id, "position": n})
    db["documents"].insert_all(docs, pk="id", ignore=True, batch_size=1000)
    db["passages"].insert_all(rows, pk="id", batch_size=1000)


def _insert_sentences(db, ids: np.ndarray, real: list[dict], matrix: np.ndarray,
                      static: tuple[str, np.ndarray] | None = None):
    """Sentences (unique texts) and their noisy vectors (MiniLM's, and the static model's if given)."""
    sentences, embeddings = [], []
    for number, row, vector in zip(ids.tolist(), real, matrix, strict=True):
        text = f"{row['text']} [{number}]"
        digest = text_hash(text)
        passage = number // SENTENCES_PER_PASSAGE
        fields = {k: v for k, v in row.items() if k != "passage_id"}
        sentences.append({**fields, "id": f"bench/p{passage}#s{number}", "passage_id": f"bench/p{passage}",
                          "position": number % SENTENCES_PER_PASSAGE,
                          "text": text, "text_hash": digest})
        embeddings.append((digest, MINILM_NAME, to_blob(vector)))
        if static:
            embeddings.append((digest, static[0], to_blob(static[1][len(sentences) - 1])))
    db["sentences"].insert_all(sentences, pk="id", batch_size=1000)
    db.conn.executemany("INSERT INTO embeddings (text_hash, model, vector) VALUES (?, ?, ?)", embeddings)


def exact_top(path: Path, queries: np.ndarray, k: int = 10) -> list[list[str]]:
    """The exact top-k text hashes of every query by brute-force cosine, in one pass over the vectors."""
    db = open_db(path, migrate=False)
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_hashes = np.empty((len(queries), k), dtype=object)
    cursor = db.conn.execute("SELECT text_hash, vector FROM embeddings WHERE model = ?", [MINILM_NAME])
    while batch := cursor.fetchmany(50_000):
        matrix = np.frombuffer(b"".join(r[1] for r in batch), dtype="<f4").reshape(len(batch), -1)
        hashes = np.array([r[0] for r in batch], dtype=object)
        scores = queries @ matrix.T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        all_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, 1)], axis=1)
        all_hashes = np.concatenate([best_hashes, hashes[top]], axis=1)
        order = np.argsort(-all_scores, axis=1)[:, :k]
        best_scores = np.take_along_axis(all_scores, order, 1)
        best_hashes = np.take_along_axis(all_hashes, order, 1)
    db.close()
    return [list(row) for row in best_hashes]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0-1) of timings in ms."""
    return float(np.percentile(values, q * 100))


def in_process(path: Path, queries: np.ndarray, exact: list[list[str]], in_memory: bool) -> dict:
    """Recall@10 against exact at several candidate pool sizes, and search latency (ms)."""
    db = open_db(path, migrate=False)
    vectors.load_extension(db.conn)
    result = {}
    if in_memory:
        started = time.perf_counter()
        vectors.nearest_hashes(db.conn, MINILM_NAME, queries[0], 10, in_memory=True)
        result["load_bits_s"] = time.perf_counter() - started
    for pool in POOLS:
        found, times = 0, []
        for query, truth in zip(queries, exact, strict=True):
            started = time.perf_counter()
            got = [h for h, _ in vectors.nearest_hashes(db.conn, MINILM_NAME, query, 10, candidates=pool,
                                                        in_memory=in_memory)]
            times.append((time.perf_counter() - started) * 1000)
            found += len(set(got) & set(truth))
        result[pool] = {"recall": found / (10 * len(queries)), "p50": pct(times, .5), "p95": pct(times, .95)}
    times = []
    for query in queries:
        started = time.perf_counter()
        vectors.search(db.conn, MINILM_NAME, query, 10, in_memory=in_memory)
        times.append((time.perf_counter() - started) * 1000)
    result["search"] = {"p50": pct(times, .5), "p95": pct(times, .95)}
    db.close()
    return result


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def over_http(path: Path, texts: list[str], log: Path) -> dict:
    """p50/p95 of /-/semantic.json and /-/semantic (HTML) through `pursuit serve` on 127.0.0.1."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "pursuit", "serve", str(path), "--port", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=120) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get(f"{base}/-/versions.json").status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.3)
            for text in texts[:3]:  # warm-up: the model loads on the first query
                warm = client.get(f"{base}/-/semantic.json?q={quote(text)}")
                warm.raise_for_status()
            figures = {"models": warm.json()["models"]}
            for label, suffix, count in (("json", ".json", len(texts)), ("html", "", min(30, len(texts)))):
                times = []
                for text in texts[:count]:
                    started = time.perf_counter()
                    response = client.get(f"{base}/-/semantic{suffix}?q={quote(text)}&k=10")
                    times.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                figures[label] = {"p50": pct(times, .5), "p95": pct(times, .95), "n": count}
            return figures
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def versions() -> str:
    """Python, SQLite and sqlite-vec versions."""
    import pysqlite3
    import sqlite_vec

    return (f"Python {platform.python_version()}, SQLite {pysqlite3.sqlite_version}, "
            f"sqlite-vec {sqlite_vec.__version__}, numpy {np.__version__}")


def report(size: int, built: dict, local: dict, http: dict | None, load: tuple, sigma: float,
           n_queries: int, method: str) -> str:
    """The Markdown section for one database size."""
    lines = [f"\n### Semantic search, {size:,} sentence vectors ({dt.date.today().isoformat()})\n",
             f"Machine: {os.cpu_count()} cores, shared with other engineers' jobs; load average (1 min) "
             f"{load[0]:.1f} at the start, {load[1]:.1f} at the end. {versions()}.",
             f"Data: real {MINILM_NAME} vectors of the tagged demo database resampled with Gaussian noise "
             f"(sigma {sigma} per dimension, renormalised), 4 sentences per passage; {n_queries} queries, "
             "each a real demo sentence vector with fresh noise (HTTP: the demo sentence's text, "
             "embedded by the server with the real model).",
             f"Build: load {built['load_s']:.0f} s, FTS rebuild {built['fts_s']:.0f} s, bit index "
             f"{built['index_s']:.1f} s; file {built['size_mib']:.0f} MiB.\n",
             f"Candidates by hamming distance from the {method}"
             + (f" (bits loaded once in {local['load_bits_s']:.1f} s)" if "load_bits_s" in local else "")
             + ", then re-scored by exact cosine; latency of both steps:\n",
             "| candidates (bit, hamming) | recall@10 vs exact cosine | p50 ms | p95 ms |",
             "|---|---|---|---|"]
    for pool in POOLS:
        r = local[pool]
        lines.append(f"| {pool} | {r['recall']:.3f} | {r['p50']:.1f} | {r['p95']:.1f} |")
    lines.append(f"\nIn-process `db.vectors.search` ({vectors.DEFAULT_CANDIDATES} candidates, grouped to "
                 f"passages): p50 "
                 f"{local['search']['p50']:.1f} ms, p95 {local['search']['p95']:.1f} ms.")
    if http:
        lines.append(f"Over HTTP (`pursuit serve`, 127.0.0.1, sequential, the query embedded in the server "
                     f"by every indexed model, {', '.join(http.get('models', [MINILM_NAME]))}, their "
                     f"rankings fused): `/-/semantic.json` p50 {http['json']['p50']:.0f} ms, p95 "
                     f"{http['json']['p95']:.0f} ms ({http['json']['n']} requests); HTML page p50 "
                     f"{http['html']['p50']:.0f} ms, p95 {http['html']['p95']:.0f} ms "
                     f"({http['html']['n']} requests). Target p95 < 300 ms.")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Build (or reuse) each size, measure, print and append to bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a tagged demo database (pursuit demo --no-serve)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/pursuit-bench-semantic"))
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--sigma", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--sqlite-vec-knn", action="store_true",
                        help="take in-process candidates from sqlite-vec's KNN, not the in-memory bit scan")
    parser.add_argument("--no-append", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure databases already built in --work")
    parser.add_argument("--minilm-only", action="store_true",
                        help="index MiniLM vectors only (the site then searches one model, no fusion)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = load_source(args.source)
    rng = np.random.default_rng(args.seed + 1)
    picks = rng.choice(len(source[0]), args.queries, replace=False)
    queries = noisy(source[1][picks], rng, args.sigma)
    texts = [source[0][i]["text"] for i in picks]
    static = None if args.minilm_only else static_matrix(source[0])
    for size in args.sizes:
        load_start = os.getloadavg()[0]
        path = args.work / f"semantic-{size}.db"
        if args.reuse and path.exists():
            built = {"load_s": float("nan"), "fts_s": float("nan"), "index_s": float("nan"),
                     "size_mib": path.stat().st_size / 2**20}
        else:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink()
            built = build(path, size, source, args.seed, args.sigma, static)
        print(f"{size}: built {built}", flush=True)
        exact = exact_top(path, queries)
        local = in_process(path, queries, exact, not args.sqlite_vec_knn)
        print(f"{size}: in-process {local}", flush=True)
        http = None if args.no_http else over_http(path, texts, args.work / f"serve-{size}.log")
        print(f"{size}: http {http}", flush=True)
        section = report(size, built, local, http, (load_start, os.getloadavg()[0]), args.sigma, args.queries,
                         "sqlite-vec KNN" if args.sqlite_vec_knn else "in-memory scan of the index's bits")
        print(section)
        if not args.no_append:
            with RESULTS.open("a", encoding="utf-8") as out:
                out.write(section)


if __name__ == "__main__":
    main()
