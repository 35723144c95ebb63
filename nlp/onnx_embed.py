"""The MiniLM sentence model on ONNX Runtime: same tokens, pooling and vectors as sentence-transformers."""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from pathlib import Path

import numpy as np

from nlp.onnx_export import INPUTS, OnnxExportError, ensure_onnx

log = logging.getLogger(__name__)
DIMENSIONS = 384
SUPPORTED_MODULES = ("sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                     "sentence_transformers.models.Normalize")


def check_supported(model_path: str | Path) -> int:
    """The folder's max sequence length if it is transformer + mean pooling (+ normalise), else raise."""
    folder = Path(model_path)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        pooling = next(m for m in modules if m["type"].endswith("Pooling"))
        config = json.loads((folder / pooling["path"] / "config.json").read_text(encoding="utf-8"))
        settings = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, StopIteration, KeyError) as error:
        raise OnnxExportError(f"{folder}: not a sentence-transformers folder the ONNX backend reads: "
                              f"{type(error).__name__}: {error}") from error
    modes = sorted(k for k, v in config.items() if k.startswith("pooling_mode") and v)
    if modes != ["pooling_mode_mean_tokens"] or any(m["type"] not in SUPPORTED_MODULES for m in modules):
        raise OnnxExportError(f"{folder}: the ONNX backend supports transformer + mean pooling (+ normalise) "
                              f"only, not modules {[m['type'] for m in modules]} with pooling {modes}")
    return int(settings["max_seq_length"])


def length_sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar token length (shortest first), to cut padding."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


def padded(ids: list[list[int]]) -> dict[str, np.ndarray]:
    """Token ids right-padded with 0 into the model's three int64 inputs."""
    width = max(len(row) for row in ids)
    input_ids = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, tokens in enumerate(ids):
        input_ids[row, :len(tokens)] = tokens
        mask[row, :len(tokens)] = 1
    return dict(zip(INPUTS, (input_ids, mask, np.zeros_like(input_ids)), strict=True))


def mean_pooled(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token states under the mask, L2-normalised (sentence-transformers' Pooling + Normalize)."""
    weights = mask[..., None].astype(np.float32)
    summed = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return summed / np.clip(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12, None)


def open_session(path: Path, threads: int):
    """An ONNX Runtime CPU session with every graph optimisation, `threads` intra-op threads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def cached_session(model_path: str | Path, threads: int, root: Path | None = None):
    """The session over the cached export; a file that will not open is exported again once."""
    path = ensure_onnx(model_path, root)
    try:
        return open_session(path, threads)
    except Exception as first:
        log.warning("%s: the cached ONNX file would not open (%s); exporting it again", path, first)
        path.unlink(missing_ok=True)
        path = ensure_onnx(model_path, root)
        try:
            return open_session(path, threads)
        except Exception as error:
            raise OnnxExportError(f"{path}: the ONNX file exported from {model_path} would not open: "
                                  f"{type(error).__name__}: {error}") from error


def load_tokenizer(model_path: str | Path, max_length: int):
    """The folder's fast tokenizer, truncating at `max_length` tokens and not padding."""
    from tokenizers import Tokenizer

    path = Path(model_path) / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as error:
        raise OnnxExportError(f"{path}: the fast tokenizer would not load: {error}") from error
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return tokenizer


class OnnxEmbedder:
    """sentence-transformers' vectors computed by ONNX Runtime; falls back to torch if the export fails."""

    def __init__(self, model: str | None = None, batch_size: int = 64, threads: int | None = None,
                 cache_dir: Path | None = None):
        from nlp.embed import MODEL_ENV, default_model

        self.model_path = model or default_model()
        self.name = "all-MiniLM-L6-v2" if model is None and MODEL_ENV not in os.environ else self.model_path
        self.batch_size = batch_size
        self.threads = threads or min(2, os.cpu_count() or 1)
        self.cache_dir = cache_dir
        self.backend = "onnx"
        self._session = self._tokenizer = self._fallback = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        """Open (exporting on first use) the ONNX model, or switch to the torch backend with a warning."""
        with self._lock:
            if self._session is not None or self._fallback is not None:
                return
            try:
                max_length = check_supported(self.model_path)
                self._tokenizer = load_tokenizer(self.model_path, max_length)
                self._session = cached_session(self.model_path, self.threads, self.cache_dir)
            except (OnnxExportError, ImportError) as error:
                self._fall_back(error)

    def _fall_back(self, error: Exception) -> None:
        """Use sentence-transformers (torch) instead, saying why."""
        from nlp.embed import SentenceTransformerEmbedder

        warnings.warn(f"ONNX backend unavailable, using the torch backend: {error}", RuntimeWarning,
                      stacklevel=3)
        self._fallback = SentenceTransformerEmbedder(self.model_path, threads=self.threads)
        self._fallback.name = self.name
        self.backend = "torch"

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts in batches of similar token length; rows in input order, L2-normalised float32."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        if self._session is None and self._fallback is None:
            self._load()
        if self._fallback is not None:
            return self._fallback.encode(texts)
        ids = [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]
        vectors = None
        for batch in length_sorted_batches([len(row) for row in ids], self.batch_size):
            inputs = padded([ids[i] for i in batch])
            (states,) = self._session.run(None, inputs)
            if vectors is None:
                vectors = np.zeros((len(texts), states.shape[-1]), dtype=np.float32)
            vectors[batch] = mean_pooled(states, inputs["attention_mask"])
        return vectors
