"""The cloud rehearsal's world (tests/support/cloud_world.py), built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.cloud_world import Cloud, cloud_world


@pytest.fixture(scope="session")
def cloud(sam_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    with cloud_world(sam_build, tmp_path_factory.mktemp("cloud")) as world:
        yield world
