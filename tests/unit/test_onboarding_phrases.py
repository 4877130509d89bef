"""Every fixed phrase of onboarding and of the hand-off's relayed answers exists in each language the
welcome is written in, and says what it says in that language (not English copied over)."""

from __future__ import annotations

import pytest

from devrel.ports import OpenItem
from devrel.usecases.first_contribution import CONGRATULATION_LANGUAGES, congratulation_text
from devrel.usecases.handoff import answered_text
from devrel.usecases.onboarding import WELCOME_LANGUAGES, suggest_issues, welcome_text

ISSUE = OpenItem(number=3, is_pull_request=False, author="m", labels=("good first issue",),
                 html_url="https://github.com/o/r/issues/3", title="Fix @everyone typo")


@pytest.mark.parametrize("language", WELCOME_LANGUAGES)
def test_each_language_has_its_own_phrases(language: str) -> None:
    assert CONGRATULATION_LANGUAGES == WELCOME_LANGUAGES
    texts = [congratulation_text("ada", "o/r", language), answered_text("grace", "yes", language),
             welcome_text("ada", "o/r", language, [ISSUE], ["docs"])]
    english = [congratulation_text("ada", "o/r"), answered_text("grace", "yes"), welcome_text("ada", "o/r", "en",
                                                                                           [ISSUE], ["docs"])]
    assert all((text == same) == (language == "en") for text, same in zip(texts, english, strict=True))
    assert "@everyone" not in texts[2] and "#3 Fix" in texts[2] and "docs" in texts[2]


def test_unknown_languages_get_english() -> None:
    assert congratulation_text("ada", "o/r", "ja") == congratulation_text("ada", "o/r")
    assert answered_text("**grace**", "a\nb", "ja") == "**grace** (a maintainer) answered your question:\n\n> a\n> b"


def test_suggestions_prefer_interests_then_label_rank_and_are_unique() -> None:
    def item(number: int, labels: tuple[str, ...], title: str = "") -> OpenItem:
        return OpenItem(number=number, is_pull_request=False, author="m", labels=labels, title=title)

    issues = [item(1, ("help wanted",)), item(2, ("good first issue",)), item(3, ("help wanted", "docs")),
              item(2, ("good first issue",)), item(4, ("good first issue",), "Rust parser")]
    labels = ["good first issue", "help wanted"]
    assert [i.number for i in suggest_issues(issues, labels, [])] == [2, 4, 1]
    # One interest each for #3 and #4: the better label first; then the unmatched by label and order.
    assert [i.number for i in suggest_issues(issues, labels, ["docs", "rust"])] == [4, 3, 2]
    assert [i.number for i in suggest_issues(issues, labels, ["docs"])] == [3, 2, 4]
    # A word at the end of a sentence still matches; dots inside a word stay part of it.
    ended = [item(6, ("help wanted",), "Faster loading of plugins."), item(7, ("help wanted",), "Use node.js 20")]
    assert suggest_issues(issues + ended, labels, ["plugins"])[0].number == 6
    assert suggest_issues(issues + ended, labels, ["node.js"])[0].number == 7
