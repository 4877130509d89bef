"""`devrel train`, `devrel eval triage` and `devrel eval duplicates` on small CSV files."""

from __future__ import annotations

import argparse
import csv
import json
import random
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devrel.commands import eval_triage, train
from devrel.triage.classifier import IssueClassifier
from devrel.triage.datasets import DatasetError, read_issues, read_pairs, read_reports

CUES = {
    "bug": ["crash", "exception", "segfault", "broken", "traceback", "regression"],
    "feature": ["proposal", "enhancement", "support", "option", "extend", "request"],
    "question": ["how", "wondering", "possible", "advice", "explain", "clarify"],
}
FILLER = ["window", "file", "server", "module", "build", "user", "page", "config"]


class WordEmbedder:
    dimension = 32

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (train, eval_triage):
        monkeypatch.setattr(module, "build_embedder", lambda settings, cache_dir=None: WordEmbedder())


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="devrel")
    commands = root.add_subparsers(dest="command", required=True)
    train.register(commands)
    evaluations = commands.add_parser("eval").add_subparsers(dest="eval_kind", required=True)
    eval_triage.register_eval(evaluations)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    args = parser().parse_args(list(argv))
    assert args.func(args) == 0
    out = capsys.readouterr().out
    return json.loads(out) if "--json" in argv else out


def write_issues(path: Path, seed: int, per_label: int, repos: tuple[str, ...] = ("a/one", "b/two")) -> Path:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["repo", "label", "title", "body"])
        for label, cues in CUES.items():
            for index in range(per_label):
                words = rng.sample(cues, 3) + rng.sample(FILLER, 3)
                writer.writerow([repos[index % len(repos)], label, " ".join(words[:2]),
                                 "Body with, commas and\n\"quotes\": " + " ".join(words[2:])])
    return path


@pytest.fixture
def issues_csv(tmp_path: Path) -> Path:
    return write_issues(tmp_path / "train.csv", seed=1, per_label=20)


def test_train_writes_a_model_that_loads(tmp_path: Path, issues_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = run(capsys, "train", "--data", str(issues_csv), "--out", str(tmp_path / "model"), "--folds", "3",
                  "--json")
    assert summary["labels"] == {"bug": 20, "feature": 20, "question": 20}
    assert summary["embedder"] == "WordEmbedder"
    model = IssueClassifier.load(tmp_path / "model")
    assert model.labels == ("bug", "feature", "question")
    assert model.thresholds == summary["thresholds"]


def test_train_prints_thresholds_as_a_table(tmp_path: Path, issues_csv: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "train", "--data", str(issues_csv), "--out", str(tmp_path / "m"), "--no-embeddings")
    assert "trained on 60 issues" in out
    assert all(label in out for label in CUES)


def test_eval_triage_on_train_and_test_files(tmp_path: Path, issues_csv: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    test_csv = write_issues(tmp_path / "test.csv", seed=2, per_label=6)
    report = run(capsys, "eval", "triage", "--train", str(issues_csv), "--test", str(test_csv),
                 "--calibration-folds", "3", "--json")
    assert report["mode"] == "train/test" and report["issues"] == 18
    assert report["macro_f1"] == 1.0
    assert 0.0 <= report["abstention_rate"] <= 1.0
    assert set(report["per_class"]["bug"]) >= {"precision", "recall", "f1", "f1_abstain"}


def test_eval_triage_cross_validation_table(issues_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "eval", "triage", "--data", str(issues_csv), "--folds", "3", "--calibration-folds", "3")
    assert "macro_f1 1.0000" in out
    assert "cross-validation" in out and "a/one" in out


def test_eval_triage_per_repository(issues_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = run(capsys, "eval", "triage", "--data", str(issues_csv), "--folds", "2", "--calibration-folds", "2",
                 "--per-repo", "--json")
    assert report["mode"] == "cross-validation per repository"
    assert set(report["macro_f1_by_repo"]) == {"a/one", "b/two"}
    # 2 repositories x 2 folds, each with its own thresholds.
    assert len(report["thresholds"]) == 4


def test_eval_triage_keyword_zero_shot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "z.csv"
    path.write_text("label,title,body\nbug,App crashes with an exception,Traceback below\n"
                    "question,How do I configure the proxy?,Is it possible?\n", encoding="utf-8")
    report = run(capsys, "eval", "triage", "--zero-shot", "keywords", "--data", str(path), "--json")
    assert report["mode"] == "zero-shot (keywords)"
    assert report["accuracy"] == 1.0


@pytest.mark.parametrize("argv", [
    ["eval", "triage"],
    ["eval", "triage", "--train", "x.csv"],
    ["eval", "triage", "--data", "x.csv", "--test", "y.csv"],
])
def test_eval_triage_needs_one_kind_of_input(argv: list[str]) -> None:
    args = parser().parse_args(argv)
    with pytest.raises(SystemExit, match="give either"):
        args.func(args)


def test_eval_duplicates_reports_hybrid_and_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "reports.csv"
    pairs = tmp_path / "pairs.csv"
    with corpus.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Summary", "Issue id", "Resolution", "Description"])
        writer.writerow(["NameNode crash on upgrade", "1", "Fixed", "NullPointerException in FSImage"])
        writer.writerow(["Balancer ignores weights", "2", "Fixed", "disk balancer moves blocks wrongly"])
        writer.writerow(["S3A leaks threads", "3", "Fixed", "thread pool not closed"])
        writer.writerow(["NN crashes after upgrade", "4", "Duplicate", "FSImage NullPointerException on upgrade"])
    pairs.write_text("Issue id,Duplicate id\n4,1\n", encoding="utf-8")
    report = run(capsys, "eval", "duplicates", "--corpus", str(corpus), "--pairs", str(pairs), "--json")
    assert report["pairs"] == 1 and report["corpus"] == 4
    assert report["methods"]["hybrid"]["recall@1"] == 1.0
    assert report["methods"]["tfidf_baseline"]["recall@1"] == 1.0
    table = run(capsys, "eval", "duplicates", "--corpus", str(corpus), "--pairs", str(pairs), "--no-embeddings")
    assert "tfidf_baseline" in table and "hybrid" not in table


def test_csv_readers_take_multi_labels_and_gitbugs_columns(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text("labels,title,body\nbug | area/ui,Broken button,x\n", encoding="utf-8")
    assert read_issues(path)[0].labels == ("bug", "area/ui")
    reports = tmp_path / "r.csv"
    reports.write_text("Summary,Issue id,Description\nTitle,42,Body\n", encoding="utf-8")
    (report,) = read_reports(reports)
    assert (report.issue_id, report.title, report.body, report.created) == ("42", "Title", "Body", None)
    reports.write_text("Summary,Issue id,Created,Description\nT,1,02/Jan/70 00:00,B\nT,2,1970-01-03T00:00:00Z,B\n"
                       "T,3,soon,B\n", encoding="utf-8")
    assert [report.created for report in read_reports(reports)] == [86_400.0, 172_800.0, None]
    pairs = tmp_path / "p.csv"
    pairs.write_text("a,b\n1,2\n\n", encoding="utf-8")
    assert read_pairs(pairs) == [("1", "2")]


def test_csv_reader_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("kind,title,body\nbug,x,y\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="label"):
        read_issues(path)
    path.write_text("label,title,body\n,x,y\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="empty label"):
        read_issues(path)
