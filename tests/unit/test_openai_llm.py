"""OpenAiLlm's retry and fallback logic, over real HTTP from the real openai client.

A stdlib HTTP server stands in for the provider and plays back scripted responses.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import openai
import pytest
from pydantic import BaseModel, Field

from devrel.models.openai_llm import OpenAiLlm
from devrel.ports import ChatMessage, PortError


class Triage(BaseModel):
    label: Literal["bug", "feature", "question"]
    confidence: int = Field(ge=0, le=100)


@dataclass
class Scripted:
    status: int
    body: dict[str, Any] | str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StandIn:
    url: str
    script: list[Scripted]
    requests: list[dict[str, Any]] = field(default_factory=list)


def completion(content: str) -> Scripted:
    return Scripted(
        200,
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": "stand-in",
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        },
    )


def error(status: int, headers: dict[str, str] | None = None) -> Scripted:
    return Scripted(
        status, {"error": {"message": f"scripted {status}", "type": "server_error"}}, headers or {}
    )


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    state = StandIn(url="", script=[])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.requests.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
            reply = state.script.pop(0) if state.script else error(599)
            payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            data = payload.encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield state
    server.shutdown()
    server.server_close()


def make_llm(url: str, mode: Literal["json_schema", "json_object", "prompt"] = "json_schema") -> OpenAiLlm:
    # Cloud-style configuration: base_url + api key + model; the SDK's own retries off.
    client = openai.OpenAI(base_url=url, api_key="test-key", max_retries=0, timeout=5)
    return OpenAiLlm(client, "stand-in", structured_mode=mode, attempts=3, backoff_seconds=0.01)


QUESTION = [ChatMessage("system", "Classify the issue."), ChatMessage("user", "The app crashes on save.")]


def test_chat_returns_the_reply_text(stand_in: StandIn) -> None:
    stand_in.script = [completion("  Use pip.  ")]
    assert (
        make_llm(stand_in.url).chat([ChatMessage("user", "How do I install it?")], max_tokens=20)
        == "Use pip."
    )
    sent = stand_in.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"]["max_tokens"] == 20
    assert sent["body"]["messages"] == [{"role": "user", "content": "How do I install it?"}]


def test_server_errors_are_retried_until_success(stand_in: StandIn) -> None:
    stand_in.script = [error(500), error(503), completion("ok")]
    assert make_llm(stand_in.url).chat(QUESTION) == "ok"
    assert len(stand_in.requests) == 3


def test_rate_limit_is_retried(stand_in: StandIn) -> None:
    stand_in.script = [error(429, {"Retry-After": "0"}), completion("ok")]
    assert make_llm(stand_in.url).chat(QUESTION) == "ok"
    assert len(stand_in.requests) == 2


def test_persistent_server_errors_raise_port_error(stand_in: StandIn) -> None:
    stand_in.script = [error(500), error(500), error(500), completion("too late")]
    with pytest.raises(PortError, match="after 3 attempts"):
        make_llm(stand_in.url).chat(QUESTION)
    assert len(stand_in.requests) == 3


def test_client_errors_are_not_retried(stand_in: StandIn) -> None:
    stand_in.script = [error(400), completion("never asked")]
    with pytest.raises(PortError):
        make_llm(stand_in.url).chat(QUESTION)
    assert len(stand_in.requests) == 1


def test_unreachable_server_raises_port_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PortError):
        make_llm(f"http://127.0.0.1:{port}/v1").chat(QUESTION)


def test_empty_reply_raises_port_error(stand_in: StandIn) -> None:
    stand_in.script = [completion("   ")]
    with pytest.raises(PortError, match="empty"):
        make_llm(stand_in.url).chat(QUESTION)


def test_structured_sends_the_schema_and_validates(stand_in: StandIn) -> None:
    stand_in.script = [completion('{"label": "bug", "confidence": 90}')]
    result = make_llm(stand_in.url).structured(QUESTION, Triage, max_tokens=30)
    assert result == Triage(label="bug", confidence=90)
    response_format = stand_in.requests[0]["body"]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Triage"
    assert response_format["json_schema"]["schema"]["properties"]["label"]["enum"] == [
        "bug",
        "feature",
        "question",
    ]


def test_invalid_json_then_valid_is_retried_with_feedback(stand_in: StandIn) -> None:
    stand_in.script = [
        completion('{"label": "bug", "confid'),
        completion('{"label": "bug", "confidence": 70}'),
    ]
    assert make_llm(stand_in.url).structured(QUESTION, Triage) == Triage(label="bug", confidence=70)
    assert len(stand_in.requests) == 2
    retry_messages = stand_in.requests[1]["body"]["messages"]
    assert retry_messages[-2] == {"role": "assistant", "content": '{"label": "bug", "confid'}
    assert retry_messages[-1]["role"] == "user"
    assert "invalid" in retry_messages[-1]["content"]


def test_schema_violation_is_retried(stand_in: StandIn) -> None:
    stand_in.script = [
        completion('{"label": "crash", "confidence": 500}'),
        completion('{"label": "question", "confidence": 10}'),
    ]
    assert make_llm(stand_in.url).structured(QUESTION, Triage) == Triage(label="question", confidence=10)
    feedback = stand_in.requests[1]["body"]["messages"][-1]["content"]
    assert "label" in feedback and "confidence" in feedback


def test_two_invalid_replies_raise_port_error(stand_in: StandIn) -> None:
    stand_in.script = [completion("not json"), completion('{"label": "bug"}'), completion("{}")]
    with pytest.raises(PortError, match="no valid Triage"):
        make_llm(stand_in.url).structured(QUESTION, Triage)
    assert len(stand_in.requests) == 2


def test_structured_retries_transient_errors_too(stand_in: StandIn) -> None:
    stand_in.script = [error(502), completion('{"label": "feature", "confidence": 55}')]
    assert make_llm(stand_in.url).structured(QUESTION, Triage) == Triage(label="feature", confidence=55)


def test_prompt_mode_puts_the_schema_in_the_prompt_and_extracts_json(stand_in: StandIn) -> None:
    stand_in.script = [completion('Sure!\n```json\n{"label": "feature", "confidence": 60}\n```')]
    result = make_llm(stand_in.url, mode="prompt").structured(QUESTION, Triage)
    assert result == Triage(label="feature", confidence=60)
    body = stand_in.requests[0]["body"]
    assert "response_format" not in body
    system = body["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("Classify the issue.")
    assert '"enum":["bug","feature","question"]' in system["content"]


def test_json_object_mode_asks_for_a_json_object(stand_in: StandIn) -> None:
    stand_in.script = [completion('{"label": "bug", "confidence": 1}')]
    make_llm(stand_in.url, mode="json_object").structured([ChatMessage("user", "Classify: crash")], Triage)
    body = stand_in.requests[0]["body"]
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["role"] == "system"
    assert "JSON Schema" in body["messages"][0]["content"]


def test_structured_rejects_a_non_pydantic_schema(stand_in: StandIn) -> None:
    with pytest.raises(TypeError):
        make_llm(stand_in.url).structured(QUESTION, dict)
    assert stand_in.requests == []
