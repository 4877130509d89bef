"""A change between two revisions of a local clone as a review `ChangeSet`, read with git (no network,
no library): `devrel review` and the review evaluation.

Like a pull request: the diff is from the merge base to the head, the contributing guide and the
linter configuration come from the base (what the maintainers decided), the files at the head
are read, never run.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from devrel.adapters.repository_config import CONFIG_PATH, parse_config
from devrel.ports import PortError
from devrel.review.diff import parse_unified
from devrel.review.model import ChangeSet
from devrel.review.paths import is_dependency_manifest

CONTRIBUTING_PATHS = ("CONTRIBUTING.md", ".github/CONTRIBUTING.md", "docs/CONTRIBUTING.md", "CONTRIBUTING.rst",
                      "docs/contributing.rst", "CONTRIBUTING.txt", "CONTRIBUTING")
LINT_CONFIG_PATHS = ("pyproject.toml", "ruff.toml", ".ruff.toml")
# The maintainers' switches, the same file the GitHub host reads.
MAX_FILE_BYTES = 1_000_000
MAX_WHOLE_FILES = 200


def wants_whole_file(path: str) -> bool:
    """Files the checks read whole: Python sources (syntax tree, linter) and dependency manifests."""
    return path.endswith((".py", ".pyi")) or is_dependency_manifest(path)


# Who writes the evaluation's injected commits (never pushed anywhere).
_EVAL_IDENTITY = {"GIT_AUTHOR_NAME": "devrel eval", "GIT_AUTHOR_EMAIL": "eval@devrel.invalid",
                  "GIT_COMMITTER_NAME": "devrel eval", "GIT_COMMITTER_EMAIL": "eval@devrel.invalid",
                  "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z"}


class GitChanges:
    def __init__(self, checkout: Path) -> None:
        self._checkout = checkout
        # (base sha, history) -> the base's layout and size history: the evaluation reviews each base twice.
        self._base_facts: dict[tuple[str, int], tuple[list[str], list[tuple[int, int]]]] = {}

    @classmethod
    def borrowing(cls, source: Path, scratch: Path) -> GitChanges:
        """A scratch repository that reads every object of `source` and writes its own: the
        evaluation's commits go there, never into the clone it reads."""
        found = subprocess.run(["git", "-C", str(source), "rev-parse", "--path-format=absolute", "--git-common-dir"],
                               capture_output=True, text=True, check=False)
        if found.returncode != 0:
            raise PortError(f"{source} is not a git clone: {found.stderr.strip()[:200]}")
        objects = Path(found.stdout.strip()) / "objects"
        subprocess.run(["git", "init", "-q", "--bare", str(scratch)], check=True, capture_output=True)
        (scratch / "objects" / "info" / "alternates").write_text(f"{objects}\n", encoding="utf-8")
        return cls(scratch)

    def _git(self, *args: str) -> str:
        command = ["git", "-C", str(self._checkout), "-c", "core.quotepath=on", *args]
        try:
            return subprocess.run(command, capture_output=True, check=True, timeout=120).stdout.decode(
                "utf-8", errors="replace")
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            stderr = getattr(error, "stderr", b"") or b""
            raise PortError(f"git {args[0]} in {self._checkout}: {stderr.decode(errors='replace')[:300] or error}"
                            ) from error

    def resolve(self, ref: str) -> str:
        self._git("rev-parse", "--git-dir")  # not a clone: git's own message says so
        try:
            return self._git("rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}").strip()
        except PortError as error:
            raise PortError(f"{ref!r} is not a commit in {self._checkout}") from error

    def blobs(self, specs: list[str]) -> dict[str, str | None]:
        """`rev:path` -> text (None when missing, binary or too large), in one `git cat-file --batch`."""
        if not specs:
            return {}
        command = ["git", "-C", str(self._checkout), "cat-file", "--batch"]
        try:
            output = subprocess.run(command, input="".join(f"{spec}\n" for spec in specs).encode(),
                                    capture_output=True, check=True, timeout=120).stdout
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise PortError(f"git cat-file in {self._checkout}: {error}") from error
        found: dict[str, str | None] = {}
        position = 0
        for spec in specs:
            end = output.index(b"\n", position)
            header = output[position:end].split()
            position = end + 1
            if len(header) != 3 or header[1] != b"blob":
                found[spec] = None
                continue
            size = int(header[2])
            content = output[position:position + size]
            position += size + 1
            found[spec] = None if size > MAX_FILE_BYTES or b"\0" in content[:8000] else \
                content.decode("utf-8", errors="replace")
        return found

    def history(self, ref: str, count: int) -> list[tuple[str, str, list[tuple[str, int, int]]]]:
        """The last `count` commits with one parent reachable from `ref`: (sha, parent, [(path, added,
        deleted)]), newest first; binary files count no lines."""
        output = self._git("log", "--no-merges", "--no-renames", f"-n{count}", "--numstat", "--format=%x1e%H %P",
                           ref, "--")
        found: list[tuple[str, str, list[tuple[str, int, int]]]] = []
        for block in output.split("\x1e")[1:]:
            head, _, rest = block.partition("\n")
            shas = head.split()
            if len(shas) != 2:
                continue  # a root commit
            files = []
            for row in rest.splitlines():
                parts = row.split("\t")
                if len(parts) == 3:
                    added, deleted = (int(n) if n.isdigit() else 0 for n in parts[:2])
                    files.append((parts[2], added, deleted))
            found.append((shas[0], shas[1], files))
        return found

    def added_lines(self, base: str, head: str) -> dict[str, set[int]]:
        """Line numbers each file has that `base` did not, straight from `git diff -U0`."""
        diff = self._git("diff", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", "-M", "-U0",
                         base, head, "--")
        return {f.path: set(f.added) for f in parse_unified(diff)}

    def write_commit(self, parent: str, tree_of: str, files: dict[str, str | None], message: str) -> str:
        """A commit on `parent` whose tree is `tree_of`'s with `files` replaced (None: removed)."""
        with tempfile.TemporaryDirectory(prefix="devrel-index-") as scratch:
            env = {**os.environ, **_EVAL_IDENTITY, "GIT_INDEX_FILE": str(Path(scratch) / "index")}

            def run(*args: str, data: str | None = None) -> str:
                try:
                    return subprocess.run(["git", "-C", str(self._checkout), *args], input=data, env=env,
                                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()
                except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                    raise PortError(f"git {args[0]}: {getattr(error, 'stderr', '') or error}"[:300]) from error

            run("read-tree", tree_of)
            entries = []
            for path, text in files.items():
                # Mode 0 takes the path out of the index; --index-info needs no work tree (a bare scratch).
                blob = run("hash-object", "-w", "--stdin", data=text) if text is not None else "0" * 40
                entries.append(f"{'100644' if text is not None else '0'} {blob}\t{path}\n")
            run("update-index", "--index-info", data="".join(entries))
            tree = run("write-tree")
            return run("commit-tree", tree, "-p", parent, "-m", message)

    def review_config(self, rev: str) -> dict[str, Any]:
        """The `review:` section of `.github/devrel.yml` at `rev` ({} when there is none)."""
        text = self.blobs([f"{rev}:{CONFIG_PATH}"]).get(f"{rev}:{CONFIG_PATH}")
        section = parse_config(text, f"at {rev[:12]}").get("review")
        return dict(section) if isinstance(section, dict) else {}

    def size_history(self, ref: str, count: int = 200) -> list[tuple[int, int]]:
        """(changed lines, files) of the last `count` commits reachable from `ref`, merges left out."""
        output = self._git("log", "--no-merges", "--shortstat", f"-n{count}", "--format=%x1e", ref, "--")
        sizes: list[tuple[int, int]] = []
        for block in output.split("\x1e")[1:]:
            words = block.replace(",", "").split()
            numbers = {words[i + 1].rstrip("s()+-"): int(words[i]) for i in range(len(words) - 1)
                       if words[i].isdigit()}
            files = numbers.get("file", numbers.get("files", 0))
            lines = numbers.get("insertion", 0) + numbers.get("deletion", 0)
            if files:
                sizes.append((lines, files))
        return sizes

    def layout(self, rev: str) -> list[str]:
        """Top-level packages and modules at `rev`, at the root and under src/ (`pkg/`, `src/pkg/`, `tool.py`)."""
        found: list[str] = []
        for prefix in ("", "src/"):
            try:
                listing = self._git("ls-tree", f"{rev}:{prefix}" if prefix else rev)
            except PortError:
                continue  # no src/ folder
            for row in listing.splitlines():
                meta, _, name = row.partition("\t")
                kind = meta.split()[1] if len(meta.split()) > 1 else ""
                if kind == "tree" and not name.startswith("."):
                    found.append(f"{prefix}{name}/")
                elif kind == "blob" and name.endswith(".py"):
                    found.append(f"{prefix}{name}")
        return found

    def change_set(self, base: str, head: str, title: str | None = None, repository: str | None = None,
                   history: int = 200) -> ChangeSet:
        head_sha = self.resolve(head)
        base_sha = self.resolve(base)
        try:
            merge_base = self._git("merge-base", base_sha, head_sha).strip() or base_sha
        except PortError:
            merge_base = base_sha  # unrelated histories: compare the two trees as they are
        diff = self._git("diff", "--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/", "-M", "-U3",
                         merge_base, head_sha, "--")
        files = parse_unified(diff)
        log = self._git("log", "--reverse", "--format=%an%x1f%B%x00", f"{merge_base}..{head_sha}", "--")
        entries = [entry.strip("\n") for entry in log.split("\0") if entry.strip("\n")]
        commits = [entry.split("\x1f", 1)[1].strip() for entry in entries if "\x1f" in entry]
        author = entries[-1].split("\x1f", 1)[0] if entries else ""
        subject = (commits[0] if len(commits) == 1 else self._git("log", "-1", "--format=%s", head_sha)).split(
            "\n", 1)[0]
        wanted_new = [f.path for f in files if f.status != "deleted" and not f.binary and wants_whole_file(f.path)]
        wanted_old = [f.old_path or f.path for f in files
                      if f.status in ("modified", "renamed") and f.path.endswith(".py") and not f.binary]
        wanted_new, wanted_old = wanted_new[:MAX_WHOLE_FILES], wanted_old[:MAX_WHOLE_FILES]
        specs = [f"{head_sha}:{p}" for p in wanted_new] + [f"{merge_base}:{p}" for p in wanted_old] + \
            [f"{merge_base}:{p}" for p in (*CONTRIBUTING_PATHS, *LINT_CONFIG_PATHS)]
        blobs = self.blobs(specs)
        new_contents = {p: text for p in wanted_new if (text := blobs.get(f"{head_sha}:{p}")) is not None}
        old_contents = {p: text for p in wanted_old if (text := blobs.get(f"{merge_base}:{p}")) is not None}
        contributing = next(((p, text) for p in CONTRIBUTING_PATHS
                             if (text := blobs.get(f"{merge_base}:{p}")) is not None), None)
        lint_config = {p: text for p in LINT_CONFIG_PATHS if (text := blobs.get(f"{merge_base}:{p}")) is not None}
        facts = self._base_facts.get((merge_base, history))
        if facts is None:
            facts = self._base_facts[(merge_base, history)] = (
                self.layout(merge_base), self.size_history(merge_base, history) if history else [])
        return ChangeSet(
            repository=repository or PurePosixPath(self._checkout.resolve().as_posix()).name,
            files=files, title=title if title is not None else subject, author=author, head_sha=head_sha,
            base_sha=merge_base, commits=commits, new_contents=new_contents, old_contents=old_contents,
            contributing=contributing, lint_config=lint_config, layout=list(facts[0]), size_history=list(facts[1]),
        )
