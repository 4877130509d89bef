"""The edge models for real: the quantized GGUF behind a local llama.cpp server, and the ONNX embedder.

Prompts are short and replies capped at a few dozen tokens so the module stays well under a minute.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

import numpy as np
import openai
import pytest
from pydantic import BaseModel, Field

from devrel.models.catalog import choose_model, materialise, this_machine
from devrel.models.local_server import LocalLlmServer, LocalServerError
from devrel.models.openai_llm import OpenAiLlm
from devrel.ports import LLM, ChatMessage, Embedder
from devrel.runtime import build_embedder, build_llm
from devrel.settings import load_settings

pytestmark = pytest.mark.slow


class Triage(BaseModel):
    """Every field bounded, so a small model under a grammar cannot ramble."""

    label: Literal["bug", "feature", "question"]
    confidence: int = Field(ge=0, le=100)
    summary: str = Field(max_length=60)


TRIAGE_PROMPT = [
    ChatMessage(
        "system",
        "Classify GitHub issues. bug: something is broken or crashes. feature: a request for new "
        "functionality. question: the user asks how to do something. Reply in JSON.",
    ),
    ChatMessage("user", "Issue: The app crashes with a stack trace when I click save."),
    ChatMessage("assistant", '{"label": "bug", "confidence": 90, "summary": "crash on save"}'),
    ChatMessage("user", "Issue: Please add dark mode support."),
    ChatMessage("assistant", '{"label": "feature", "confidence": 85, "summary": "dark mode"}'),
    ChatMessage("user", "Issue: How can I change the default port?"),
]


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return materialise(choose_model(this_machine()), tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def server(gguf: Path) -> Iterator[LocalLlmServer]:
    with LocalLlmServer(gguf) as running:
        yield running


@pytest.fixture(scope="module")
def llm(server: LocalLlmServer) -> OpenAiLlm:
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=60)
    return OpenAiLlm(client, server.model)


def test_chat_answers_with_text(llm: OpenAiLlm) -> None:
    reply = llm.chat([ChatMessage("user", "What is Python? Answer in one sentence.")], max_tokens=40)
    assert isinstance(reply, str)
    assert len(reply.split()) >= 3


def test_structured_output_validates_against_a_bounded_model(llm: OpenAiLlm) -> None:
    result = llm.structured(TRIAGE_PROMPT, Triage, max_tokens=60)
    assert isinstance(result, Triage)
    assert result.label in {"bug", "feature", "question"}
    assert 0 <= result.confidence <= 100
    assert len(result.summary) <= 60


def test_generation_reports_tokens(llm: OpenAiLlm) -> None:
    generation = llm.generate([ChatMessage("user", "Count from one to twenty in words.")], max_tokens=16)
    assert generation.completion_tokens == 16
    assert generation.prompt_tokens > 0
    assert generation.seconds > 0


def test_cloud_style_configuration_reaches_the_local_server(server: LocalLlmServer) -> None:
    """Cloud mode's wiring (base_url + API key from the secret store + model name), local target."""

    class Secrets:
        def get(self, name: str) -> str | None:
            return "sk-cloud-style" if name == "llm_api_key" else None

    settings = load_settings(mode="cloud", secrets_id="devrel/test", llm_base_url=server.base_url, llm_model="local")
    llm = build_llm(settings, Secrets())
    assert isinstance(llm, LLM)
    assert llm.client.api_key == "sk-cloud-style"
    assert str(llm.client.base_url).rstrip("/") == server.base_url
    assert llm.chat([ChatMessage("user", "Say hello to a new contributor.")], max_tokens=24)
    result = llm.structured(TRIAGE_PROMPT, Triage, max_tokens=60)
    assert isinstance(result, Triage)


def test_edge_factory_starts_and_stops_its_own_server(tmp_path: Path, gguf: Path) -> None:
    settings = load_settings(mode="edge", data_dir=tmp_path, llm_gguf_path=gguf)
    with ExitStack() as stack:
        llm = build_llm(settings, exit_stack=stack)
        base_url = str(llm.client.base_url)
        assert base_url.startswith("http://127.0.0.1:")
        assert llm.chat([ChatMessage("user", "Name one programming language.")], max_tokens=12)
    assert (tmp_path / "llm-server.log").exists()
    with pytest.raises(openai.APIConnectionError):
        openai.OpenAI(base_url=base_url, api_key="x", max_retries=0, timeout=2).models.list()


def test_server_exits_when_its_parent_dies(gguf: Path) -> None:
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "from pathlib import Path\n"
            "from devrel.models.local_server import LocalLlmServer\n"
            "server = LocalLlmServer(Path(sys.argv[1])).start()\n"
            "print(server._process.pid, flush=True)\n"
            "os._exit(0)  # no atexit, no stop(): as if the parent crashed\n",
            str(gguf),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    child = int(parent.stdout.strip())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    assert not _alive(child)


def test_a_corrupt_model_fails_fast_with_the_server_log(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + os.urandom(4096))
    started = time.monotonic()
    with pytest.raises(LocalServerError, match="exited"):
        LocalLlmServer(broken, startup_timeout=60).start()
    assert time.monotonic() - started < 30


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    return build_embedder(load_settings(mode="edge", data_dir=tmp_path_factory.mktemp("embed")))


def test_embeddings_rank_a_paraphrase_above_an_unrelated_sentence(embedder: Embedder) -> None:
    vectors = embedder.embed(
        [
            "How do I install the command line tool?",
            "What are the steps to set up the CLI?",
            "The bakery sells fresh bread every morning.",
        ]
    )
    assert vectors.shape == (3, embedder.dimension)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    paraphrase, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert paraphrase > unrelated + 0.2


def test_embeddings_do_not_depend_on_batch_company(embedder: Embedder) -> None:
    alone = embedder.embed(["retry a failed webhook delivery"])
    together = embedder.embed(["a much longer text " * 20, "retry a failed webhook delivery", "hi"])
    np.testing.assert_allclose(alone[0], together[1], atol=1e-5)
    assert embedder.embed([]).shape == (0, embedder.dimension)


def _alive(pid: int) -> bool:
    # A zombie (exited, not yet reaped by init) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False
