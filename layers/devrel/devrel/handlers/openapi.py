"""The OpenAPI 3.1 description of /api/*, generated from the pydantic models the handlers use.

Built on request (GET /api/openapi.json), never at import: the API function's cold start does not
pay for it. Routes are read from the live `ROUTES` table, so an endpoint missing from `OPERATIONS`
still appears (described by its docstring) and a test can point it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import devrel
from devrel.handlers import dashboard, widget

SECURITY_SCHEME = "adminToken"
REF_TEMPLATE = "#/components/schemas/{model}"


# --- Models of the maintainers' reports (their handlers return plain dicts) ---------------------------


class MetricsQuery(BaseModel):
    weeks: int = Field(default=12, ge=1, le=104, description="How many ISO weeks, ending with the current one.")


class DocsGap(BaseModel):
    model_config = ConfigDict(extra="allow")

    topic: str
    questions: list[str]
    pages: list[str] = Field(description="The docs pages closest to these questions.")


class Leader(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    points: int


class HealthReport(BaseModel):
    """Community health per ISO week; metric names vary with what is measured."""

    model_config = ConfigDict(extra="allow")

    weeks: list[dict[str, str | float | None]] = Field(
        description='One row per week: {"week": "YYYY-Www", <metric>: number or null, ...}, oldest first.')
    current: dict[str, str | float | None] = Field(description="This week's row.")
    docs_gaps: list[DocsGap] = Field(default_factory=list)
    leaderboard: list[Leader] = Field(default_factory=list)


class StatsResponse(BaseModel):
    hourly: list[dict[str, Any]] = Field(description="Hourly roll-ups of events by platform and kind, newest first.")
    unanswered: list[dict[str, Any]] = Field(description="Questions the assistant could not answer, per platform.")


class VotesQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=400)


@dataclass(frozen=True)
class Operation:
    summary: str
    response: type[BaseModel]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    admin: bool = False
    # Counted against the caller's per-address budget (429 with Retry-After past it).
    limited: bool = False
    tag: Literal["visitors", "maintainers", "service"] = "visitors"


def operations() -> dict[tuple[str, str], Operation]:
    from devrel.handlers import api

    return {
        ("GET", "health"): Operation("Liveness, version and whether anything is indexed", api.HealthResponse,
                                     tag="service"),
        ("POST", "ask"): Operation("Ask a question; the answer quotes and cites the project's sources",
                                   api.AskResponse, body=api.AskRequest, limited=True),
        ("POST", "feedback"): Operation("Thumbs up or down on an answer of a thread", widget.FeedbackRecorded,
                                        body=widget.FeedbackRequest, limited=True),
        ("GET", "activity"): Operation("What the assistant did or (dry run) would do, with a weekly trend",
                                       dashboard.ActivityResponse, query=dashboard.ActivityQuery, admin=True,
                                       tag="maintainers"),
        ("GET", "feedback"): Operation("The widget's votes", dashboard.VotesResponse, query=VotesQuery, admin=True,
                                       tag="maintainers"),
        ("GET", "metrics"): Operation("Community health per week, docs gaps and the leaderboard", HealthReport,
                                      query=MetricsQuery, admin=True, tag="maintainers"),
        ("GET", "stats"): Operation("Hourly event roll-ups and unanswered questions", StatsResponse, admin=True,
                                    tag="maintainers"),
        ("GET", "openapi.json"): Operation("This document", OpenApiDocument, tag="service"),
    }


class OpenApiDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    openapi: str


def _parameters(query: type[BaseModel]) -> list[dict[str, Any]]:
    schema = query.model_json_schema(ref_template=REF_TEMPLATE)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop,
             **({"description": prop["description"]} if "description" in prop else {})}
            for name, prop in schema.get("properties", {}).items()]


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ErrorResponse")}}}}


def build(routes: Mapping[tuple[str, str], Any]) -> dict[str, Any]:
    known = operations()
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(widget.ErrorResponse, "serialization")]
    for key in routes:
        if key in known:
            op = known[key]
            pairs.append((op.response, "serialization"))
            if op.body is not None:
                pairs.append((op.body, "validation"))
    refs, definitions = models_json_schema(list(dict.fromkeys(pairs)), ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = definitions.get("$defs", {})

    paths: dict[str, dict[str, Any]] = {}
    for (method, name), handler in sorted(routes.items(), key=lambda item: item[0][1]):
        op = known.get((method, name))
        entry: dict[str, Any]
        if op is None:
            doc = (getattr(handler, "__doc__", None) or f"{method} /api/{name}").strip().splitlines()[0]
            entry = {"summary": doc, "operationId": _operation_id(method, name),
                     "responses": {"200": {"description": "OK"}}}
        else:
            entry = {"summary": op.summary, "operationId": _operation_id(method, name), "tags": [op.tag],
                     "responses": {"200": {"description": "OK", "content": {"application/json": {
                         "schema": refs[(op.response, "serialization")]}}}}}
            if op.body is not None:
                entry["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": refs[(op.body, "validation")]}}}
                entry["responses"]["400"] = _error("The body is not what this operation expects.")
            if op.query is not None:
                entry["parameters"] = _parameters(op.query)
                entry["responses"]["400"] = _error("A query parameter is out of range.")
            if op.admin:
                entry["security"] = [{SECURITY_SCHEME: []}]
                entry["responses"]["401"] = _error("No or a wrong maintainer token.")
            if op.limited:
                entry["responses"]["429"] = {**_error("Too many requests from this address."), "headers": {
                    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}}
        paths.setdefault(f"/api/{name}", {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "devrel API", "version": devrel.__version__,
                 "description": "The JSON API behind the CLI, the web widget and the maintainers' dashboard. "
                                "Maintainer endpoints take `Authorization: Bearer <api_admin_token>`."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            SECURITY_SCHEME: {"type": "http", "scheme": "bearer",
                              "description": "The api_admin_token secret (DEVREL_API_ADMIN_TOKEN at the edge)."}}},
    }


def _operation_id(method: str, name: str) -> str:
    return method.lower() + "".join(part.capitalize() for part in name.replace(".", "_").split("_"))


_built: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}


def document(routes: Mapping[tuple[str, str], Any]) -> dict[str, Any]:
    """The document for these routes, built once per process (routes do not change at run time)."""
    key = tuple(sorted(routes))
    if key not in _built:
        _built[key] = build(routes)
    return _built[key]
