"""The LLM port over any OpenAI-compatible chat completions endpoint.

One class serves the cloud (OpenAI, Groq, any base_url) and the edge (a local llama.cpp server):
only the client's base_url and the model name differ.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError

from devrel.models.retry import call_with_retries
from devrel.ports import ChatMessage, PortError

StructuredMode = Literal["json_schema", "json_object", "prompt"]

# One invalid reply earns one corrected retry; a second means the model cannot do it.
STRUCTURED_ATTEMPTS = 2


@dataclass(frozen=True)
class Generation:
    """One completion with the numbers needed to measure a model."""

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    seconds: float


class OpenAiLlm:
    """Chat and schema-validated structured output.

    `structured_mode` says how the endpoint is asked for JSON: "json_schema" (the schema goes in
    response_format; llama.cpp turns it into a grammar, so the shape is guaranteed), "json_object"
    (any JSON; the schema goes in the prompt) or "prompt" (no response_format at all).
    Transient API errors are retried with backoff; whatever still fails raises PortError.
    """

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        structured_mode: StructuredMode = "json_schema",
        attempts: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self.client = client
        self.model = model
        self.structured_mode = structured_mode
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds

    def chat(self, messages: list[ChatMessage], max_tokens: int = 256, temperature: float = 0.0) -> str:
        text = self.generate(messages, max_tokens, temperature).text.strip()
        if not text:
            raise PortError(f"model {self.model!r} returned an empty reply")
        return text

    def generate(
        self,
        messages: list[ChatMessage],
        max_tokens: int = 256,
        temperature: float = 0.0,
        response_format: dict[str, Any] | None = None,
    ) -> Generation:
        """One chat completion, with token counts and wall time."""
        started = time.perf_counter()
        completion = self._complete(_to_openai(messages), max_tokens, temperature, response_format)
        seconds = time.perf_counter() - started
        if not completion.choices:
            raise PortError(f"model {self.model!r} returned no choices")
        choice = completion.choices[0]
        usage = completion.usage
        return Generation(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            seconds=seconds,
        )

    def structured(self, messages: list[ChatMessage], schema: type[Any], max_tokens: int = 256) -> Any:
        if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise TypeError(f"schema must be a pydantic model class, not {schema!r}")
        json_schema = schema.model_json_schema()
        conversation = list(messages)
        response_format: dict[str, Any] | None
        if self.structured_mode == "json_schema":
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": _schema_name(schema), "schema": json_schema},
            }
        else:
            conversation = _with_schema_instructions(conversation, json_schema)
            response_format = {"type": "json_object"} if self.structured_mode == "json_object" else None

        problem = ""
        for _ in range(STRUCTURED_ATTEMPTS):
            reply = self.generate(conversation, max_tokens, 0.0, response_format).text
            try:
                return schema.model_validate_json(_json_text(reply))
            except ValidationError as error:
                problem = _summarise(error)
            # Show the model its own mistake: at temperature 0 the same prompt repeats it.
            conversation = [
                *conversation,
                ChatMessage("assistant", reply),
                ChatMessage(
                    "user", f"That reply is invalid ({problem}). Reply with only the corrected JSON."
                ),
            ]
        raise PortError(f"model {self.model!r} gave no valid {schema.__name__} twice: {problem}")

    def _complete(
        self,
        messages: list[ChatCompletionMessageParam],
        max_tokens: int,
        temperature: float,
        response_format: dict[str, Any] | None,
    ) -> ChatCompletion:
        extra: dict[str, Any] = {"response_format": response_format} if response_format else {}

        def call() -> ChatCompletion:
            return self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                max_tokens=max_tokens,
                temperature=temperature,
                **extra,
            )

        return call_with_retries(call, self.attempts, self.backoff_seconds, f"chat completion ({self.model})")


def _to_openai(messages: list[ChatMessage]) -> list[ChatCompletionMessageParam]:
    converted: list[ChatCompletionMessageParam] = []
    for message in messages:
        if message.role == "system":
            converted.append({"role": "system", "content": message.content})
        elif message.role == "assistant":
            converted.append({"role": "assistant", "content": message.content})
        else:
            converted.append({"role": "user", "content": message.content})
    return converted


def _schema_name(schema: type[BaseModel]) -> str:
    # OpenAI accepts [a-zA-Z0-9_-]{1,64}; generic models have brackets in their names.
    cleaned = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in schema.__name__)
    return cleaned[:64] or "reply"


def _with_schema_instructions(messages: list[ChatMessage], json_schema: dict[str, Any]) -> list[ChatMessage]:
    instruction = "Reply with only a JSON object that validates against this JSON Schema:\n" + json.dumps(
        json_schema, separators=(",", ":")
    )
    if messages and messages[0].role == "system":
        first = messages[0]
        return [ChatMessage("system", f"{first.content}\n\n{instruction}"), *messages[1:]]
    return [ChatMessage("system", instruction), *messages]


def _json_text(reply: str) -> str:
    """The JSON object inside a reply; models without a grammar like to wrap it in prose or fences."""
    start, end = reply.find("{"), reply.rfind("}")
    return reply[start : end + 1] if 0 <= start < end else reply


def _summarise(error: ValidationError, limit: int = 3) -> str:
    parts = []
    for detail in error.errors(include_url=False)[:limit]:
        where = ".".join(str(part) for part in detail["loc"]) or "reply"
        parts.append(f"{where}: {detail['msg']}")
    return "; ".join(parts)
