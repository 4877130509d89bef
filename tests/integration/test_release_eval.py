"""`devrel eval release-notes` on small CSV files shaped like ReleaseEval's: ROUGE with Google's
rouge-score next to the copy-the-commits baseline of the same run; the classifier's threshold chosen by
cross-validation on --train only."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from devrel.cli import main

ROWS = [
    ("feat: add json output\nci: cache pip\nfix: crash on empty input\nchore: bump version\n",
     "Features\nAdd JSON output\nBug fixes\nFix a crash on empty input"),
    ("Add yaml support\nRefactor the loader internals\nRelease 1.2\nFix wrong exit code\n",
     "Adds YAML support.\nFixed the wrong exit code."),
    ("Support proxies from the environment\nUpdate tests\nFix the timeout handling\nMerge branch 'main'\n",
     "Proxies are read from the environment. The timeout handling is fixed."),
    ("Add a --quiet flag\nRun the linters in CI\nFix unicode paths on Windows\n",
     "New --quiet flag. Unicode paths work on Windows."),
]


def write_csv(path: Path, rows: list[tuple[str, str]], columns: tuple[str, str] = ("commits", "release")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def test_rouge_against_the_copy_baseline_with_a_cross_validated_threshold(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = write_csv(tmp_path / "train.csv", ROWS * 3)
    val = write_csv(tmp_path / "val.csv", ROWS[:2])
    assert main(["eval", "release-notes", "--data", str(val), "--train", str(train), "--folds", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 2
    for name in ("copy_baseline", "keywords", "trained"):
        assert set(report[name]) == {"rouge1", "rouge2", "rougeL"}
        assert all(0 <= value <= 100 for value in report[name].values())
    assert set(report["cv_rougeL_by_threshold"]) == {"0.3", "0.4", "0.5", "0.6", "0.7"}
    folds = report["cv_rougeL_by_threshold"]
    assert str(report["threshold"]) == max(folds, key=folds.get)  # the best on the training folds
    # Notes drop the CI, refactoring and release lines the references leave out: better than copying.
    assert report["keywords"]["rougeL"] > report["copy_baseline"]["rougeL"]
    assert report["rougeL_vs_baseline"] == round(report["trained"]["rougeL"] / report["copy_baseline"]["rougeL"], 2)
    assert main(["eval", "release-notes", "--data", str(val)]) == 0
    table = capsys.readouterr().out
    assert "copy the commits" in table and "ROUGE-L vs the copy baseline" in table


def test_a_file_without_the_columns_says_so(tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", ROWS[:1], ("message", "notes"))
    with pytest.raises(SystemExit, match="needs `commits` and `release` columns"):
        main(["eval", "release-notes", "--data", str(bad)])
    with pytest.raises(SystemExit, match="No such file"):
        main(["eval", "release-notes", "--data", str(tmp_path / "missing.csv")])
