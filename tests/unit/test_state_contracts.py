"""The execution states the Task functions read are the ones the state machine definitions build:
every ResultPath of infra/statemachines/*.asl.json is a field of the pydantic state model, and every
path a Choice or Wait state reads resolves to a typed field of it."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from devrel.usecases.onboarding import OnboardingState
from devrel.usecases.release_flow import ReleaseState
from devrel.usecases.triage_steps import TriageState

MACHINES = Path(__file__).resolve().parents[2] / "infra" / "statemachines"
CASES = [("triage.asl.json", TriageState), ("onboarding.asl.json", OnboardingState),
         ("release.asl.json", ReleaseState)]


def states(definition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in definition["States"].values():
        yield state
        for branch in state.get("Branches") or []:
            yield from states(branch)


def result_paths(definition: dict[str, Any]) -> set[str]:
    paths = {state["ResultPath"] for state in states(definition) if state.get("ResultPath")}
    paths |= {catch["ResultPath"] for state in states(definition) for catch in state.get("Catch") or []
              if catch.get("ResultPath")}
    return paths


def read_paths(definition: dict[str, Any]) -> set[str]:
    """Paths Choice rules and Wait states read from the execution state."""
    found: set[str] = set()

    def rules(rule: dict[str, Any]) -> None:
        if "Variable" in rule:
            found.add(rule["Variable"])
        for nested in rule.get("And") or rule.get("Or") or []:
            rules(nested)
        if "Not" in rule:
            rules(rule["Not"])

    for state in states(definition):
        for choice in state.get("Choices") or []:
            rules(choice)
        for key in ("SecondsPath", "TimestampPath"):
            if key in state:
                found.add(state[key])
    return found


def field_type(model: type[BaseModel], path: str) -> Any:
    """The annotation at a `$.a.b.c` path of `model`, unwrapping Optional; KeyError when absent."""
    current: Any = model
    for part in path.removeprefix("$.").split("."):
        args = [arg for arg in typing.get_args(current) if arg is not type(None)]
        if args:
            current = args[0]
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            raise KeyError(f"{path}: {part!r} is below a field that is not a model")
        if part not in current.model_fields:
            raise KeyError(f"{path}: {current.__name__} has no field {part!r}")
        current = current.model_fields[part].annotation
    return current


@pytest.mark.parametrize(("file", "model"), CASES)
def test_every_result_path_is_a_field_of_the_state(file: str, model: type[BaseModel]) -> None:
    definition = json.loads((MACHINES / file).read_text())
    paths = result_paths(definition)
    assert paths, "the definition writes no results?"
    missing = [path for path in sorted(paths) if path.removeprefix("$.") not in model.model_fields]
    assert missing == []


@pytest.mark.parametrize(("file", "model"), CASES)
def test_every_path_the_definition_reads_is_typed(file: str, model: type[BaseModel]) -> None:
    definition = json.loads((MACHINES / file).read_text())
    for path in sorted(read_paths(definition)):
        assert field_type(model, path) is not Any, path


def test_a_renamed_result_path_would_be_caught() -> None:
    with pytest.raises(KeyError):
        field_type(TriageState, "$.completeness.result.needs_more")
    with pytest.raises(KeyError):
        field_type(OnboardingState, "$.progres.result.next")
