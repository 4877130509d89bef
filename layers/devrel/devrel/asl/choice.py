"""Choice rules: comparison operators (and their ...Path forms), And/Or/Not, IsPresent and the type tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from devrel.asl import intrinsics
from devrel.asl.errors import StatesError, runtime_error


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (upper-case T, and Z or an offset) as an aware datetime, else None."""
    if not isinstance(value, str) or len(value) < 20 or "T" not in value:
        return None
    if not (value.endswith("Z") or value[-6] in "+-"):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


@lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """StringMatches: `*` matches anything, `\\*` is a literal star and `\\\\` a literal backslash."""
    parts, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            parts.append(re.escape(pattern[position + 1]))
            position += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        position += 1
    return re.compile("".join(parts), re.DOTALL)


def _compare(kind: Callable[[Any], Any], test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """A comparison that is false (not an error) when either side has the wrong type."""

    def compare(left: Any, right: Any) -> bool:
        left_key, right_key = kind(left), kind(right)
        return left_key is not None and right_key is not None and test(left_key, right_key)

    return compare


def _as_string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _as_number(value: Any) -> float | int | None:
    return value if is_number(value) else None


def _as_boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _tests(kind: Callable[[Any], Any]) -> dict[str, Callable[[Any, Any], bool]]:
    return {
        "Equals": _compare(kind, lambda a, b: a == b),
        "LessThan": _compare(kind, lambda a, b: a < b),
        "GreaterThan": _compare(kind, lambda a, b: a > b),
        "LessThanEquals": _compare(kind, lambda a, b: a <= b),
        "GreaterThanEquals": _compare(kind, lambda a, b: a >= b),
    }


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    **{f"String{name}": test for name, test in _tests(_as_string).items()},
    **{f"Numeric{name}": test for name, test in _tests(_as_number).items()},
    **{f"Timestamp{name}": test for name, test in _tests(parse_timestamp).items()},
    "BooleanEquals": _compare(_as_boolean, lambda a, b: a == b),
    "StringMatches": lambda value, pattern: (
        isinstance(value, str)
        and isinstance(pattern, str)
        and _wildcard(pattern).fullmatch(value) is not None
    ),
}

TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda value: value is None,
    "IsNumeric": is_number,
    "IsString": lambda value: isinstance(value, str),
    "IsBoolean": lambda value: isinstance(value, bool),
    "IsTimestamp": lambda value: parse_timestamp(value) is not None,
}

OPERATORS = frozenset(
    [
        *COMPARISONS,
        *(f"{name}Path" for name in COMPARISONS if name != "StringMatches"),
        *TYPE_TESTS,
        "IsPresent",
    ]
)


def matches(rule: dict[str, Any], data: Any, context: Any) -> bool:
    """Whether one Choice rule (possibly compound) holds for the state's effective input."""
    if "And" in rule:
        return all(matches(inner, data, context) for inner in rule["And"])
    if "Or" in rule:
        return any(matches(inner, data, context) for inner in rule["Or"])
    if "Not" in rule:
        return not matches(rule["Not"], data, context)
    operator = next((key for key in rule if key in OPERATORS), None)
    if operator is None or "Variable" not in rule:
        raise runtime_error(f"a choice rule needs Variable and an operator: {rule}")
    expected = rule[operator]
    variable = rule["Variable"]
    if operator == "IsPresent":
        try:
            intrinsics.resolve_path(variable, data, context)
        except StatesError:
            return expected is False
        return expected is True
    value = intrinsics.resolve_path(variable, data, context)
    if operator in TYPE_TESTS:
        return TYPE_TESTS[operator](value) == expected
    if operator.endswith("Path"):
        operator = operator.removesuffix("Path")
        expected = intrinsics.resolve_path(expected, data, context)
    return COMPARISONS[operator](value, expected)


def choose(state: dict[str, Any], data: Any, context: Any) -> str | None:
    """The Next of the first matching rule, else Default (None when neither)."""
    for rule in state.get("Choices", []):
        if matches(rule, data, context):
            return rule["Next"]
    return state.get("Default")
