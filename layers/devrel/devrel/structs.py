"""Typed records on msgspec, with the few pydantic-style methods the code calls on them.

Why not pydantic here: the webhook functions' cold start. Importing pydantic costs ~60 ms of a
~150 ms Lambda init (tests/bench/bench_init.py); msgspec, after Powertools' own imports, about a
tenth of that (73-107 ms against ~11 ms, measured side by side on a loaded machine).
So everything a webhook imports (events, settings, the platforms' payloads) is a `Struct`; the
worker, triage, API and edge keep pydantic where they use it, and `in_pydantic` lets one of their
models hold a Struct.

Differences to keep in mind: msgspec checks types and constraints when decoding or converting, not
in `__init__` (`validated` round-trips a record built in code); `model_dump` always gives
JSON-compatible builtins, in both modes; conversion is strict unless asked otherwise ("5" is no int).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Self, TypeVar

import msgspec

# Types msgspec does not know: how to build one from its JSON value, and the JSON value of one.
_DECODERS: dict[type, Callable[[Any], Any]] = {}
_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def register(kind: type, decode: Callable[[Any], Any], encode: Callable[[Any], Any]) -> None:
    """Teach every Struct a field type: `decode` gets the JSON value, `encode` returns one."""
    _DECODERS[kind] = decode
    _ENCODERS[kind] = encode


def dec_hook(kind: type, value: Any) -> Any:
    decode = _DECODERS.get(kind)
    if decode is None:
        raise NotImplementedError(f"no decoder for {kind!r}")
    try:
        return decode(value)
    except (TypeError, ValueError) as error:  # reported by msgspec with the field's location
        raise ValueError(str(error)) from None


def enc_hook(value: Any) -> Any:
    for kind, encode in _ENCODERS.items():
        if isinstance(value, kind):
            return encode(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


def _path(value: Any) -> Path:
    if not isinstance(value, str | Path):
        raise TypeError(f"Expected `str`, got `{type(value).__name__}`")
    return Path(value)


register(Path, _path, str)

S = TypeVar("S", bound=msgspec.Struct)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


class Struct(msgspec.Struct, kw_only=True):
    """A record with pydantic's method names, so callers need not know which library backs it."""

    @classmethod
    def model_validate(cls, obj: Any, *, strict: bool = True) -> Self:
        return msgspec.convert(obj, cls, strict=strict, dec_hook=dec_hook)

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Self:
        return msgspec.json.decode(data, type=cls, dec_hook=dec_hook)

    def model_dump(self, *, mode: str = "python", exclude_none: bool = False) -> dict[str, Any]:
        """JSON-compatible builtins whatever `mode` (kept for pydantic's callers)."""
        data: dict[str, Any] = msgspec.to_builtins(self, enc_hook=enc_hook)
        return _without_none(data) if exclude_none else data

    def model_dump_json(self) -> str:
        return msgspec.json.encode(self, enc_hook=enc_hook).decode()

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Self:
        """A copy with `update` applied, unchecked, as pydantic's model_copy."""
        return msgspec.structs.replace(self, **(update or {}))


def validated(record: S) -> S:
    """`record` checked against its type's annotations and constraints (msgspec's __init__ checks
    nothing); raises msgspec.ValidationError, a ValueError, naming the field at fault."""
    return msgspec.convert(msgspec.to_builtins(record, enc_hook=enc_hook), type(record), dec_hook=dec_hook)


def in_pydantic(kind: type[Struct]) -> Any:
    """`kind` as a pydantic field type: validated and serialized through msgspec. Imports pydantic,
    so only modules that already use it call this."""
    from typing import Annotated

    from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

    return Annotated[
        kind,
        PlainValidator(kind.model_validate),
        PlainSerializer(lambda record: record.model_dump(mode="json")),
        WithJsonSchema({"type": "object", "title": kind.__name__}),
    ]
