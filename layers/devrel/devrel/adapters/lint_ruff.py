"""The Linter port on ruff, run as a program over a scratch copy of the changed files.

The scratch folder holds the files at their repository paths and the repository's own ruff
configuration (pyproject.toml, ruff.toml, .ruff.toml from the base branch), so ruff applies the
project's rules, excludes and per-file ignores; without one, ruff's defaults (pyflakes and the
error-level pycodestyle rules) and nothing else. Ruff parses, never runs, the code it checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from devrel.ports import LintFinding, PortError


def find_ruff() -> str | None:
    """The ruff executable: the `ruff` package's own binary, else one on PATH (None: not installed)."""
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def _safe(path: str) -> PurePosixPath | None:
    """A repository path that stays inside the scratch folder."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        return None
    return relative


def _configures_ruff(path: str, text: str) -> bool:
    return PurePosixPath(path).name != "pyproject.toml" or "[tool.ruff" in text


class RuffLinter:
    name = "ruff"

    def __init__(self, executable: str, timeout: float = 60.0) -> None:
        self._executable = executable
        self._timeout = timeout

    def lint(self, files: dict[str, str], config: dict[str, str], layout: list[str] | None = None
             ) -> list[LintFinding]:
        configured = {path: text for path, text in config.items() if _configures_ruff(path, text)}
        with tempfile.TemporaryDirectory(prefix="devrel-ruff-") as scratch:
            root = Path(scratch)
            # Empty stand-ins of the repository's packages: import sorting tells first-party by them.
            for entry in layout or []:
                relative = _safe(entry.rstrip("/"))
                if relative is None:
                    continue
                if entry.endswith("/"):
                    (root / relative).mkdir(parents=True, exist_ok=True)
                elif not (root / relative).exists():
                    (root / relative).parent.mkdir(parents=True, exist_ok=True)
                    (root / relative).touch()
            for path, text in [*configured.items(), *files.items()]:
                relative = _safe(path)
                if relative is None:
                    continue
                target = root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            # --isolated without a configuration: no config above the scratch folder may leak in.
            command = [self._executable, "check", "--output-format", "json", "--exit-zero", "--no-cache",
                       "--no-fix", *([] if configured else ["--isolated"]), "."]
            try:
                done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=self._timeout,
                                      check=False)
            except (OSError, subprocess.TimeoutExpired) as error:
                raise PortError(f"ruff did not run: {error}") from error
            if done.returncode != 0:
                # A configuration ruff rejects (a newer ruff's option): the defaults still say something.
                if configured:
                    return self.lint(files, {}, layout)
                raise PortError(f"ruff exited with {done.returncode}: {done.stderr.strip()[:300]}")
            try:
                reported = json.loads(done.stdout or "[]")
            except json.JSONDecodeError as error:
                raise PortError(f"ruff printed no JSON: {error}") from error
            findings: list[LintFinding] = []
            for item in reported:
                filename = Path(str(item.get("filename") or ""))
                try:
                    path = filename.resolve().relative_to(root.resolve()).as_posix()
                except ValueError:
                    continue
                row = int((item.get("location") or {}).get("row") or 0)
                code = str(item.get("code") or "syntax-error")
                findings.append(LintFinding(path, row, code, str(item.get("message") or "").strip()))
            return findings
