"""Every message key the code says something with exists in every language, with the same placeholders; the
tables kept next to their code (welcome, reminder, congratulations, the answers' phrases) have every language."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import devrel
from devrel.knowledge import answering
from devrel.messages import LANGUAGES, MESSAGES, fields, say
from devrel.python_source import parse_python
from devrel.usecases import first_contribution, handoff, issue_analysis, onboarding

PACKAGE = Path(devrel.__file__).parent


def used_keys() -> tuple[set[str], set[str]]:
    """(keys said literally, prefixes of keys said through an f-string) anywhere in the package."""
    literal, prefixes = set(), set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(parse_python(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "say"):
                continue
            key = node.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                literal.add(key.value)
            elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
                prefixes.add(str(key.values[0].value))
            else:
                pytest.fail(f"{path.name}:{node.lineno}: a message key must be a string or an f-string with a prefix")
    return literal, prefixes


def test_every_key_used_is_written_in_every_language_with_the_same_placeholders() -> None:
    literal, prefixes = used_keys()
    assert len(literal) >= 30 and "people.link.code" in literal and "handoff.told" in literal
    expanded = {key for key in MESSAGES for prefix in prefixes if key.startswith(prefix)}
    assert {f"triage.add.{item}" for item in issue_analysis.CHECKLIST_PROMPTS} <= expanded
    for key in sorted(literal | expanded):
        assert key in MESSAGES, f"{key} is said but not written"
        texts = MESSAGES[key]
        assert set(texts) == set(LANGUAGES), f"{key}: {sorted(set(LANGUAGES) - set(texts))} missing"
        assert all(fields(texts[lang]) == fields(texts["en"]) for lang in LANGUAGES), key
        assert len({texts[lang] for lang in LANGUAGES}) > 1, f"{key} is not translated"
    assert set(MESSAGES) == literal | expanded, f"written but never said: {set(MESSAGES) - literal - expanded}"


def test_say_falls_back_to_english_and_fills_placeholders() -> None:
    assert say("people.rate_limited", "ja", minutes=3) == say("people.rate_limited", "en", minutes=3)
    assert "3 Minuten" in say("people.rate_limited", "de", minutes=3)


@pytest.mark.parametrize("table", [onboarding._WELCOMES, onboarding._FOR_INTERESTS, onboarding._FOR_INFERRED,
                                   handoff._ANSWERED,
                                   first_contribution._CONGRATULATIONS, answering._PHRASES])
def test_the_tables_kept_with_their_code_have_every_language(table: dict[str, object]) -> None:
    assert set(LANGUAGES) <= set(table)
