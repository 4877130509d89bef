"""The JsonPath subset Step Functions accepts in paths: `$`, `.name`, `['name']`, `[0]`, `[-1]`,
`[*]`, `.*`, `[0,2]`, `[1:3]` and `..name`.

A definite path (names and indexes only) selects one value; an indefinite one (wildcard, union,
slice, descent) selects a list of every match, possibly empty. Filter expressions are not supported.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class PathError(ValueError):
    """The path is malformed, or selects nothing where a value was required."""


@dataclass(frozen=True)
class Key:
    name: str


@dataclass(frozen=True)
class Index:
    position: int


@dataclass(frozen=True)
class Wildcard:
    pass


@dataclass(frozen=True)
class Union:
    members: tuple[Key | Index, ...]


@dataclass(frozen=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True)
class Descend:
    child: Key | Index | Wildcard | Union | Slice


Segment = Key | Index | Wildcard | Union | Slice | Descend


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split on `separator` outside quotes."""
    parts, current, quote = [], "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == separator:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def _bracket(content: str, path: str) -> Key | Index | Wildcard | Union | Slice:
    content = content.strip()
    if content == "*":
        return Wildcard()
    if content.startswith("?"):
        raise PathError(f"filter expressions are not supported: {path}")
    members: list[Key | Index] = []
    for part in (p.strip() for p in _split_top_level(content, ",")):
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            members.append(Key(part[1:-1]))
        elif _is_int(part):
            members.append(Index(int(part)))
        elif ":" in part and len(members) == 0 and "," not in content:
            bounds = [b.strip() for b in part.split(":")]
            if len(bounds) > 3 or not all(b == "" or _is_int(b) for b in bounds):
                raise PathError(f"bad slice in {path}")
            start, stop, step = ([int(b) if b else None for b in bounds] + [None])[:3]
            return Slice(start, stop, step)
        else:
            raise PathError(f"bad bracket expression [{content}] in {path}")
    return members[0] if len(members) == 1 else Union(tuple(members))


def _closing_bracket(path: str, start: int) -> int:
    quote = ""
    for position in range(start, len(path)):
        char = path[position]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "]":
            return position
    raise PathError(f"unclosed [ in {path}")


def _name(path: str, start: int) -> tuple[str, int]:
    end = start
    while end < len(path) and path[end] not in ".[":
        end += 1
    if end == start:
        raise PathError(f"empty name in {path}")
    return path[start:end], end


@lru_cache(maxsize=1024)
def parse(path: str) -> tuple[Segment, ...]:
    """Segments of a path that starts with `$` (a context path `$$...` is parsed without its first `$`)."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise PathError(f"a path must start with $: {path!r}")
    segments: list[Segment] = []
    position = 1
    while position < len(path):
        descend = path.startswith("..", position)
        if descend or path[position] == ".":
            position += 2 if descend else 1
            if position < len(path) and path[position] == "[":
                end = _closing_bracket(path, position)
                step: Key | Index | Wildcard | Union | Slice = _bracket(path[position + 1 : end], path)
                position = end + 1
            else:
                name, position = _name(path, position)
                step = Wildcard() if name == "*" else Key(name)
            segments.append(Descend(step) if descend else step)
        elif path[position] == "[":
            end = _closing_bracket(path, position)
            segments.append(_bracket(path[position + 1 : end], path))
            position = end + 1
        else:
            raise PathError(f"unexpected {path[position]!r} in {path}")
    return tuple(segments)


def is_definite(segments: tuple[Segment, ...]) -> bool:
    return all(isinstance(segment, Key | Index) for segment in segments)


def _descendants(value: Any) -> Iterator[Any]:
    yield value
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        yield from _descendants(child)


def _step(value: Any, segment: Segment) -> list[Any]:
    match segment:
        case Key(name):
            return [value[name]] if isinstance(value, dict) and name in value else []
        case Index(position):
            in_range = isinstance(value, list) and -len(value) <= position < len(value)
            return [value[position]] if in_range else []
        case Wildcard():
            return (
                list(value.values())
                if isinstance(value, dict)
                else list(value)
                if isinstance(value, list)
                else []
            )
        case Union(members):
            return [match for member in members for match in _step(value, member)]
        case Slice(start, stop, step):
            return value[start:stop:step] if isinstance(value, list) else []
        case Descend(child):
            return [match for node in _descendants(value) for match in _step(node, child)]
    raise PathError(f"unknown segment {segment!r}")


def read(document: Any, path: str) -> Any:
    """The value `path` selects in `document`; PathError when a definite path selects nothing."""
    segments = parse(path)
    matches = [document]
    for segment in segments:
        matches = [match for value in matches for match in _step(value, segment)]
    if is_definite(segments):
        if not matches:
            raise PathError(f"the path {path} selects nothing in the input")
        return matches[0]
    return matches


def exists(document: Any, path: str) -> bool:
    try:
        read(document, path)
    except PathError:
        return False
    return True


def write(document: Any, path: str, value: Any) -> Any:
    """A copy of `document` with `value` placed at the reference path `path` (missing objects created)."""
    segments = parse(path)
    if not is_definite(segments):
        raise PathError(f"a reference path must select a single node: {path}")
    if not segments:
        return value
    result = copy.deepcopy(document)
    node = result
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if isinstance(segment, Key):
            if not isinstance(node, dict):
                raise PathError(f"cannot set {path}: {segment.name!r} is not inside an object")
            if last:
                node[segment.name] = value
            else:
                node = node.setdefault(segment.name, {})
        else:
            assert isinstance(segment, Index)
            if not isinstance(node, list) or not -len(node) <= segment.position < len(node):
                raise PathError(f"cannot set {path}: index {segment.position} is out of range")
            if last:
                node[segment.position] = value
            else:
                node = node[segment.position]
    return result
