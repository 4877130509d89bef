"""Artifacts in S3 (cloud): `<name>/<file>` objects, mirrored into a local cache folder under /tmp.

A warm function checks the newest copy at most every `check_seconds` and downloads only when the
published files changed (their ETags), so a new model from `devrel train --publish` reaches running
functions within minutes without a redeploy.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from devrel.ports import PortError

MANIFEST = ".manifest.json"


class S3Artifacts:
    def __init__(self, client: Any, bucket: str, cache: Path, check_seconds: float = 300,
                 clock: Any = time.monotonic) -> None:
        self._s3 = client
        self._bucket = bucket
        self._cache = cache
        self._check_seconds = check_seconds
        self._clock = clock
        self._checked: dict[str, float] = {}

    def _listing(self, name: str) -> dict[str, str]:
        """key -> ETag of every object under `name/`."""
        found: dict[str, str] = {}
        token: dict[str, str] = {}
        try:
            while True:
                page = self._s3.list_objects_v2(Bucket=self._bucket, Prefix=f"{name}/", **token)
                found.update({obj["Key"]: obj["ETag"] for obj in page.get("Contents") or []})
                if not page.get("IsTruncated"):
                    return found
                token = {"ContinuationToken": page["NextContinuationToken"]}
        except Exception as error:  # botocore's ClientError and connection errors alike
            raise PortError(f"s3://{self._bucket}/{name}/: {error}") from error

    def fetch(self, name: str) -> Path | None:
        folder = self._cache / name
        manifest = folder / MANIFEST
        now = self._clock()
        if manifest.is_file() and now - self._checked.get(name, float("-inf")) < self._check_seconds:
            return folder
        listing = self._listing(name)
        self._checked[name] = now
        if not listing:
            return None
        if manifest.is_file() and json.loads(manifest.read_text()) == listing:
            return folder
        staging = self._cache / f".{name}.download"
        shutil.rmtree(staging, ignore_errors=True)
        for key in listing:
            target = staging / key[len(name) + 1:]
            target.parent.mkdir(parents=True, exist_ok=True)
            self._s3.download_file(self._bucket, key, str(target))
        (staging / MANIFEST).write_text(json.dumps(listing))
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        return folder

    def publish(self, name: str, folder: Path) -> None:
        files = [path for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MANIFEST]
        uploaded = {f"{name}/{path.relative_to(folder).as_posix()}" for path in files}
        for path in files:
            self._s3.upload_file(str(path), self._bucket, f"{name}/{path.relative_to(folder).as_posix()}")
        for stale in set(self._listing(name)) - uploaded:
            self._s3.delete_object(Bucket=self._bucket, Key=stale)
