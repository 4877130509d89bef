from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest

from devrel.asl import intrinsics
from devrel.asl.errors import RUNTIME, StatesError

DATA = {
    "name": "Ada",
    "n": 3,
    "items": [1, 2, 3],
    "object": {"a": 1, "b": "x"},
    "text": '{"k": [1, true]}',
}
CONTEXT = {"Execution": {"Name": "run-1"}}


def evaluate(expression: str) -> Any:
    return intrinsics.evaluate(expression, DATA, CONTEXT)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("States.Format('Hello, {}!', $.name)", "Hello, Ada!"),
        ("States.Format('{} of {} in {}', $.n, $.items, $$.Execution.Name)", "3 of [1, 2, 3] in run-1"),
        ("States.Format('{}', $.object)", "{a=1, b=x}"),
        ("States.Format('{} {} {}', true, null, 1.5)", "true null 1.5"),
        (r"States.Format('braces \{\} and a quote \' for {}', $.name)", "braces {} and a quote ' for Ada"),
        ("States.StringToJson($.text)", {"k": [1, True]}),
        ("States.JsonToString($.object)", '{"a":1,"b":"x"}'),
        ("States.Array($.name, 2, States.Array())", ["Ada", 2, []]),
        ("States.ArrayLength($.items)", 3),
        ("States.ArrayContains($.items, 2)", True),
        ("States.ArrayContains(States.Array(1), true)", False),
        ("States.ArrayGetItem($.items, 1)", 2),
        ("States.ArrayPartition($.items, 2)", [[1, 2], [3]]),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(3, 1, -1)", [3, 2, 1]),
        ("States.ArrayUnique(States.Array(1, 1, true, '1'))", [1, True, "1"]),
        ("States.Base64Encode('hi there')", "aGkgdGhlcmU="),
        ("States.Base64Decode('aGkgdGhlcmU=')", "hi there"),
        ("States.Hash($.name, 'SHA-256')", hashlib.sha256(b"Ada").hexdigest()),
        ("States.JsonMerge($.object, States.StringToJson('\\{\"b\": 2\\}'), false)", {"a": 1, "b": 2}),
        ("States.MathAdd($.n, -5)", -2),
        ("States.MathAdd(1.5, 1)", 3),
        ("States.StringSplit('a,b;;c', ',;')", ["a", "b", "c"]),
        ("  States.ArrayLength( $.items )  ", 3),
    ],
)
def test_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_uuid_is_a_fresh_uuid4() -> None:
    first, second = evaluate("States.UUID()"), evaluate("States.UUID()")
    assert uuid.UUID(first).version == 4
    assert first != second


def test_math_random_stays_in_range_and_a_seed_repeats() -> None:
    values = {evaluate("States.MathRandom(1, 4)") for _ in range(50)}
    assert values <= {1, 2, 3}
    assert evaluate("States.MathRandom(0, 1000, 7)") == evaluate("States.MathRandom(0, 1000, 7)")


@pytest.mark.parametrize(
    "expression",
    [
        "States.ArrayGetItem($.items, 3)",
        "States.Format('{} {}', $.name)",
        "States.Format('{}', $.name, $.n)",
        "States.Format('lone { brace', $.name)",
        "States.StringToJson('not json')",
        "States.ArrayLength($.name)",
        "States.ArrayLength($.items, 1)",
        "States.Nope(1)",
        "States.Hash($.name, 'CRC32')",
        "States.JsonMerge($.object, $.object, true)",
        "States.Format('x', $.missing)",
        "States.Format('unterminated)",
        "States.Array(1 2)",
        "States.Array(1)x",
        "States.Base64Decode('%%%')",
        "States.ArrayRange(1, 5000, 1)",
    ],
)
def test_failures_are_runtime_errors(expression: str) -> None:
    with pytest.raises(StatesError) as failure:
        evaluate(expression)
    assert failure.value.error == RUNTIME


def test_json_round_trip() -> None:
    text = evaluate("States.JsonToString($)")
    assert json.loads(text) == DATA
