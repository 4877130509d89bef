from __future__ import annotations

import pytest

from devrel.usecases.issue_analysis import analyze, missing_information, priority

COMPLETE_BUG = """Running version 2.3.1 on Python 3.11.

Steps to reproduce:
1. run `tool sync`
2. press save

Expected the file to be saved, but instead it crashes:
Traceback (most recent call last):
  File "x.py", line 1, in <module>
ValueError: bad header
"""


def test_a_complete_bug_report_lacks_nothing() -> None:
    analysis = analyze("Crash on save", COMPLETE_BUG)
    assert analysis.versions == ["2.3.1", "3.11"]
    assert analysis.has_traceback and analysis.has_reproduction and analysis.has_expected_vs_actual
    assert analysis.error_lines == ["ValueError: bad header"]
    assert missing_information("bug", analysis, COMPLETE_BUG) == []


def test_a_vague_bug_report_gets_a_specific_checklist() -> None:
    body = "When I click save it fails with an error."
    assert missing_information("bug", analyze("Broken", body), body) == [
        "version", "reproduction", "expected_vs_actual", "logs"]


def test_no_logs_are_asked_for_when_nothing_mentions_an_error() -> None:
    body = "Version 1.2. Steps to reproduce: open the menu. Expected three items but instead there are two."
    assert missing_information("bug", analyze("Menu", body), body) == []


@pytest.mark.parametrize("text,version", [("version 1.2.3.", "1.2.3"), ("using v2.0rc1 now", "2.0rc1"),
                                          ("Python 3.12", "3.12")])
def test_versions_are_found_in_context(text: str, version: str) -> None:
    assert version in analyze("", text).versions


def test_numbers_without_version_context_are_not_versions() -> None:
    assert analyze("", "It took 2.5 seconds and used 3.2 GB").versions == []


def test_questions_and_docs_need_no_checklist() -> None:
    assert missing_information("question", analyze("How?", "How do I?"), "How do I?") == []


def test_priority_reasons() -> None:
    assert priority("bug", "Data loss on sync", "")[0] == "critical"
    assert priority("bug", "Segfault", "")[0] == "high"
    assert priority("feature", "Crash reporting", "")[0] == "normal"  # 'crash' only matters for bugs
    assert priority("question", "How to", "", reactions=12)[0] == "high"
    assert priority("docs", "Typo", "")[0] == "low"
