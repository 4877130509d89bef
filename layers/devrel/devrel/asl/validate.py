"""Structural checks of a definition, run before any execution starts (the runner fails fast on them)."""

from __future__ import annotations

from typing import Any

from devrel.asl import intrinsics, jsonpath
from devrel.asl.choice import OPERATORS
from devrel.asl.errors import ALL, StatesError
from devrel.asl.interpreter import LAMBDA_INVOKE, WAIT_FOR_TOKEN

STATE_TYPES = frozenset({"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"})
_ENDS_BY_ITSELF = frozenset({"Choice", "Succeed", "Fail"})
_PATH_FIELDS = ("InputPath", "OutputPath", "ResultPath", "ItemsPath", "SecondsPath", "TimestampPath")
_TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector")
_WAIT_FIELDS = ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")


def validate_definition(definition: Any) -> list[str]:
    """Problems found in an ASL definition; empty when it is fit to run here."""
    problems: list[str] = []
    _check_machine(definition, "", problems)
    return problems


def _check_machine(definition: Any, where: str, problems: list[str]) -> None:
    if not isinstance(definition, dict):
        problems.append(f"{where or 'definition'}: must be an object")
        return
    if definition.get("QueryLanguage", "JSONPath") != "JSONPath":
        problems.append(f"{where}QueryLanguage: only JSONPath is supported")
    states = definition.get("States")
    if not isinstance(states, dict) or not states:
        problems.append(f"{where}States: must be a non-empty object")
        return
    start = definition.get("StartAt")
    if start not in states:
        problems.append(f"{where}StartAt: {start!r} is not a state")
    for name, state in states.items():
        _check_state(f"{where}{name}", state, states, problems)
    reached, pending = set(), [start] if start in states else []
    while pending:
        name = pending.pop()
        if name not in reached and name in states:
            reached.add(name)
            pending.extend(_targets(states[name]))
    problems.extend(
        f"{where}{name}: unreachable from StartAt"
        for name in states
        if start in states and name not in reached
    )


def _targets(state: Any) -> list[str]:
    if not isinstance(state, dict):
        return []
    rules = state.get("Choices") if isinstance(state.get("Choices"), list) else []
    catchers = state.get("Catch") if isinstance(state.get("Catch"), list) else []
    found = [state.get("Next"), state.get("Default")]
    found += [rule.get("Next") for rule in rules if isinstance(rule, dict)]
    found += [catcher.get("Next") for catcher in catchers if isinstance(catcher, dict)]
    return [target for target in found if isinstance(target, str)]


def _check_state(label: str, state: Any, states: dict[str, Any], problems: list[str]) -> None:
    if not isinstance(state, dict):
        problems.append(f"{label}: must be an object")
        return
    kind = state.get("Type")
    if kind not in STATE_TYPES:
        problems.append(f"{label}: unknown Type {kind!r}")
        return
    if "QueryLanguage" in state and state["QueryLanguage"] != "JSONPath":
        problems.append(f"{label}: only JSONPath is supported")
    if kind in _ENDS_BY_ITSELF:
        if "Next" in state or "End" in state:
            problems.append(f"{label}: a {kind} state takes neither Next nor End")
    elif ("Next" in state) == (state.get("End") is True):
        problems.append(f"{label}: needs exactly one of Next or End: true")
    for target in _targets(state):
        if target not in states:
            problems.append(f"{label}: transition to unknown state {target!r}")
    _check_paths(label, state, problems)
    if "Retry" in state or "Catch" in state:
        if kind not in ("Task", "Parallel", "Map"):
            problems.append(f"{label}: only Task, Parallel and Map states take Retry and Catch")
        _check_error_handlers(label, state, problems)
    check = _CHECKS.get(kind)
    if check:
        check(label, state, problems)


def _check_paths(label: str, state: dict[str, Any], problems: list[str]) -> None:
    for field in _PATH_FIELDS:
        path = state.get(field)
        if isinstance(path, str):
            _check_path(f"{label}.{field}", path, problems)
        elif path is not None and field in ("SecondsPath", "TimestampPath", "ItemsPath"):
            problems.append(f"{label}.{field}: must be a path")
    for field in _TEMPLATE_FIELDS:
        if field in state:
            _check_template(f"{label}.{field}", state[field], problems)


def _check_path(label: str, path: str, problems: list[str]) -> None:
    try:
        jsonpath.parse(path[1:] if path.startswith("$$") else path)
    except jsonpath.PathError as err:
        problems.append(f"{label}: {err}")


def _check_template(label: str, template: Any, problems: list[str]) -> None:
    if isinstance(template, list):
        for index, item in enumerate(template):
            _check_template(f"{label}[{index}]", item, problems)
    if not isinstance(template, dict):
        return
    for key, value in template.items():
        if not key.endswith(".$"):
            _check_template(f"{label}.{key}", value, problems)
        elif not isinstance(value, str):
            problems.append(f"{label}.{key}: must be a path or an intrinsic function")
        elif intrinsics.looks_like_call(value):
            _check_intrinsic(f"{label}.{key}", value, problems)
        else:
            _check_path(f"{label}.{key}", value, problems)


def _check_intrinsic(label: str, expression: str, problems: list[str]) -> None:
    try:
        call = intrinsics.parse(expression)
    except StatesError as err:
        problems.append(f"{label}: {err.cause}")
        return
    pending = [call]
    while pending:
        current = pending.pop()
        if current.name not in intrinsics.FUNCTIONS:
            problems.append(f"{label}: unknown intrinsic function {current.name}")
        pending.extend(arg for arg in current.args if isinstance(arg, intrinsics.Call))


def _check_error_handlers(label: str, state: dict[str, Any], problems: list[str]) -> None:
    for field in ("Retry", "Catch"):
        handlers = state.get(field, [])
        if not isinstance(handlers, list):
            problems.append(f"{label}.{field}: must be an array")
            continue
        for index, handler in enumerate(handlers):
            names = handler.get("ErrorEquals") if isinstance(handler, dict) else None
            where = f"{label}.{field}[{index}]"
            if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                problems.append(f"{where}.ErrorEquals: must be a non-empty array of error names")
            elif ALL in names and (len(names) > 1 or index != len(handlers) - 1):
                problems.append(f"{where}: States.ALL must be alone and in the last {field} entry")
            if field == "Catch" and isinstance(handler, dict):
                if "Next" not in handler:
                    problems.append(f"{where}: needs Next")
                if isinstance(handler.get("ResultPath"), str):
                    _check_path(f"{where}.ResultPath", handler["ResultPath"], problems)


def _check_choice(label: str, state: dict[str, Any], problems: list[str]) -> None:
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        problems.append(f"{label}.Choices: must be a non-empty array")
        return
    for index, rule in enumerate(rules):
        where = f"{label}.Choices[{index}]"
        if not isinstance(rule, dict) or "Next" not in rule:
            problems.append(f"{where}: needs Next")
        _check_rule(where, rule, problems)


def _check_rule(label: str, rule: Any, problems: list[str]) -> None:
    if not isinstance(rule, dict):
        problems.append(f"{label}: must be an object")
        return
    if "And" in rule or "Or" in rule:
        inner = rule.get("And", rule.get("Or"))
        if not isinstance(inner, list) or not inner:
            problems.append(f"{label}: And/Or need a non-empty array")
            return
        for index, nested in enumerate(inner):
            _check_rule(f"{label}[{index}]", nested, problems)
        return
    if "Not" in rule:
        _check_rule(f"{label}.Not", rule["Not"], problems)
        return
    operators = [key for key in rule if key in OPERATORS]
    if len(operators) != 1 or not isinstance(rule.get("Variable"), str):
        problems.append(f"{label}: needs a Variable and exactly one comparison operator")
        return
    _check_path(f"{label}.Variable", rule["Variable"], problems)
    if operators[0].endswith("Path") and isinstance(rule[operators[0]], str):
        _check_path(f"{label}.{operators[0]}", rule[operators[0]], problems)


def _check_wait(label: str, state: dict[str, Any], problems: list[str]) -> None:
    if sum(field in state for field in _WAIT_FIELDS) != 1:
        problems.append(f"{label}: needs exactly one of {', '.join(_WAIT_FIELDS)}")


def _check_fail(label: str, state: dict[str, Any], problems: list[str]) -> None:
    for field in ("Error", "Cause"):
        if field in state and f"{field}Path" in state:
            problems.append(f"{label}: takes {field} or {field}Path, not both")


def _check_task(label: str, state: dict[str, Any], problems: list[str]) -> None:
    resource = state.get("Resource")
    if not isinstance(resource, str) or not resource:
        problems.append(f"{label}.Resource: required")
    elif resource.startswith("arn:aws:states:::") and resource.removesuffix(WAIT_FOR_TOKEN) != LAMBDA_INVOKE:
        problems.append(f"{label}.Resource: only Lambda tasks run locally, not {resource}")


def _check_parallel(label: str, state: dict[str, Any], problems: list[str]) -> None:
    branches = state.get("Branches")
    if not isinstance(branches, list) or not branches:
        problems.append(f"{label}.Branches: must be a non-empty array")
        return
    for index, branch in enumerate(branches):
        _check_machine(branch, f"{label}.Branches[{index}].", problems)


def _check_map(label: str, state: dict[str, Any], problems: list[str]) -> None:
    processor = state.get("ItemProcessor", state.get("Iterator"))
    if processor is None:
        problems.append(f"{label}: needs ItemProcessor (or Iterator)")
        return
    mode = (
        (processor.get("ProcessorConfig") or {}).get("Mode", "INLINE")
        if isinstance(processor, dict)
        else None
    )
    if mode != "INLINE" or "ItemReader" in state or "ResultWriter" in state:
        problems.append(f"{label}: only inline Map states run locally")
    if "ItemSelector" in state and "Parameters" in state:
        problems.append(f"{label}: takes ItemSelector or Parameters, not both")
    _check_machine(processor, f"{label}.ItemProcessor.", problems)


_CHECKS = {
    "Choice": _check_choice,
    "Wait": _check_wait,
    "Fail": _check_fail,
    "Task": _check_task,
    "Parallel": _check_parallel,
    "Map": _check_map,
}
