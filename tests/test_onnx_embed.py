"""The ONNX Runtime backend of the full sentence model: the same vectors as torch, order, selection, cache."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from conftest import PARLPARSE

from nlp.background import parlparse_passages
from nlp.embed import BACKEND_ENV, DEVICE_ENV, SentenceTransformerEmbedder, sentence_embedder
from nlp.onnx_embed import OnnxEmbedder, check_supported, length_sorted_batches, load_tokenizer
from nlp.onnx_export import OnnxExportError, ensure_onnx, onnx_path
from nlp.pipeline import build_pipeline
from nlp.semantic import units_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def onnx_embedder(model_cache_dir) -> OnnxEmbedder:
    """The packaged MiniLM on ONNX Runtime, exported once into this test run's cache folder."""
    return OnnxEmbedder()


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    """The packaged MiniLM on sentence-transformers and torch (the reference)."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def mixed_sentences() -> list[str]:
    """Real written-statement sentences of every length, one text over 256 tokens and a very short one."""
    passages = parlparse_passages(PARLPARSE / "wms" / "ministerial2009-10-29a.xml")
    sentences = list(dict.fromkeys(units_of(list(build_pipeline().pipe(passages[:12])))[1]))
    return [*sentences[:50], " ".join(sentences[:30]), "Yes.", ""]


def test_onnx_vectors_equal_torch_vectors_on_real_sentences(onnx_embedder, torch_embedder, mixed_sentences):
    untruncated = load_tokenizer(onnx_embedder.model_path, 10_000)
    lengths = [len(e.ids) for e in untruncated.encode_batch(mixed_sentences)]
    assert max(lengths) > 256 and min(lengths) <= 4, "the sample must exercise truncation and tiny inputs"
    onnx, reference = onnx_embedder.encode(mixed_sentences), torch_embedder.encode(mixed_sentences)
    assert onnx_embedder.backend == "onnx" and onnx.dtype == np.float32 and onnx.shape == reference.shape
    cosines = (onnx * reference).sum(axis=1)
    assert cosines.min() >= 0.99999
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.name == torch_embedder.name == "all-MiniLM-L6-v2"


def test_rows_come_back_in_input_order_after_length_sorting(onnx_embedder, mixed_sentences):
    texts = [mixed_sentences[50], "Yes.", mixed_sentences[3], mixed_sentences[0]]
    together = OnnxEmbedder(batch_size=2).encode(texts)
    alone = np.stack([onnx_embedder.encode([t])[0] for t in texts])
    assert ((together * alone).sum(axis=1) >= 0.99999).all()
    assert length_sorted_batches([9, 2, 5, 2, 7], 2) == [[1, 3], [2, 4], [0]]


def test_backend_comes_from_the_environment_and_gpu_devices_use_torch(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert isinstance(sentence_embedder(), OnnxEmbedder)
    assert isinstance(sentence_embedder(device="cuda"), SentenceTransformerEmbedder)
    monkeypatch.setenv(BACKEND_ENV, "torch")
    assert isinstance(sentence_embedder(), SentenceTransformerEmbedder)
    monkeypatch.setenv(BACKEND_ENV, "onnx")
    assert isinstance(sentence_embedder(), OnnxEmbedder)
    monkeypatch.setenv(BACKEND_ENV, "tensorrt")
    with pytest.raises(ValueError, match=BACKEND_ENV):
        sentence_embedder()


def test_a_broken_cached_file_is_exported_again(onnx_embedder, tmp_path):
    broken = onnx_path(onnx_embedder.model_path, tmp_path)
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"half a file")
    vectors = OnnxEmbedder(cache_dir=tmp_path).encode(["The Bill will protect victims of stalking."])
    assert (vectors @ onnx_embedder.encode(["The Bill will protect victims of stalking."]).T)[0, 0] >= 0.99999
    assert broken.stat().st_size > 1_000_000
    assert [p.name for p in broken.parent.iterdir()] == [broken.name], "temporary files were left behind"


def test_a_failed_export_names_the_path_and_falls_back_to_torch(onnx_embedder, tmp_path):
    not_a_folder = tmp_path / "cache-is-a-file"
    not_a_folder.write_text("")
    with pytest.raises(OnnxExportError, match=str(not_a_folder)):
        ensure_onnx(onnx_embedder.model_path, not_a_folder)
    fallback = OnnxEmbedder(cache_dir=not_a_folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vector = fallback.encode(["A domestic abuse protection order."])
    assert fallback.backend == "torch" and fallback.name == "all-MiniLM-L6-v2"
    assert any("torch backend" in str(w.message) and str(not_a_folder) in str(w.message) for w in caught)
    assert (vector @ onnx_embedder.encode(["A domestic abuse protection order."]).T)[0, 0] >= 0.99999


def test_models_other_than_mean_pooling_are_refused_with_the_folder_named(tmp_path):
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    (tmp_path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128}))
    with pytest.raises(OnnxExportError, match=str(tmp_path)):
        check_supported(tmp_path)
