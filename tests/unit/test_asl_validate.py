from __future__ import annotations

from typing import Any

import pytest

from devrel.asl import validate_definition


def pass_state(**extra: Any) -> dict[str, Any]:
    return {"Type": "Pass", "End": True, **extra}


VALID = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Each"}],
            "Default": "Hold",
        },
        "Hold": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Call"},
        "Call": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "F", "Payload.$": "States.JsonMerge($, $.extra, false)"},
            "Retry": [{"ErrorEquals": ["Custom"]}, {"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Stop"}],
            "End": True,
        },
        "Each": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": pass_state()}},
            "Next": "Both",
        },
        "Both": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
            "End": True,
        },
        "Stop": {"Type": "Fail", "Error": "E"},
    },
}


def test_a_valid_definition_has_no_problems() -> None:
    assert validate_definition(VALID) == []


def with_state(name: str, state: Any) -> dict[str, Any]:
    return {**VALID, "States": {**VALID["States"], name: state}}


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        ("not an object", "must be an object"),
        ({"StartAt": "X", "States": {}}, "States: must be a non-empty object"),
        ({**VALID, "StartAt": "Nowhere"}, "StartAt: 'Nowhere' is not a state"),
        (with_state("Hold", {"Type": "Wait", "Seconds": 1, "Next": "Ghost"}), "unknown state 'Ghost'"),
        (with_state("Hold", {"Type": "Wait", "Seconds": 1}), "Hold: needs exactly one of Next or End"),
        (
            with_state("Hold", {"Type": "Wait", "Seconds": 1, "Next": "Call", "End": True}),
            "exactly one of Next",
        ),
        (
            with_state("Hold", {"Type": "Wait", "Seconds": 1, "Timestamp": "x", "Next": "Call"}),
            "exactly one of Seconds",
        ),
        (with_state("Hold", {"Type": "Sleep", "Next": "Call"}), "unknown Type 'Sleep'"),
        (
            with_state("Route", {"Type": "Choice", "Choices": [], "Default": "Hold"}),
            "Choices: must be a non-empty",
        ),
        (
            with_state("Route", {"Type": "Choice", "Choices": [{"Variable": "$.n", "Next": "Hold"}]}),
            "operator",
        ),
        (
            with_state(
                "Route",
                {"Type": "Choice", "Choices": [{"Variable": "$.n", "IsNull": True}], "Default": "Hold"},
            ),
            "needs Next",
        ),
        (with_state("Stop", {"Type": "Fail", "Error": "E", "Next": "Hold"}), "takes neither Next nor End"),
        (with_state("Stop", {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}), "Error or ErrorPath"),
        (with_state("Call", {"Type": "Task", "End": True}), "Resource: required"),
        (
            with_state("Call", {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}),
            "only Lambda",
        ),
        (
            with_state(
                "Call",
                {
                    **VALID["States"]["Call"],
                    "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
                },
            ),
            "last",
        ),
        (with_state("Call", {**VALID["States"]["Call"], "Catch": [{"ErrorEquals": []}]}), "non-empty array"),
        (
            with_state("Call", {**VALID["States"]["Call"], "Parameters": {"x.$": "States.Nope()"}}),
            "unknown intrinsic",
        ),
        (with_state("Call", {**VALID["States"]["Call"], "Parameters": {"x.$": "$.a["}}), "unclosed"),
        (with_state("Call", {**VALID["States"]["Call"], "InputPath": "nope"}), "must start with $"),
        (
            with_state("Stop", {"Type": "Pass", "Retry": [{"ErrorEquals": ["X"]}], "End": True}),
            "only Task, Parallel",
        ),
        (with_state("Each", {"Type": "Map", "Next": "Both"}), "needs ItemProcessor"),
        (
            with_state(
                "Each",
                {
                    "Type": "Map",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED"},
                        "StartAt": "I",
                        "States": {"I": pass_state()},
                    },
                    "Next": "Both",
                },
            ),
            "only inline Map",
        ),
        (
            with_state(
                "Each",
                {
                    "Type": "Map",
                    "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass"}}},
                    "Next": "Both",
                },
            ),
            "Each.ItemProcessor.I: needs exactly one of Next or End",
        ),
        (
            with_state("Both", {"Type": "Parallel", "Branches": [], "End": True}),
            "Branches: must be a non-empty",
        ),
        (with_state("Orphan", pass_state()), "Orphan: unreachable"),
        ({**VALID, "QueryLanguage": "JSONata"}, "only JSONPath"),
    ],
)
def test_problems_are_reported(definition: Any, problem: str) -> None:
    problems = validate_definition(definition)
    assert any(problem in found for found in problems), problems


def test_catch_result_paths_are_checked() -> None:
    call = {
        **VALID["States"]["Call"],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "error", "Next": "Stop"}],
    }
    assert any("Catch[0].ResultPath" in problem for problem in validate_definition(with_state("Call", call)))
