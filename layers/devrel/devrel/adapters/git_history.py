"""The history of a local clone, read with `git log --numstat` (no network, no library)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

from devrel.health.metrics import Commit
from devrel.ports import PortError

_MARK = "\x1ecommit\x1f"


class GitHistory:
    def __init__(self, checkout: Path) -> None:
        self._checkout = checkout

    def commits(self, since: float) -> Iterator[Commit]:
        """Commits (merges left out: their changes are counted in the commits they merge) since `since`."""
        command = ["git", "-C", str(self._checkout), "log", "--no-merges", f"--since=@{int(since)}", "--numstat",
                   f"--format={_MARK}%H\x1f%aN\x1f%at"]
        try:
            output = subprocess.run(command, capture_output=True, text=True, check=True, errors="replace").stdout
        except (OSError, subprocess.CalledProcessError) as error:
            raise PortError(f"git log in {self._checkout}: {getattr(error, 'stderr', '') or error}") from error
        for block in output.split(_MARK)[1:]:
            header, _, body = block.partition("\n")
            sha, author, at = header.split("\x1f")
            files: dict[str, int] = {}
            for line in body.splitlines():
                parts = line.split("\t")
                if len(parts) == 3:
                    added, deleted, path = parts
                    # Binary files show "-": count them as one changed line.
                    files[path] = (int(added) if added.isdigit() else 1) + (int(deleted) if deleted.isdigit() else 0)
            yield Commit(sha=sha, author=author, at=float(at), files=files)
