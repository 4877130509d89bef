"""Incremental ingestion: only changed files are embedded; deleted files leave the index."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from devrel.adapters.embedding_cache import CachedEmbedder
from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.documents import Origin
from devrel.knowledge.ingest import (
    detect_origin,
    ingest,
    list_files,
    parse_repo_spec,
)
from support.fakes import HashingEmbedder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "node_modules").mkdir()
    (root / "docs" / "guide.md").write_text("# Guide\n\nStart here.\n\n## Install\n\npip install it\n")
    (root / "src" / "app.py").write_text("def main():\n    return 'hello'\n\n\ndef other():\n    return 2\n")
    (root / "node_modules" / "dep.js").write_text("ignored()\n")
    (root / "logo.png").write_bytes(b"\x89PNG")
    return root


def test_list_files_skips_vendored_and_binary_files(project: Path) -> None:
    assert list_files(project) == ["docs/guide.md", "src/app.py"]


def test_second_run_embeds_nothing_and_edits_embed_only_that_file(project: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    origin = Origin("proj")
    first = ingest(project, origin, index, embedder)
    assert (first.files_seen, first.files_changed, first.chunks) == (2, 2, index.count("proj"))
    assert first.chunks >= 3

    again = ingest(project, origin, index, embedder)
    assert (again.files_changed, again.chunks) == (0, 0)

    (project / "src" / "app.py").write_text("def main():\n    return 'bye'\n")
    embedder.texts.clear()
    edited = ingest(project, origin, index, embedder)
    assert edited.files_changed == 1 and all(t.startswith("src/app.py") for t in embedder.texts)
    assert [h.chunk.text for h in index.lexical("bye", 5)] == ["def main():\n    return 'bye'"]
    assert index.lexical("hello", 5) == []

    (project / "docs" / "guide.md").unlink()
    removed = ingest(project, origin, index, embedder)
    assert removed.files_removed == 1
    assert set(index.file_hashes("proj")) == {"src/app.py"}


def test_cached_embedder_reuses_vectors_by_text(tmp_path: Path) -> None:
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, tmp_path / "cache.sqlite", "m/32")
    first = cached.embed(["a b", "c d", "a b"])
    second = CachedEmbedder(inner, tmp_path / "cache.sqlite", "m/32").embed(["c d", "e"])
    assert inner.texts == ["a b", "c d", "e"]
    np.testing.assert_array_equal(first[1], second[0])
    np.testing.assert_array_equal(first[0], first[2])
    # Another model's vectors are never served.
    CachedEmbedder(inner, tmp_path / "cache.sqlite", "other/32").embed(["a b"])
    assert inner.texts[-1] == "a b"


def test_thread_exports_are_ingested_per_thread(project: Path, tmp_path: Path) -> None:
    export = tmp_path / "issues.threads.jsonl"
    threads = [
        {"kind": "issue", "number": 1, "title": "Crash", "url": "https://github.com/o/r/issues/1", "body": "boom"},
        {"kind": "issue", "number": 2, "title": "Docs typo", "url": "https://github.com/o/r/issues/2", "body": "x"},
    ]
    export.write_text("\n".join(json.dumps(t) for t in threads))
    embedder = HashingEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    ingest(project, Origin("proj"), index, embedder, extra_files=[export])
    hits = index.lexical("crash boom", 5)
    assert hits[0].chunk.path == "issues/1" and hits[0].chunk.url == "https://github.com/o/r/issues/1"

    threads[1]["body"] = "fixed wording"
    export.write_text("\n".join(json.dumps(t) for t in threads))
    report = ingest(project, Origin("proj"), index, embedder, extra_files=[export])
    assert report.files_changed == 1


def test_origin_of_a_github_checkout_gives_permalinks(project: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(project), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    git("-c", "user.email=a@b", "-c", "user.name=a", "add", ".")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "init")
    git("remote", "add", "origin", "git@github.com:owner/project.git")
    origin = detect_origin(project)
    assert (origin.repo, origin.commit, origin.source) == ("owner/project", git("rev-parse", "HEAD"), "owner/project")
    assert origin.link("src/app.py", 1, 2).startswith("https://github.com/owner/project/blob/")
    # In a checkout, git decides what is indexed (the untracked file is left out).
    (project / "docs" / "draft.md").write_text("# Draft\n")
    assert "docs/draft.md" not in list_files(project)


def test_repo_specs() -> None:
    assert parse_repo_spec("pallets/flask@85c5d93") == ("pallets/flask", "85c5d93")
    assert parse_repo_spec("https://github.com/psf/requests") == ("psf/requests", None)


SKIPPED_BY_DEFAULT = {
    "vendor/lib.py": "def vendored():\n    return 1\n",
    "src/_vendor/six.py": "def six():\n    return 6\n",
    "third_party/x.go": "package x\n",
    "tests/fixtures/payload.json": '{"event": "push"}\n',
    "pkg/testdata/sample.txt": "sample\n",
    "web/app.min.js": "function a(){return 1}\n",
    "api/service_pb2.py": "DESCRIPTOR = None\n",
    "Pipfile.lock": "{}\n",
    "go.sum": "example.com/x v1.0.0 h1:abc=\n",
}


def test_vendored_generated_fixture_and_lock_files_are_skipped_unless_asked(project: Path, tmp_path: Path) -> None:
    for path, text in SKIPPED_BY_DEFAULT.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text)
    # Skipped by content: a tool's header, and one very long line.
    (project / "src" / "models_gen.py").write_text("# Code generated by protoc. DO NOT EDIT.\nX = 1\n")
    (project / "src" / "bundle.js").write_text("var a=1;" * 2000)
    (project / "src" / "fixtures_helper.py").write_text("def helper():\n    return 'kept'\n")

    listed = list_files(project)
    assert not set(SKIPPED_BY_DEFAULT) & set(listed)
    assert "src/fixtures_helper.py" in listed  # only folder names count, not file names that resemble them
    everything = list_files(project, include_skipped=True)
    assert {"vendor/lib.py", "src/_vendor/six.py", "tests/fixtures/payload.json", "web/app.min.js",
            "api/service_pb2.py"} <= set(everything)

    embedder = HashingEmbedder()
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    report = ingest(project, Origin("proj"), index, embedder)
    assert set(index.file_hashes("proj")) == {"docs/guide.md", "src/app.py", "src/fixtures_helper.py"}
    assert {"src/models_gen.py", "src/bundle.js"} <= set(report.skipped)

    again = ingest(project, Origin("all"), index, embedder, include_skipped=True)
    assert {"vendor/lib.py", "tests/fixtures/payload.json", "src/models_gen.py"} <= set(index.file_hashes("all"))
    assert again.files_seen > report.files_seen


class StoppingEmbedder(HashingEmbedder):
    """Dies on its `calls`-th call, like a process killed in the middle of a first build."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls_left = calls

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls_left -= 1
        if self.calls_left <= 0:
            raise KeyboardInterrupt
        return super().embed(texts)


def test_an_ingest_stopped_halfway_leaves_no_file_half_indexed(tmp_path: Path) -> None:
    root = tmp_path / "many"
    (root / "docs").mkdir(parents=True)
    for number in range(12):  # sections of different lengths in every file
        sections = "\n\n".join(f"## Part {part}\n\n" + f"word{number} " * (5 + 40 * part) for part in range(4))
        (root / "docs" / f"page{number}.md").write_text(f"# Page {number}\n\n{sections}\n")
    index = EdgeIndex(tmp_path / "index.sqlite", HashingEmbedder().dimension)
    complete = EdgeIndex(tmp_path / "complete.sqlite", HashingEmbedder().dimension)
    total = ingest(root, Origin("docs"), complete, HashingEmbedder(), batch_size=5).chunks

    with pytest.raises(KeyboardInterrupt):
        ingest(root, Origin("docs"), index, StoppingEmbedder(calls=4), batch_size=5)
    stored = index.count("docs")
    assert 0 < stored < total

    ingest(root, Origin("docs"), index, HashingEmbedder(), batch_size=5)
    assert index.count("docs") == total  # the files cut off were taken as changed, not as done
