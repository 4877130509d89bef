"""Artifacts as folders under one local directory (edge mode: the data directory)."""

from __future__ import annotations

import shutil
from pathlib import Path


class FolderArtifacts:
    def __init__(self, root: Path) -> None:
        self._root = root

    def fetch(self, name: str) -> Path | None:
        folder = self._root / name
        return folder if folder.is_dir() else None

    def publish(self, name: str, folder: Path) -> None:
        target = self._root / name
        if folder.resolve() == target.resolve():
            return  # trained in place
        staging = self._root / f".{name}.publishing"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(folder, staging)
        # Swap whole folders so a reader never sees half a model.
        old = self._root / f".{name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
