"""Wiring: which index adapter and client the settings lead to."""

from __future__ import annotations

from pathlib import Path

import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.adapters.index_opensearch import connect
from devrel.runtime import embedded_index_path, open_index
from devrel.settings import load_settings


def test_edge_index_lives_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(mode="edge", data_dir=tmp_path / "data")
    index = open_index(settings, dimension=8)
    assert isinstance(index, EdgeIndex)
    assert embedded_index_path(settings).is_file()
    assert embedded_index_path(settings).parent == tmp_path / "data" / "knowledge"


def test_amazon_domains_get_sigv4_signing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    signed = connect("https://search-kb-abc.us-east-1.es.amazonaws.com", "us-east-1")
    plain = connect("http://127.0.0.1:9200", "us-east-1")
    assert signed.transport.kwargs.get("http_auth") is not None
    assert plain.transport.kwargs.get("http_auth") is None


def test_the_bundled_edge_model_is_not_asked_for_an_answers_lead_a_chosen_one_is(tmp_path: Path) -> None:
    from devrel.knowledge.build_status import Building
    from support.fakes import fake_services

    class NoEmbedder:
        dimension = 4

    for settings, asked in (({}, False), ({"llm_base_url": "http://127.0.0.1:9/v1"}, True)):
        services = fake_services(tmp_path / str(asked), **settings)
        services.llm = None  # type: ignore[assignment]  # not started: only the options are looked at
        services.embedder = NoEmbedder()  # type: ignore[assignment]
        assert services.answerer.options.model_lead is asked
        services.index_builds.progress("proj", 1, 2)
        assert services.answerer.building is not None and services.answerer.building() == Building(1, 2)
