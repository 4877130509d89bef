"""Every signed webhook route under hypothesis: correctly signed bodies of any shape (mutated real
payloads, arbitrary JSON, deep nesting, raw bytes) and arbitrary headers. The property: never a 5xx,
and whatever the edge accepts the worker finishes (no poison message for the dead-letter queue).

CI runs DEVREL_FUZZ_EXAMPLES (default 200) examples per route and strategy; a longer run on demand:

    DEVREL_FUZZ_EXAMPLES=5000 .venv/bin/pytest tests/unit/test_webhook_fuzz.py -s
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devrel.handlers.worker import process_sqs_batch
from devrel.http import HttpRequest
from devrel.platforms.github import HANDLED_EVENTS
from devrel.runtime import Services
from support.fakes import FakeClock, RecordingPlatform, fake_services
from support.signed import NOW, ROUTES, SAMPLES, SIGNING_SETTINGS, body_for, handle, sign

EXAMPLES = int(os.environ.get("DEVREL_FUZZ_EXAMPLES", "200"))
# CI's runs are reproducible (derandomized); on-demand runs explore new examples each time.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize="DEVREL_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

# Requests sent and 5xx answers by route, reported at the end of the module (pytest -s shows it).
SENT: Counter[str] = Counter()
SERVER_ERRORS: Counter[str] = Counter()
WORKER_FAILURES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    print(f"\nfuzz: {sum(SENT.values())} requests, {sum(SERVER_ERRORS.values())} x 5xx, "
          f"{sum(WORKER_FAILURES.values())} worker failures; by route: {dict(SENT)}")


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    # One set of services for all examples (hypothesis runs many per test); RecordingPlatforms catch replies.
    with tempfile.TemporaryDirectory() as folder:
        platforms = {name: RecordingPlatform(name) for name in ("github", "slack", "discord", "discourse")}
        yield fake_services(Path(folder), platforms=platforms, clock=FakeClock(float(NOW)), **SIGNING_SETTINGS)


def check(route: str, request: HttpRequest, services: Services) -> int:
    """Send one request; assert no 5xx and that the worker finishes whatever was queued."""
    SENT[route] += 1
    try:
        status = handle(route, request, services).status
    except Exception:
        SERVER_ERRORS[route] += 1  # the Lambda wrapper and the edge gateway turn this into a 500
        raise
    if status >= 500:
        SERVER_ERRORS[route] += 1
    assert status < 500, f"{route}: {status}"
    messages = services.queue.receive(max_messages=10)
    if messages:
        records = [{"messageId": m.receipt_handle, "body": m.body} for m in messages]
        failures = process_sqs_batch({"Records": records}, services)["batchItemFailures"]
        for message in messages:
            services.queue.delete(message.receipt_handle)
        WORKER_FAILURES[route] += len(failures)
        assert failures == [], f"{route}: accepted at the edge, failed in the worker"
    return status


# --- strategies -----------------------------------------------------------------------------------

TEXT = st.text(max_size=40)
LEAVES = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
          | st.floats(allow_nan=True, allow_infinity=True) | TEXT)
JSON = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=25)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from paths(inner, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, sample: Any) -> Any:
    """A real payload with one to three fields replaced by arbitrary JSON, or removed."""
    document = copy.deepcopy(sample)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(paths(document))))
        if not path:
            return draw(JSON)
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return document


@st.composite
def nested(draw: st.DrawFn) -> bytes:
    depth = draw(st.integers(1, 3000))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('[{"b":', "}]")]))
    return (opener * depth + json.dumps(draw(LEAVES)) + closer * depth).encode()


def headers_for(route: str) -> st.SearchStrategy[dict[str, str]]:
    """The routing headers a platform sends besides the signature, drawn from real and arbitrary values."""
    if route == "github":
        return st.fixed_dictionaries({
            "x-github-event": st.sampled_from([*HANDLED_EVENTS, "ping", "star"]) | TEXT,
            "x-github-delivery": st.uuids().map(str) | TEXT})
    if route == "discourse":
        return st.fixed_dictionaries({"x-discourse-event": st.sampled_from(["post_created", "ping"]) | TEXT})
    return st.just({})


ROUTE_NAMES = sorted(ROUTES)


# --- properties -----------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTE_NAMES)
@FUZZ
@given(data=st.data())
def test_mutated_payloads_are_never_a_server_error(services: Services, route: str, data: st.DataObject) -> None:
    sample = SAMPLES[route]
    if route == "slack_commands":
        payload: Any = data.draw(mutated(sample).filter(lambda p: isinstance(p, dict)))
    else:
        payload = data.draw(mutated(sample))
    check(route, sign(route, body_for(route, payload), data.draw(headers_for(route))), services)


@pytest.mark.parametrize("route", ROUTE_NAMES)
@FUZZ
@given(data=st.data())
def test_arbitrary_json_and_bytes_are_never_a_server_error(services: Services, route: str,
                                                           data: st.DataObject) -> None:
    body = data.draw(st.one_of(JSON.map(lambda value: body_for(route, value)), nested(), st.binary(max_size=200)))
    check(route, sign(route, body, data.draw(headers_for(route))), services)


HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60) | st.sampled_from(
    ["1" + "0" * 400, "-1", "1e400", "nan", str(NOW), "v0=" + "0" * 64, "sha256=" + "0" * 64, "0" * 128])


@pytest.mark.parametrize("route", ROUTE_NAMES)
@FUZZ
@given(data=st.data())
def test_arbitrary_header_values_are_never_a_server_error(services: Services, route: str,
                                                          data: st.DataObject) -> None:
    """Every header a route reads, set to anything (latin-1, as HTTP servers decode them): 401 or 4xx."""
    request = sign(route, body_for(route, SAMPLES[route]))
    names = sorted(request.headers)
    replaced = data.draw(st.dictionaries(st.sampled_from(names), HEADER_VALUE, min_size=1))
    headers = {**request.headers, **replaced}
    assert check(route, HttpRequest(request.method, request.path, headers, request.body), services) < 500
