from __future__ import annotations

from typing import Any

import pytest

from devrel.asl.choice import matches
from devrel.asl.errors import RUNTIME, StatesError

DATA = {
    "s": "beta",
    "n": 5,
    "f": 2.5,
    "yes": True,
    "none": None,
    "when": "2024-05-01T12:00:00Z",
    "other": "alpha",
    "limit": 5,
    "file": "report*.txt",
    "list": [1],
}
CONTEXT = {"Execution": {"Name": "run-1"}}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "beta"}, True),
        ({"Variable": "$.s", "StringEquals": "BETA"}, False),
        ({"Variable": "$.n", "StringEquals": "5"}, False),  # a type mismatch is false, not an error
        ({"Variable": "$.s", "StringLessThan": "gamma"}, True),
        ({"Variable": "$.s", "StringGreaterThan": "gamma"}, False),
        ({"Variable": "$.s", "StringLessThanEquals": "beta"}, True),
        ({"Variable": "$.s", "StringGreaterThanEquals": "beta"}, True),
        ({"Variable": "$.s", "StringGreaterThanPath": "$.other"}, True),
        ({"Variable": "$.s", "StringEqualsPath": "$$.Execution.Name"}, False),
        ({"Variable": "$.s", "StringMatches": "b*a"}, True),
        ({"Variable": "$.s", "StringMatches": "*x*"}, False),
        ({"Variable": "$.file", "StringMatches": "report\\*.txt"}, True),
        ({"Variable": "$.other", "StringMatches": "report\\*.txt"}, False),
        ({"Variable": "$.n", "NumericEquals": 5}, True),
        ({"Variable": "$.n", "NumericEquals": 5.0}, True),
        ({"Variable": "$.yes", "NumericEquals": 1}, False),  # booleans are not numbers
        ({"Variable": "$.f", "NumericLessThan": 3}, True),
        ({"Variable": "$.f", "NumericGreaterThan": 3}, False),
        ({"Variable": "$.n", "NumericLessThanEquals": 5}, True),
        ({"Variable": "$.n", "NumericGreaterThanEquals": 6}, False),
        ({"Variable": "$.n", "NumericEqualsPath": "$.limit"}, True),
        ({"Variable": "$.n", "NumericLessThanPath": "$.limit"}, False),
        ({"Variable": "$.yes", "BooleanEquals": True}, True),
        ({"Variable": "$.yes", "BooleanEqualsPath": "$.yes"}, True),
        ({"Variable": "$.when", "TimestampEquals": "2024-05-01T14:00:00+02:00"}, True),
        ({"Variable": "$.when", "TimestampLessThan": "2024-05-02T00:00:00Z"}, True),
        ({"Variable": "$.when", "TimestampGreaterThan": "2024-05-02T00:00:00Z"}, False),
        ({"Variable": "$.when", "TimestampLessThanEquals": "2024-05-01T12:00:00Z"}, True),
        ({"Variable": "$.when", "TimestampGreaterThanEqualsPath": "$.when"}, True),
        ({"Variable": "$.s", "TimestampEquals": "2024-05-01T12:00:00Z"}, False),
        ({"Variable": "$.none", "IsNull": True}, True),
        ({"Variable": "$.s", "IsNull": True}, False),
        ({"Variable": "$.s", "IsPresent": True}, True),
        ({"Variable": "$.absent", "IsPresent": True}, False),
        ({"Variable": "$.absent", "IsPresent": False}, True),
        ({"Variable": "$.n", "IsNumeric": True}, True),
        ({"Variable": "$.s", "IsNumeric": False}, True),
        ({"Variable": "$.s", "IsString": True}, True),
        ({"Variable": "$.yes", "IsBoolean": True}, True),
        ({"Variable": "$.n", "IsBoolean": True}, False),
        ({"Variable": "$.when", "IsTimestamp": True}, True),
        ({"Variable": "$.s", "IsTimestamp": True}, False),
        ({"Variable": "$.list", "IsString": False}, True),
        (
            {"And": [{"Variable": "$.n", "NumericEquals": 5}, {"Variable": "$.s", "StringEquals": "beta"}]},
            True,
        ),
        ({"And": [{"Variable": "$.n", "NumericEquals": 5}, {"Variable": "$.s", "StringEquals": "x"}]}, False),
        (
            {"Or": [{"Variable": "$.n", "NumericEquals": 1}, {"Variable": "$.s", "StringEquals": "beta"}]},
            True,
        ),
        ({"Or": [{"Variable": "$.n", "NumericEquals": 1}, {"Variable": "$.s", "StringEquals": "x"}]}, False),
        ({"Not": {"Variable": "$.n", "NumericEquals": 1}}, True),
        ({"Not": {"And": [{"Variable": "$.absent", "IsPresent": True}]}}, True),
    ],
)
def test_rules(rule: dict[str, Any], expected: bool) -> None:
    assert matches(rule, DATA, CONTEXT) is expected


@pytest.mark.parametrize(
    "rule",
    [
        {"Variable": "$.absent", "StringEquals": "x"},
        {"Variable": "$.n", "NumericEqualsPath": "$.absent"},
        {"Variable": "$.n"},
    ],
)
def test_a_missing_variable_is_a_runtime_error(rule: dict[str, Any]) -> None:
    with pytest.raises(StatesError) as failure:
        matches(rule, DATA, CONTEXT)
    assert failure.value.error == RUNTIME
