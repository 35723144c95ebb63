"""The static embedding model distilled from MiniLM: a weighted mean of per-token vectors, no network."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
from scipy import sparse

DEFAULT_DIR = Path(__file__).parent / "model" / "static"
STATIC_ENV = "PURSUIT_STATIC_MODEL"
VECTORS = "vectors.npy"
TOKENIZER = "tokenizer.json"
MANIFEST = "manifest.json"


class StaticModelError(ValueError):
    """The static model's folder is missing, incomplete or does not match its manifest."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_static_dir() -> Path:
    """$PURSUIT_STATIC_MODEL if set, else nlp/model/static."""
    return Path(os.environ.get(STATIC_ENV) or DEFAULT_DIR)


class StaticEmbedder:
    """Embeds a text as the normalised mean of its tokens' distilled vectors (thousands of texts a second)."""

    def __init__(self, folder: Path | str | None = None):
        self.folder = Path(folder) if folder else default_static_dir()
        manifest_path = self.folder / MANIFEST
        try:
            self.manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            from tokenizers import Tokenizer

            self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER))
            self.vectors = np.load(self.folder / VECTORS).astype(np.float32)
        except Exception as error:  # the tokenizers library raises plain Exception on a bad file
            raise StaticModelError(f"{self.folder}: cannot load the static embedding model ({error}); "
                                   "build it with `python -m nlp.distill`") from error
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.name = str(self.manifest["name"])
        self.dimensions = int(self.vectors.shape[1])

    def verify(self) -> None:
        """Raise StaticModelError unless the files hash to what the manifest recorded."""
        for key, name in (("vectors_sha256", VECTORS), ("tokenizer_sha256", TOKENIZER)):
            if file_sha256(self.folder / name) != self.manifest.get(key):
                raise StaticModelError(f"{self.folder / name}: does not match {key} in its manifest")

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (zeros for a text with no tokens)."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        ids = [encoding.ids for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False)]
        lengths = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((t for i in ids for t in i), dtype=np.int64, count=int(lengths.sum()))
        counts = sparse.csr_matrix((np.ones(len(flat), dtype=np.float32), flat,
                                    np.concatenate([[0], np.cumsum(lengths)])),
                                   shape=(len(texts), self.vectors.shape[0]))
        sums = np.asarray(counts @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out[:] = sums / np.where(norms > 0, norms, 1.0)
        return out
