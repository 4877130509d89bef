"""Build the LLM and Embedder adapters from settings (the runtime wiring calls these once).

Cloud, or any run with `llm_base_url`: the OpenAI SDK against that endpoint. Edge without one: a
local llama.cpp server on a catalogued or user-supplied GGUF, and the ONNX sentence model.
"""

from __future__ import annotations

from contextlib import ExitStack

import openai

from devrel.models.catalog import ModelNotAvailable, resolve_gguf
from devrel.models.local_server import LocalLlmServer
from devrel.models.onnx_embedder import MINILM_NAME, OnnxEmbedder
from devrel.models.openai_embedder import KNOWN_DIMENSIONS, OpenAiEmbedder
from devrel.models.openai_llm import OpenAiLlm
from devrel.ports import Embedder, Secrets
from devrel.settings import Settings

# The name a local server answers to; its clients need some API key, never checked.
LOCAL_MODEL_NAME = "local"
LOCAL_API_KEY = "local"


def build_llm(
    settings: Settings, secrets: Secrets | None = None, exit_stack: ExitStack | None = None
) -> OpenAiLlm:
    """The LLM for these settings. A local server started here stops with `exit_stack` (or at exit)."""
    if settings.llm_base_url or settings.mode == "cloud":
        model = settings.llm_model or (LOCAL_MODEL_NAME if settings.mode == "edge" else None)
        if model is None:
            raise ModelNotAvailable("cloud mode needs DEVREL_LLM_MODEL (the provider's model name)")
        client = _client(settings, settings.llm_base_url, secrets)
        return OpenAiLlm(client, model, settings.llm_structured_mode, attempts=settings.llm_attempts)
    server = start_local_server(settings)
    if exit_stack is not None:
        exit_stack.callback(server.stop)
    client = openai.OpenAI(
        base_url=server.base_url, api_key=LOCAL_API_KEY, timeout=settings.llm_timeout_seconds, max_retries=0
    )
    return OpenAiLlm(client, server.model, settings.llm_structured_mode, attempts=settings.llm_attempts)


def start_local_server(settings: Settings) -> LocalLlmServer:
    """Resolve the GGUF (assembling split packages into the data dir once) and serve it."""
    gguf = resolve_gguf(settings.llm_gguf_path, settings.llm_model, settings.data_dir / "models")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server = LocalLlmServer(
        gguf.path,
        threads=settings.llm_threads,
        context_size=settings.llm_context_size,
        model=LOCAL_MODEL_NAME,
        log_path=settings.data_dir / "llm-server.log",
    )
    return server.start()


def build_embedder(settings: Settings, secrets: Secrets | None = None) -> Embedder:
    if settings.mode == "cloud" or settings.embed_base_url:
        return _remote_embedder(settings, secrets)
    if settings.embed_model not in (None, MINILM_NAME):
        raise ModelNotAvailable(
            f"unknown local embedding model {settings.embed_model!r}; use {MINILM_NAME!r}"
        )
    return OnnxEmbedder.from_packages(threads=settings.embed_threads, batch_size=settings.embed_batch_size)


def _remote_embedder(settings: Settings, secrets: Secrets | None) -> OpenAiEmbedder:
    model = settings.embed_model
    if not model:
        raise ModelNotAvailable("a remote embeddings endpoint needs DEVREL_EMBED_MODEL")
    native = KNOWN_DIMENSIONS.get(model)
    dimension = settings.embed_dimension or native
    if dimension is None:
        raise ModelNotAvailable(f"set DEVREL_EMBED_DIMENSION: the vector length of {model!r} is not known")
    client = _client(settings, settings.embed_base_url or settings.llm_base_url, secrets)
    return OpenAiEmbedder(
        client,
        model,
        dimension,
        batch_size=settings.embed_batch_size,
        shorten=native is not None and dimension != native,
        attempts=settings.llm_attempts,
    )


def _client(settings: Settings, base_url: str | None, secrets: Secrets | None) -> openai.OpenAI:
    api_key = secrets.get("llm_api_key") if secrets is not None else settings.local_secret("llm_api_key")
    # Our own retry policy (devrel.models.retry) replaces the SDK's, so attempts are counted once.
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key or LOCAL_API_KEY,
        timeout=settings.llm_timeout_seconds,
        max_retries=0,
    )
