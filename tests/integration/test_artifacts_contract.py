"""Both Artifacts adapters under one contract: S3 over HTTP on moto's server, and folders on disk.
What triage loads (the trained model) must be the newest published copy, whole."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from devrel.adapters.artifacts_files import FolderArtifacts
from devrel.adapters.artifacts_s3 import S3Artifacts
from devrel.ports import Artifacts, PortError

Clock = list[float]


def model(folder: Path, version: str, extra: bool = False) -> Path:
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(f'{{"version": "{version}"}}')
    (folder / "sub" / "weights.bin").write_bytes(version.encode() * 100)
    if extra:
        (folder / "old-only.txt").write_text("stale")
    return folder


@pytest.fixture(params=["files", "s3"])
def make(request: pytest.FixtureRequest, tmp_path: Path, aws_session: boto3.session.Session,
         moto_server_url: str) -> Callable[[Clock], Artifacts]:
    if request.param == "files":
        return lambda clock: FolderArtifacts(tmp_path / "data")
    s3 = aws_session.client("s3", endpoint_url=moto_server_url)
    bucket = f"artifacts-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    counter = iter(range(1000))

    def build(clock: Clock) -> Artifacts:
        # Each call is a new "container": its own /tmp cache.
        return S3Artifacts(s3, bucket, tmp_path / f"cache{next(counter)}", check_seconds=60, clock=lambda: clock[0])

    return build


def test_nothing_published_is_none(make: Callable[[Clock], Artifacts]) -> None:
    assert make([0.0]).fetch("triage-model") is None


def test_the_newest_publication_replaces_the_whole_folder(make: Callable[[Clock], Artifacts], tmp_path: Path) -> None:
    clock = [0.0]
    publisher, reader = make(clock), make(clock)
    publisher.publish("triage-model", model(tmp_path / "v1", "1", extra=True))
    first = reader.fetch("triage-model")
    assert first is not None and '"1"' in (first / "model.json").read_text()
    assert (first / "sub" / "weights.bin").read_bytes() == b"1" * 100
    publisher.publish("triage-model", model(tmp_path / "v2", "2"))
    clock[0] += 61  # a warm reader checks again after its interval
    second = reader.fetch("triage-model")
    assert second is not None and '"2"' in (second / "model.json").read_text()
    assert not (second / "old-only.txt").exists()


def test_s3_failures_are_port_errors(tmp_path: Path, aws_session: boto3.session.Session, moto_server_url: str) -> None:
    s3: Any = aws_session.client("s3", endpoint_url=moto_server_url)
    with pytest.raises(PortError):
        S3Artifacts(s3, "no-such-bucket-here", tmp_path).fetch("triage-model")
