"""Export a sentence-transformers BERT folder to ONNX once, into a cache keyed by the model and versions."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

CACHE_ENV = "PURSUIT_CACHE_DIR"
RECIPE = "torchscript-opset17-1"  # change when the export steps change: old files are then ignored
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxExportError(RuntimeError):
    """The model could not be exported to ONNX, or the exported file could not be opened."""


def cache_root() -> Path:
    """$PURSUIT_CACHE_DIR, else $XDG_CACHE_HOME/pursuit, else ~/.cache/pursuit."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pursuit"


def _package_version(name: str) -> str:
    """An installed distribution's version, or 'none'."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


def export_key(model_path: str | Path) -> str:
    """A digest of the model folder (path, weights' sizes and times), torch, onnxruntime and the recipe."""
    folder = Path(model_path).resolve()
    weights = sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin"))
    stamps = [(w.name, w.stat().st_size, w.stat().st_mtime_ns) for w in weights]
    parts = [str(folder), stamps, _package_version("torch"), _package_version("onnxruntime"), RECIPE]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:16]


def onnx_path(model_path: str | Path, root: Path | None = None) -> Path:
    """Where the exported file of this model lives in the cache."""
    return (root or cache_root()) / "onnx" / f"{Path(model_path).name}-{export_key(model_path)}.onnx"


def ensure_onnx(model_path: str | Path, root: Path | None = None) -> Path:
    """The cached ONNX file of the model, exported first if it is not there yet."""
    target = onnx_path(model_path, root)
    if not target.exists():
        export_atomically(model_path, target)
    return target


def export_atomically(model_path: str | Path, target: Path) -> None:
    """Export to temporary files beside `target`, then rename into place (safe with concurrent exporters)."""
    partial = target.with_name(f".{target.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        export_plain(model_path, partial)
        os.replace(partial, target)
    except Exception as error:
        raise OnnxExportError(f"could not export the model {model_path} to ONNX at {target}: "
                              f"{type(error).__name__}: {error}") from error
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()


def export_plain(model_path: str | Path, out: Path) -> None:
    """Trace the transformer (token states out) with torch's TorchScript exporter; batch, length dynamic."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager")
    wrapper = token_states_module(model.eval())
    example = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    arguments = (example, (example > 0).long(), torch.zeros_like(example))
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "token_states")}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, arguments, str(out), dynamo=False, opset_version=OPSET,
                          input_names=list(INPUTS), output_names=["token_states"], dynamic_axes=axes)


def token_states_module(model):
    """A torch module that calls a transformers model with named inputs and returns its last hidden state."""
    import torch

    class TokenStates(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    return TokenStates()
