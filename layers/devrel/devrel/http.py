"""Neutral HTTP request/response and their API Gateway (HTTP API, payload v2) converters.

Webhook signatures are computed over the exact bytes the platform sent, so the request keeps the
raw body as bytes and never re-serialises it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

# No platform nests its payloads more than a dozen levels; far deeper input is an attack on the
# recursion of every consumer (the parser, pydantic, repr), so it is refused before parsing.
MAX_JSON_DEPTH = 64
# A JSON string (escapes included), removed before counting brackets: brackets inside strings do not nest.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(raw: bytes, stop_above: int | None = None) -> int:
    """The deepest nesting of arrays and objects in a JSON text, without parsing it (counting stops
    once it passes `stop_above`)."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for char in brackets:
        if char in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def loads_json(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads that refuses input nested deeper than `max_depth`; raises ValueError for any bad input."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if json_depth(data, stop_above=max_depth) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError as error:  # a backstop: the depth check above should make this unreachable
        raise ValueError("JSON nested too deeply") from error


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    query: Mapping[str, list[str]] = field(default_factory=dict)
    path_params: Mapping[str, str] = field(default_factory=dict)
    request_id: str = ""
    # The client's address as API Gateway saw it (per-visitor rate limits).
    source_ip: str = ""

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """Parse the body as JSON; raises ValueError (-> 400) when it is not, or nests too deeply."""
        return loads_json(self.body)

    def form(self) -> dict[str, str]:
        """Parse an application/x-www-form-urlencoded body (single values)."""
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        return {key: values[-1] for key, values in parsed.items()}

    @classmethod
    def from_apigw_v2(cls, event: Mapping[str, Any]) -> HttpRequest:
        raw_body = event.get("body") or ""
        body = base64.b64decode(raw_body) if event.get("isBase64Encoded") else raw_body.encode("utf-8")
        http = (event.get("requestContext") or {}).get("http") or {}
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        query = parse_qs(event.get("rawQueryString") or "", keep_blank_values=True)
        return cls(
            method=str(http.get("method", "GET")).upper(),
            path=str(http.get("path") or event.get("rawPath") or "/"),
            headers=headers,
            body=body,
            query=query,
            path_params=dict(event.get("pathParameters") or {}),
            request_id=str((event.get("requestContext") or {}).get("requestId", "")),
            source_ip=str(http.get("sourceIp") or ""),
        )


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> HttpResponse:
        return cls(
            status=status,
            body=json.dumps(payload, separators=(",", ":")),
            headers={"content-type": "application/json", **(headers or {})},
        )

    @classmethod
    def error(cls, status: int, message: str) -> HttpResponse:
        return cls.json(status, {"error": message})

    def to_apigw_v2(self) -> dict[str, Any]:
        if isinstance(self.body, bytes):
            try:
                text, is_b64 = self.body.decode("utf-8"), False
            except UnicodeDecodeError:
                text, is_b64 = base64.b64encode(self.body).decode("ascii"), True
        else:
            text, is_b64 = self.body, False
        return {"statusCode": self.status, "headers": dict(self.headers), "body": text, "isBase64Encoded": is_b64}


def response_from_apigw_v2(result: Any) -> HttpResponse:
    """Interpret a handler's return value the way API Gateway HTTP API (v2) does."""
    if isinstance(result, dict) and "statusCode" in result:
        raw = result.get("body") or ""
        body: bytes = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
        headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[str(name).lower()] = ",".join(str(v) for v in values)
        if result.get("cookies"):
            headers["set-cookie"] = "; ".join(result["cookies"])
        return HttpResponse(status=int(result["statusCode"]), body=body, headers=headers)
    # v2 infers a 200 JSON response from any other value.
    if isinstance(result, str):
        return HttpResponse(status=200, body=result.encode("utf-8"), headers={"content-type": "application/json"})
    return HttpResponse.json(200, result)
