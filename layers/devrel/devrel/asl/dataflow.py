"""How data moves through a state: InputPath, Parameters (payload templates), ResultSelector,
ResultPath and OutputPath."""

from __future__ import annotations

from typing import Any

from devrel.asl import intrinsics, jsonpath
from devrel.asl.errors import RESULT_PATH_MATCH_FAILURE, StatesError, runtime_error

resolve_path = intrinsics.resolve_path


def select(state: dict[str, Any], field: str, data: Any, context: Any) -> Any:
    """InputPath/OutputPath: absent means `$` (everything), null means an empty object."""
    if field not in state:
        return data
    path = state[field]
    return {} if path is None else resolve_path(path, data, context)


def _dynamic(key: str, expression: Any, data: Any, context: Any) -> Any:
    if not isinstance(expression, str):
        raise runtime_error(f"the value of {key!r} must be a path or an intrinsic function")
    if intrinsics.looks_like_call(expression):
        return intrinsics.evaluate(expression, data, context)
    if expression.startswith("$"):
        return resolve_path(expression, data, context)
    raise runtime_error(f"the value of {key!r} must be a path or an intrinsic function, not {expression!r}")


def render(template: Any, data: Any, context: Any) -> Any:
    """A payload template with every `"key.$": path-or-intrinsic` replaced by `"key": value`."""
    if isinstance(template, dict):
        rendered = {}
        for key, value in template.items():
            if key.endswith(".$"):
                rendered[key[:-2]] = _dynamic(key, value, data, context)
            else:
                rendered[key] = render(value, data, context)
        return rendered
    if isinstance(template, list):
        return [render(item, data, context) for item in template]
    return template


def render_field(state: dict[str, Any], field: str, data: Any, context: Any) -> Any:
    """Parameters/ResultSelector/ItemSelector: the rendered template, or `data` when absent."""
    return render(state[field], data, context) if field in state else data


def place_result(state: dict[str, Any], raw_input: Any, result: Any, field: str = "ResultPath") -> Any:
    """ResultPath: absent means `$` (the result replaces the input), null keeps the input."""
    path = state.get(field, "$")
    if path is None:
        return raw_input
    try:
        return jsonpath.write(raw_input, path, result)
    except jsonpath.PathError as err:
        raise StatesError(RESULT_PATH_MATCH_FAILURE, str(err)) from None
