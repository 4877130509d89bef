"""Re-indexing sources: a repository at a commit is checked out, then ingested incrementally."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.reindex import reindex, resolve_target
from devrel.ports import PortError


class OnesEmbedder:
    dimension = 4

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), self.dimension), 0.5, dtype=np.float32)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=a@b", "-c", "user.name=a", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def make_remote(tmp_path: Path) -> tuple[str, str, str]:
    """A bare repository served from a file:// 'GitHub', with two commits."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q")
    (work / "guide.md").write_text("# Guide\n\nFirst version.\n")
    git(work, "add", ".")
    git(work, "commit", "-qm", "one")
    first = git(work, "rev-parse", "HEAD")
    (work / "guide.md").write_text("# Guide\n\nSecond version.\n")
    git(work, "commit", "-qam", "two")
    second = git(work, "rev-parse", "HEAD")
    (tmp_path / "remote" / "owner").mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(work), str(tmp_path / "remote" / "owner" / "proj.git"))
    return f"file://{tmp_path / 'remote'}", first, second


def test_repository_at_a_commit_links_to_that_commit(tmp_path: Path) -> None:
    base, first, _ = make_remote(tmp_path)
    root, origin = resolve_target(f"owner/proj@{first}", tmp_path / "checkouts", github_url=base)
    assert (root / "guide.md").read_text().endswith("First version.\n")
    assert (origin.source, origin.repo, origin.commit) == ("owner/proj", "owner/proj", first)
    assert origin.link("guide.md", 1, 3) == f"https://github.com/owner/proj/blob/{first}/guide.md#L1-L3"


def test_reindex_follows_the_default_branch_and_skips_unchanged(tmp_path: Path) -> None:
    base, _, second = make_remote(tmp_path)
    index = EdgeIndex(tmp_path / "index.sqlite", OnesEmbedder.dimension)
    first_run = reindex(["owner/proj"], tmp_path / "checkouts", index, OnesEmbedder(), github_url=base)
    assert first_run[0].chunks == 1
    assert index.lexical("second version", 1)[0].chunk.url.startswith(f"https://github.com/owner/proj/blob/{second}/")
    again = reindex(["owner/proj"], tmp_path / "checkouts", index, OnesEmbedder(), github_url=base)
    assert (again[0].files_changed, again[0].chunks) == (0, 0)


def test_unknown_commit_is_a_port_error(tmp_path: Path) -> None:
    base, _, _ = make_remote(tmp_path)
    with pytest.raises(PortError, match="checkout"):
        resolve_target("owner/proj@deadbeef", tmp_path / "checkouts", github_url=base)
