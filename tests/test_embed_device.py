"""The embedding device option: CPU by default, a GPU when PURSUIT_EMBED_DEVICE or `device` names one."""

from __future__ import annotations

from nlp.embed import DEVICE_ENV, SentenceTransformerEmbedder


def test_cpu_unless_the_environment_or_the_caller_names_a_device(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    assert SentenceTransformerEmbedder().device == "cpu"
    monkeypatch.setenv(DEVICE_ENV, "cuda:1")
    assert SentenceTransformerEmbedder().device == "cuda:1"
    assert SentenceTransformerEmbedder(device="mps").device == "mps"
    assert SentenceTransformerEmbedder(batch_size=512).batch_size == 512
