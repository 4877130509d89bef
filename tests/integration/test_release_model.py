"""The release-notes classifier in the product: `devrel eval release-notes --train --publish` saves the
model it measured (with its cross-validated numbers) as the `release-notes-model` artifact, and drafting
(`devrel release-notes`, the release state machine through runtime.release_kinds) then uses it instead of
the keyword cues; a model that cannot be read is skipped, never half used."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import numpy as np
import pytest

from devrel.cli import main
from devrel.release.evaluation import Row
from devrel.release.training import MODEL_ARTIFACT, MODEL_FILE, TrainedKinds, load_kinds, train_kinds
from devrel.runtime import release_kinds
from integration.test_release_eval import ROWS, write_csv
from support.fakes import fake_services
from support.git_repo import commit, git

SUBJECTS = [("Support proxies from the environment", ""), ("Run the linters in CI", ""),
            ("fix: crash on empty input", "Details."), ("Refactor the loader internals", "")]


def test_a_saved_model_loads_to_the_same_decisions(tmp_path: Path) -> None:
    model = train_kinds([Row(commits, release) for commits, release in ROWS * 3], threshold=0.45)
    model.save(tmp_path / "model", {"cv_rougeL_by_threshold": {"0.45": 30.0}})
    loaded = load_kinds(tmp_path / "model")
    assert loaded.threshold == 0.45
    assert np.allclose([loaded.probability(*s) for s in SUBJECTS], [model.probability(*s) for s in SUBJECTS])
    assert [loaded.guess(*s).kind for s in SUBJECTS] == [model.guess(*s).kind for s in SUBJECTS]
    assert json.loads((tmp_path / "model" / MODEL_FILE).read_text())["measured"]["cv_rougeL_by_threshold"]


def test_publish_makes_drafting_use_the_trained_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    services = fake_services(data)
    assert release_kinds(services) is None  # nothing trained: keyword cues
    train = write_csv(tmp_path / "train.csv", ROWS * 3)
    val = write_csv(tmp_path / "val.csv", ROWS[:2])
    assert main(["eval", "release-notes", "--data", str(val), "--train", str(train), "--folds", "2", "--publish",
                 "--data-dir", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["published"] == MODEL_ARTIFACT
    stored = json.loads((data / MODEL_ARTIFACT / MODEL_FILE).read_text())
    # The numbers it was chosen by travel with it: cross-validated on --train, measured on --data.
    assert stored["measured"]["cv_rougeL_by_threshold"] == report["cv_rougeL_by_threshold"]
    assert stored["measured"]["trained"] == report["trained"] and stored["threshold"] == report["threshold"]
    kinds = release_kinds(fake_services(data))
    assert isinstance(kinds, TrainedKinds) and kinds.threshold == report["threshold"]

    repo = tmp_path / "proj"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    env = {"GIT_AUTHOR_NAME": "Ann", "GIT_AUTHOR_EMAIL": "ann@example.org", "GIT_COMMITTER_NAME": "Ann",
           "GIT_COMMITTER_EMAIL": "ann@example.org"}
    commit(repo, {"README.md": "x\n"}, "Initial import", env)
    git(repo, "tag", "v1.0")
    commit(repo, {"proxy.py": "PROXY = None\n"}, "Support proxies from the environment", env)
    assert main(["release-notes", "--repo", str(repo), "--from", "v1.0", "--to", "HEAD", "--data-dir", str(data),
                 "--no-llm", "--timings"]) == 0
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["kinds"] == "trained"


def test_a_broken_model_is_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = tmp_path / "data"
    train_kinds([Row(commits, release) for commits, release in ROWS * 3]).save(data / MODEL_ARTIFACT)
    (data / MODEL_ARTIFACT / "weights.npz").write_bytes(b"not an npz")
    with caplog.at_level(logging.WARNING):
        assert release_kinds(fake_services(data)) is None
    assert "keyword cues instead" in caplog.text


def test_publishing_needs_a_model(tmp_path: Path) -> None:
    val = write_csv(tmp_path / "val.csv", ROWS[:2])
    with pytest.raises(SystemExit, match="need --train"):
        main(["eval", "release-notes", "--data", str(val), "--publish", "--data-dir", str(tmp_path)])
