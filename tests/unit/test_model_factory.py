"""Which model adapters the settings select (no model is started and no request is sent here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devrel.models.catalog import ModelNotAvailable
from devrel.models.doctor import doctor_report, format_report
from devrel.models.onnx_embedder import OnnxEmbedder
from devrel.models.openai_embedder import OpenAiEmbedder
from devrel.models.openai_llm import OpenAiLlm
from devrel.runtime import build_embedder, build_llm
from devrel.settings import Settings, load_settings


class FixedSecrets:
    def __init__(self, **values: str) -> None:
        self.values = values

    def get(self, name: str) -> str | None:
        return self.values.get(name)


def cloud(**overrides: Any) -> Settings:
    return load_settings(mode="cloud", secrets_id="devrel/test", **overrides)


def test_cloud_llm_uses_the_configured_endpoint_model_and_secret() -> None:
    settings = cloud(llm_base_url="https://api.groq.example/openai/v1", llm_model="llama-3.1-8b-instant")
    llm = build_llm(settings, FixedSecrets(llm_api_key="gsk-123"))
    assert isinstance(llm, OpenAiLlm)
    assert llm.model == "llama-3.1-8b-instant"
    assert llm.client.api_key == "gsk-123"
    assert str(llm.client.base_url) == "https://api.groq.example/openai/v1/"
    assert llm.client.max_retries == 0  # our retry policy, not the SDK's on top of it


def test_cloud_llm_needs_a_model_name() -> None:
    with pytest.raises(ModelNotAvailable, match="DEVREL_LLM_MODEL"):
        build_llm(cloud(), FixedSecrets(llm_api_key="sk"))


def test_edge_llm_with_a_base_url_talks_to_that_server(tmp_path: Path) -> None:
    settings = load_settings(mode="edge", data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1")
    llm = build_llm(settings)
    assert llm.model == "local"
    assert not (tmp_path / "llm-server.log").exists()  # no local server was started


def test_remote_embedder_knows_common_dimensions_and_shortens_on_request() -> None:
    secrets = FixedSecrets(llm_api_key="sk")
    native = build_embedder(cloud(embed_model="text-embedding-3-small"), secrets)
    assert isinstance(native, OpenAiEmbedder)
    assert (native.dimension, native.shorten) == (1536, False)
    short = build_embedder(cloud(embed_model="text-embedding-3-small", embed_dimension=384), secrets)
    assert isinstance(short, OpenAiEmbedder)
    assert (short.dimension, short.shorten) == (384, True)
    with pytest.raises(ModelNotAvailable, match="DEVREL_EMBED_DIMENSION"):
        build_embedder(cloud(embed_model="nomic-embed-text"), secrets)
    with pytest.raises(ModelNotAvailable, match="DEVREL_EMBED_MODEL"):
        build_embedder(cloud(), secrets)


def test_edge_embedder_is_the_local_onnx_model(tmp_path: Path) -> None:
    embedder = build_embedder(load_settings(mode="edge", data_dir=tmp_path, embed_threads=1))
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.dimension == 384
    with pytest.raises(ModelNotAvailable, match="unknown local embedding model"):
        build_embedder(load_settings(mode="edge", data_dir=tmp_path, embed_model="bge-large"))


def test_doctor_reports_without_measuring(tmp_path: Path) -> None:
    report = doctor_report(load_settings(mode="edge", data_dir=tmp_path), measure=False)
    assert report["machine"]["cores"] >= 1
    assert report["packages"]["openai"]
    assert report["embedder"]["dimension"] == 384
    assert "tokens_per_second" not in report["llm"]
    assert any(entry["default"] for entry in report["catalog"])
    text = format_report(report)
    assert "machine:" in text
    assert "smollm2-135m-instruct-q4_1" in text
