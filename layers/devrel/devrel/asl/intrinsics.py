"""Intrinsic functions (`States.Format('...', $.x)` and friends) used in payload templates.

Arguments are string literals in single quotes (backslash escapes `'`, `{`, `}` and `\\`),
numbers, `true`/`false`/`null`, paths (`$.x`, `$$.Execution.Id`) or nested calls. Every failure
is a States.Runtime error, as in Step Functions.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from devrel.asl import jsonpath
from devrel.asl.errors import StatesError, runtime_error


@dataclass(frozen=True)
class Text:
    """A string literal; `raw` keeps its escapes so States.Format can tell `\\{` from `{`."""

    raw: str

    @property
    def value(self) -> str:
        return _unescape(self.raw)


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Path:
    path: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Text | Literal | Path | Call, ...]


Argument = Text | Literal | Path | Call


def _unescape(raw: str) -> str:
    out, escaped = [], False
    for char in raw:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def looks_like_call(expression: str) -> bool:
    return expression.startswith("States.")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> StatesError:
        return runtime_error(f"invalid intrinsic function {self.text!r}: {why} at position {self.pos}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def call(self) -> Call:
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] == "."):
            self.pos += 1
        name = self.text[start : self.pos]
        if not name.startswith("States.") or self.text[self.pos : self.pos + 1] != "(":
            raise self.fail("expected States.Name(")
        self.pos += 1
        args: list[Argument] = []
        self.skip_space()
        if self.text[self.pos : self.pos + 1] == ")":
            self.pos += 1
            return Call(name, ())
        while True:
            self.skip_space()
            args.append(self.argument())
            self.skip_space()
            char = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if char == ")":
                return Call(name, tuple(args))
            if char != ",":
                raise self.fail("expected , or )")

    def argument(self) -> Argument:
        char = self.text[self.pos : self.pos + 1]
        if char == "'":
            return self.string()
        if char == "$":
            return self.path()
        if self.text.startswith("States.", self.pos):
            return self.call()
        start = self.pos
        while (
            self.pos < len(self.text)
            and self.text[self.pos] not in ",)"
            and not self.text[self.pos].isspace()
        ):
            self.pos += 1
        token = self.text[start : self.pos]
        if token in ("true", "false", "null"):
            return Literal(json.loads(token))
        try:
            number = json.loads(token)
        except json.JSONDecodeError:
            raise self.fail(f"unexpected argument {token!r}") from None
        if not isinstance(number, int | float):
            raise self.fail(f"unexpected argument {token!r}")
        return Literal(number)

    def string(self) -> Text:
        self.pos += 1
        start, escaped = self.pos, False
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                self.pos += 1
                return Text(self.text[start : self.pos - 1])
            self.pos += 1
        raise self.fail("unterminated string")

    def path(self) -> Path:
        start, depth, quote = self.pos, 0, ""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and depth:
                quote = char
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif depth == 0 and (char in ",)" or char.isspace()):
                break
            self.pos += 1
        return Path(self.text[start : self.pos])


def parse(expression: str) -> Call:
    parser = _Parser(expression.strip())
    call = parser.call()
    parser.skip_space()
    if parser.pos != len(parser.text):
        raise parser.fail("trailing characters")
    return call


def resolve_path(path: str, data: Any, context: Any) -> Any:
    """Read `$...` from the data or `$$...` from the context object; States.Runtime when absent."""
    document, path_in_document = (context, path[1:]) if path.startswith("$$") else (data, path)
    try:
        return jsonpath.read(document, path_in_document)
    except jsonpath.PathError as err:
        raise runtime_error(str(err)) from None


def evaluate(expression: str, data: Any, context: Any) -> Any:
    return _evaluate(parse(expression), data, context)


def _evaluate(node: Argument, data: Any, context: Any) -> Any:
    match node:
        case Text():
            return node.value
        case Literal(value):
            return value
        case Path(path):
            return resolve_path(path, data, context)
        case Call(name, args):
            function = FUNCTIONS.get(name)
            if function is None:
                raise runtime_error(f"unknown intrinsic function {name}")
            if name == "States.Format" and args and isinstance(args[0], Text):
                template = args[0].raw  # escapes matter to Format, so it gets the raw literal
                values = [_evaluate(arg, data, context) for arg in args[1:]]
                return _format(template, *values)
            return function(*(_evaluate(arg, data, context) for arg in args))
    raise runtime_error(f"cannot evaluate {node!r}")


# --- the functions -----------------------------------------------------------------------------


def _require(condition: bool, why: str) -> None:
    if not condition:
        raise runtime_error(why)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()


def _to_text(value: Any) -> str:
    """How Format prints a value: strings raw, objects and arrays Java-style, scalars as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_to_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_to_text(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)


def _format(template: Any, *values: Any) -> str:
    _require(isinstance(template, str), "States.Format needs a string template")
    out: list[str] = []
    remaining = list(values)
    position = 0
    while position < len(template):
        char = template[position]
        if char == "\\" and position + 1 < len(template):
            out.append(template[position + 1])
            position += 2
            continue
        if template.startswith("{}", position):
            _require(bool(remaining), "States.Format has more {} than arguments")
            out.append(_to_text(remaining.pop(0)))
            position += 2
            continue
        _require(char not in "{}", "States.Format: unescaped brace in template")
        out.append(char)
        position += 1
    _require(not remaining, "States.Format has more arguments than {}")
    return "".join(out)


def _string_to_json(text: Any) -> Any:
    _require(isinstance(text, str), "States.StringToJson needs a string")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise runtime_error(f"States.StringToJson: {err}") from None


def _json_to_string(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _array(*items: Any) -> list[Any]:
    return list(items)


def _array_partition(items: Any, size: Any) -> list[list[Any]]:
    _require(isinstance(items, list), "States.ArrayPartition needs an array")
    _require(_is_integer(size) and size > 0, "States.ArrayPartition needs a positive chunk size")
    chunk = int(size)
    return [items[start : start + chunk] for start in range(0, len(items), chunk)]


def _array_contains(items: Any, value: Any) -> bool:
    _require(isinstance(items, list), "States.ArrayContains needs an array")
    return any(_same_json(item, value) for item in items)


def _same_json(left: Any, right: Any) -> bool:
    # Python says True == 1; JSON does not.
    return isinstance(left, bool) == isinstance(right, bool) and left == right


def _array_range(start: Any, end: Any, step: Any) -> list[int]:
    _require(
        all(_is_integer(v) for v in (start, end, step)) and step != 0, "States.ArrayRange needs integers"
    )
    first, last, stride = int(start), int(end), int(step)
    values = list(range(first, last + (1 if stride > 0 else -1), stride))
    _require(len(values) <= 1000, "States.ArrayRange may produce at most 1000 items")
    return values


def _array_get_item(items: Any, index: Any) -> Any:
    _require(isinstance(items, list), "States.ArrayGetItem needs an array")
    _require(_is_integer(index) and 0 <= index < len(items), "States.ArrayGetItem: index out of bounds")
    return items[int(index)]


def _array_length(items: Any) -> int:
    _require(isinstance(items, list), "States.ArrayLength needs an array")
    return len(items)


def _array_unique(items: Any) -> list[Any]:
    _require(isinstance(items, list), "States.ArrayUnique needs an array")
    unique: list[Any] = []
    for item in items:
        if not any(_same_json(item, seen) for seen in unique):
            unique.append(item)
    return unique


def _base64_encode(text: Any) -> str:
    _require(isinstance(text, str), "States.Base64Encode needs a string")
    return base64.b64encode(text.encode()).decode()


def _base64_decode(text: Any) -> str:
    _require(isinstance(text, str), "States.Base64Decode needs a string")
    try:
        return base64.b64decode(text, validate=True).decode()
    except ValueError as err:
        raise runtime_error(f"States.Base64Decode: {err}") from None


_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def _hash(data: Any, algorithm: Any) -> str:
    _require(algorithm in _HASHES, f"States.Hash: unsupported algorithm {algorithm!r}")
    text = data if isinstance(data, str) else _json_to_string(data)
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _json_merge(left: Any, right: Any, deep: Any) -> dict[str, Any]:
    _require(isinstance(left, dict) and isinstance(right, dict), "States.JsonMerge needs two objects")
    _require(deep is False, "States.JsonMerge supports only a shallow merge (false)")
    return {**left, **right}


def _round_half_up(value: Any) -> int:
    _require(_is_number(value), f"expected a number, got {value!r}")
    return math.floor(value + 0.5)


def _math_random(start: Any, end: Any, seed: Any = None) -> int:
    low, high = _round_half_up(start), _round_half_up(end)
    _require(low < high, "States.MathRandom needs start < end")
    generator = random.Random(seed) if seed is not None else random
    return generator.randrange(low, high)


def _math_add(left: Any, right: Any) -> int:
    return _round_half_up(left) + _round_half_up(right)


def _string_split(text: Any, delimiters: Any) -> list[str]:
    _require(isinstance(text, str) and isinstance(delimiters, str), "States.StringSplit needs two strings")
    parts, current = [], ""
    for char in text:
        if char in delimiters:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part]


def _uuid() -> str:
    return str(uuid.uuid4())


def _checked(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(function)

    def call(*args: Any) -> Any:
        try:
            signature.bind(*args)
        except TypeError:
            raise runtime_error(f"{name} does not take {len(args)} argument(s)") from None
        return function(*args)

    return call


FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: _checked(name, function)
    for name, function in {
        "States.Format": _format,
        "States.StringToJson": _string_to_json,
        "States.JsonToString": _json_to_string,
        "States.Array": _array,
        "States.ArrayPartition": _array_partition,
        "States.ArrayContains": _array_contains,
        "States.ArrayRange": _array_range,
        "States.ArrayGetItem": _array_get_item,
        "States.ArrayLength": _array_length,
        "States.ArrayUnique": _array_unique,
        "States.Base64Encode": _base64_encode,
        "States.Base64Decode": _base64_decode,
        "States.Hash": _hash,
        "States.JsonMerge": _json_merge,
        "States.MathRandom": _math_random,
        "States.MathAdd": _math_add,
        "States.StringSplit": _string_split,
        "States.UUID": _uuid,
    }.items()
}
