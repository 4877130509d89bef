"""A first build of the index is reported while it runs: in answers and in /api/health."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.adapters.store_sqlite import SqliteStore
from devrel.cli import main
from devrel.commands import ingest as ingest_command
from devrel.commands.common import command_settings
from devrel.knowledge.answering import Answerer
from devrel.knowledge.build_status import STALE_SECONDS, Building, IndexBuilds
from devrel.knowledge.reindex import reindex
from devrel.knowledge.retrieval import Retriever
from devrel.runtime import build_store


class RecordingEmbedder:
    """Constant vectors; asks `builds` how far the build is at every call, as an answer would."""

    dimension = 4

    def __init__(self, builds: IndexBuilds) -> None:
        self.builds = builds
        self.seen: list[Building | None] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen.append(self.builds.building())
        return np.full((len(texts), self.dimension), 0.5, dtype=np.float32)


def _folder(tmp_path: Path, files: int) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    for n in range(files):
        (root / f"page{n}.md").write_text(f"# Page {n}\n\nAbout topic {n}.\n")
    return root


def test_a_first_build_is_reported_while_it_runs_and_not_after(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.sqlite")
    builds = IndexBuilds(store)
    embedder = RecordingEmbedder(builds)
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    root = _folder(tmp_path, 5)
    (report,) = reindex([str(root)], tmp_path / "checkouts", index, embedder, builds=builds)
    assert report.files_changed == 5
    # Asked while the first batch was being embedded: nothing complete yet, 5 files to go.
    assert embedder.seen[0] == Building(0, 5)
    assert builds.building() is None  # finished

    (root / "page0.md").write_text("# Page 0\n\nChanged.\n")
    embedder.seen.clear()
    reindex([str(root)], tmp_path / "checkouts", index, embedder, builds=builds)
    assert embedder.seen == [None]  # a re-index of a complete index is not a build


def test_a_build_whose_process_died_stops_counting(tmp_path: Path) -> None:
    now = [1000.0]
    builds = IndexBuilds(SqliteStore(tmp_path / "store.sqlite"), clock=lambda: now[0])
    builds.progress("a", 3, 10)
    builds.progress("b", 1, 4)
    assert builds.building() == Building(4, 14)
    now[0] += STALE_SECONDS + 1
    assert builds.building() is None


def test_an_answer_from_a_partial_index_says_so_and_is_not_confident(tmp_path: Path) -> None:
    builds = IndexBuilds(SqliteStore(tmp_path / "store.sqlite"))
    embedder = RecordingEmbedder(builds)
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    reindex([str(_folder(tmp_path, 2))], tmp_path / "checkouts", index, embedder)
    answerer = Answerer(Retriever(index, embedder), building=builds.building)
    assert "still being built" not in answerer.answer("topic 1").text
    builds.progress("docs", 40, 120)
    answer = answerer.answer("What is topic 1 about?")
    assert answer.text.startswith("The index is still being built (40 of 120 files)")
    assert not answer.confident
    assert Answerer(Retriever(index, embedder), building=builds.building).answer("¿Qué es el tema 1?").text.startswith(
        "El índice aún se está construyendo (40 de 120 archivos)")


def test_devrel_ingest_reports_a_first_build_to_the_edge_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    """`bash .ci/edge` builds the first index with `devrel ingest` beside `devrel serve`: answers and
    /api/health read the same data directory's store."""
    data_dir = tmp_path / "data"
    builds = IndexBuilds(build_store(command_settings(data_dir)))
    embedder = RecordingEmbedder(builds)

    def the_recording_embedder(*_: Any, **__: Any) -> RecordingEmbedder:
        return embedder

    monkeypatch.setattr(ingest_command, "build_embedder", the_recording_embedder)
    root = _folder(tmp_path, 3)
    assert main(["ingest", str(root), "--data-dir", str(data_dir), "--json"]) == 0
    assert embedder.seen[0] == Building(0, 3)
    assert builds.building() is None
    (root / "page1.md").write_text("# Page 1\n\nChanged.\n")
    embedder.seen.clear()
    assert main(["ingest", str(root), "--data-dir", str(data_dir), "--json"]) == 0
    assert embedder.seen == [None]  # an update of a built index is not a build


def test_an_answer_before_anything_is_indexed_points_to_no_passages(tmp_path: Path) -> None:
    builds = IndexBuilds(SqliteStore(tmp_path / "store.sqlite"))
    embedder = RecordingEmbedder(builds)
    builds.progress("docs", 0, 424)
    text = Answerer(Retriever(EdgeIndex(tmp_path / "index.sqlite", embedder.dimension), embedder),
                    building=builds.building).answer("How do I run the tests?").text
    assert text.startswith("The index is still being built (0 of 424 files)")
    assert "closest passages" not in text and "could not find a confident answer" in text
