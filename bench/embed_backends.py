"""Benchmark: MiniLM on each backend and batching, interleaved; cosine to torch.

Sentences: every distinct sentence of the ParlParse sittings the first pass does not learn from (Lords
27 Oct 2009, Lords written answers, Westminster Hall, written statements), split the way the tagger
splits (`nlp.pipeline.build_pipeline`). They are cut into as many slices as rounds; each round every
variant encodes that round's slice, one variant after another, so other work on the machine falls on
all of them alike. Rates are per-round sentences/s (median and range); the speed-up is the median of the
per-round ratios to the torch baseline (sentence-transformers' `encode`, batch 64, what shipped before).
Cosine to the baseline is over every sentence (all rounds together). Appends to bench/RESULTS.md.

Run: .venv/bin/python bench/embed_backends.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from benchlib import _version, append_results, machine_line  # noqa: E402

PARLPARSE = REPO / "tests" / "fixtures" / "responses" / "parlparse"
HELD_OUT = ("lordspages/daylord2009-10-27a.xml", "lordswrans/lordswrans2009-10-29a.xml",
            "westminhall/westminster2009-10-29a.xml", "wms/ministerial2009-10-29a.xml")
PACKAGES = ("torch", "onnxruntime", "onnx", "sentence-transformers", "transformers", "tokenizers")


def held_out_sentences() -> list[str]:
    """Distinct sentences of the held-out sittings, split as the tagger splits them."""
    from nlp.background import background_sentences, parlparse_passages

    return background_sentences([p for name in HELD_OUT for p in parlparse_passages(PARLPARSE / name)], set())


class InputOrder:
    """Encodes consecutive chunks of the input as they come (no sorting across a batch's neighbours)."""

    def __init__(self, inner, batch_size: int):
        self.inner, self.batch_size = inner, batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        """One inner call per chunk of `batch_size` texts, in input order."""
        return np.concatenate([self.inner.encode(texts[i:i + self.batch_size])
                               for i in range(0, len(texts), self.batch_size)])


class TorchTokenSorted:
    """The sentence-transformers model's transformer called directly: token-length batches, inference mode."""

    def __init__(self, batch_size: int):
        from nlp.embed import SentenceTransformerEmbedder
        from nlp.onnx_embed import check_supported, load_tokenizer

        self.batch_size = batch_size
        embedder = SentenceTransformerEmbedder()
        self.model = embedder._load()[0].auto_model.eval()
        self.tokenizer = load_tokenizer(embedder.model_path, check_supported(embedder.model_path))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors pooled and normalised as sentence-transformers does, rows in input order."""
        import torch

        from nlp.onnx_embed import length_sorted_batches, mean_pooled, padded

        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        with torch.inference_mode():
            for batch in length_sorted_batches([len(row) for row in ids], self.batch_size):
                inputs = {k: torch.from_numpy(v) for k, v in padded([ids[i] for i in batch]).items()}
                states = self.model(**inputs).last_hidden_state.numpy()
                vectors[batch] = mean_pooled(states, inputs["attention_mask"].numpy())
        return vectors


def fused_onnx(folder: Path, batch_size: int):
    """The ONNX backend over the export with BERT attention, GELU and layer norms fused offline by
    onnxruntime's transformer optimizer (the shipped export relies on ORT's own graph optimisations)."""
    from onnxruntime.transformers import optimizer

    from nlp.onnx_embed import OnnxEmbedder, open_session
    from nlp.onnx_export import ensure_onnx

    embedder = OnnxEmbedder(batch_size=batch_size)
    embedder.encode(["load"])
    optimized = optimizer.optimize_model(str(ensure_onnx(embedder.model_path)), model_type="bert",
                                         opt_level=1, num_heads=12, hidden_size=384)
    optimized.save_model_to_file(str(folder / "fused.onnx"))
    embedder._session = open_session(folder / "fused.onnx", embedder.threads)
    return embedder


def variants(folder: Path) -> dict[tuple[str, str, int], object]:
    """(backend, batching, batch size) -> an embedder; the first is the baseline."""
    from nlp.embed import SentenceTransformerEmbedder
    from nlp.onnx_embed import OnnxEmbedder

    found = {
        ("torch (sentence-transformers encode)", "sorted by characters", 64): SentenceTransformerEmbedder(),
        ("torch (transformer called directly, inference mode)", "sorted by tokens", 64): TorchTokenSorted(64),
        ("onnx, fused offline (ORT transformer optimizer)", "sorted by tokens", 64): fused_onnx(folder, 64),
        ("onnx (shipped)", "input order", 64): InputOrder(OnnxEmbedder(batch_size=64), 64),
    }
    for size in (16, 32, 64, 128):
        found[("onnx (shipped)", "sorted by tokens", size)] = OnnxEmbedder(batch_size=size)
    return found


def run_rounds(embedders: dict, sentences: list[str], rounds: int):
    """Per variant: per-round seconds and every vector; plus the 1-minute load at each round's end."""
    seconds = {key: [] for key in embedders}
    vectors = {key: [] for key in embedders}
    loads = []
    slices = [sentences[i::rounds] for i in range(rounds)]
    for chunk in slices:
        for key, embedder in embedders.items():
            started = time.perf_counter()
            vectors[key].append(embedder.encode(chunk))
            seconds[key].append(time.perf_counter() - started)
        loads.append(os.getloadavg()[0])
        print(f"round {len(loads)} done, load {loads[-1]:.1f}", flush=True)
    return slices, seconds, {k: np.concatenate(v) for k, v in vectors.items()}, loads


def table(slices, seconds, vectors, loads) -> str:
    """The markdown table of rates, speed-ups and cosines."""
    base_key = next(iter(seconds))
    rows = ["| backend | batching | batch | sentences/s, median (range) | speed-up vs torch baseline "
            "(median of per-round ratios) | cosine to torch, min / mean |", "|---|---|---|---|---|---|"]
    for key, times in seconds.items():
        rates = [len(s) / t for s, t in zip(slices, times, strict=True)]
        ratios = [b / t for b, t in zip(seconds[base_key], times, strict=True)]
        cosine = (vectors[key] * vectors[base_key]).sum(axis=1)
        rows.append(f"| {key[0]} | {key[1]} | {key[2]} | {statistics.median(rates):.0f} "
                    f"({min(rates):.0f}–{max(rates):.0f}) | {statistics.median(ratios):.2f}× | "
                    f"{cosine.min():.7f} / {cosine.mean():.7f} |")
    return "\n".join(rows)


def main() -> None:
    """Measure every variant interleaved and append the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, help="use only the first N sentences (a quick check)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    sentences = held_out_sentences()[:args.limit]
    with tempfile.TemporaryDirectory() as folder:
        embedders = variants(Path(folder))
        for embedder in embedders.values():
            embedder.encode(["warm up", "a second, longer sentence to warm up the model with"])
        start_load = os.getloadavg()
        slices, seconds, vectors, loads = run_rounds(embedders, sentences, args.rounds)
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    append_results(
        f"\n## MiniLM backends (issue 9): torch vs ONNX Runtime, interleaved — {machine_line()}\n\n"
        f"Versions: {versions}; 2 threads for torch and for ONNX Runtime (intra-op). "
        f"{len(sentences)} distinct held-out Hansard sentences, {args.rounds} rounds of about "
        f"{len(slices[0])}, every variant in every round one after another. Load average at the start "
        f"{start_load[0]:.1f} / {start_load[1]:.1f} / {start_load[2]:.1f}; 1-minute load at the end of each "
        f"round: {', '.join(f'{x:.1f}' for x in loads)}.\n\n" + table(slices, seconds, vectors, loads) + "\n"
    )


if __name__ == "__main__":
    main()
