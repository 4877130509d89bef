"""Message sentiment (VADER with a neutral band chosen on developer messages) and its evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from devrel.commands.eval_sentiment import choose_band, evaluate, macro_f1, read_messages
from devrel.health.sentiment import polarity, score


@pytest.mark.parametrize(("text", "expected"), [
    ("Thanks a lot, this works perfectly and saved my day!", "positive"),
    ("This is awful. I hate how it keeps crashing and nobody cares.", "negative"),
    ("The function returns a list of paths.", "neutral"),
    ("", "neutral"),
])
def test_messages_get_a_polarity(text: str, expected: str) -> None:
    assert polarity(score(text)) == expected


def test_the_band_is_chosen_from_the_labels() -> None:
    gold = ["negative", "neutral", "neutral", "positive"]
    compounds = [-0.6, -0.2, 0.3, 0.7]
    low, high = choose_band(gold, compounds)
    assert evaluate(gold, compounds, low, high) == {"accuracy": 1.0, "macro_f1": 1.0}
    assert evaluate(gold, compounds, -0.05, 0.05)["accuracy"] == 0.5  # the default band misreads neutrals


def test_macro_f1_weighs_every_class() -> None:
    assert macro_f1(["a", "b"], ["a", "a"]) < 1.0
    assert macro_f1(["negative", "neutral", "positive"], ["negative", "neutral", "positive"]) == 1.0


def test_the_dataset_reader_takes_semicolon_rows(tmp_path: Path) -> None:
    data = tmp_path / "m.csv"
    data.write_text("t1;positive;Great; thanks\nt2;neutral;It returns None\nbad row\n", encoding="utf-8")
    assert read_messages(data) == [("positive", "Great; thanks"), ("neutral", "It returns None")]
