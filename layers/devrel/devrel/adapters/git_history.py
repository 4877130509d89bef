"""The history of a local clone, read with git itself (no network, no library): commits with the
lines they changed for the health metrics, and the commits between two refs for release notes."""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from devrel.health.metrics import Commit
from devrel.ports import PortError
from devrel.release.changes import ReleaseError, ReleaseRange, SourceCommit

log = logging.getLogger(__name__)

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


# --- who recently changed some files ----------------------------------------------------------------

# GitHub's private commit e-mail: "12345+login@users.noreply.github.com" or "login@users.noreply.github.com".
_NOREPLY = re.compile(r"^(?:\d+\+)?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))@users\.noreply\.github\.com$", re.I)
# Paths named in an issue, at most: the log is one process whatever their number.
MAX_LOCAL_PATHS = 20
# Addresses without a no-reply login asked of GitHub per call, at most.
MAX_LOOKUPS_PER_CALL = 5


class GitPathAuthors:
    """Who recently changed some files, from a local clone's git log: one local process instead of one
    commits API call per path. Git knows e-mails, GitHub assigns logins: a GitHub no-reply address names
    its login; any other address is asked of `login_of_commit` once (one API call for one of its
    commits) and remembered for the life of the process. Without it such authors are left out."""

    def __init__(self, checkout: Path, login_of_commit: Callable[[str], str | None] | None = None) -> None:
        self._checkout = checkout
        self._login_of_commit = login_of_commit
        self._logins: dict[str, str | None] = {}
        self.lookups = 0

    def path_authors(self, repository: str, paths: list[str], since: float) -> dict[str, int]:
        if not paths:
            return {}
        # Paths come from an issue's text: literal pathspecs (no globs, no ":(magic)"), after "--".
        command = ["git", "--literal-pathspecs", "-C", str(self._checkout), "log", "--no-merges",
                   f"--since=@{int(since)}", "--format=%H%x1f%aE%x1f%aN", "--", *paths[:MAX_LOCAL_PATHS]]
        try:
            output = subprocess.run(command, capture_output=True, text=True, check=True, errors="replace").stdout
        except (OSError, subprocess.CalledProcessError) as error:
            raise PortError(f"git log in {self._checkout}: {getattr(error, 'stderr', '') or error}") from error
        by_email: dict[str, list[str]] = {}
        for line in output.splitlines():
            parts = line.split("\x1f")
            if len(parts) == 3 and not parts[2].endswith("[bot]"):
                by_email.setdefault(parts[1].lower(), []).append(parts[0])
        counts: dict[str, int] = {}
        asked = 0
        # The most active addresses first; at most a few new ones asked of GitHub per issue, so a
        # busy file never costs many more calls than the commits API would have.
        for email, shas in sorted(by_email.items(), key=lambda entry: -len(entry[1])):
            if email not in self._logins and not _NOREPLY.match(email):
                if asked >= MAX_LOOKUPS_PER_CALL:
                    continue
                asked += 1
            login = self._login(email, shas[0])
            if login and not login.endswith("[bot]"):
                counts[login] = counts.get(login, 0) + len(shas)
        return counts

    def _login(self, email: str, sha: str) -> str | None:
        if email in self._logins:
            return self._logins[email]
        found = _NOREPLY.match(email)
        login = found.group(1) if found else None
        if login is None and self._login_of_commit is not None:
            self.lookups += 1
            try:
                login = self._login_of_commit(sha)
            except Exception as error:  # not remembered: asked again next time
                log.warning("the GitHub login of commit %s is unknown: %s", sha, error)
                return None
        self._logins[email] = login
        return login


# --- release ranges ----------------------------------------------------------------------------------

_RECORD = "\x1erelease\x1f"
_END_OF_MESSAGE = "\x1d"
_GITHUB_REMOTE = re.compile(r"github\.com[:/]+([\w.-]+/[\w.-]+?)(?:\.git)?/?$")
_MERGE_PULL = re.compile(r"^Merge pull request #(\d+) from ")


class GitReleaseSource:
    """The commits between two refs of a local clone (`git log`, `git show`), for release notes."""

    def __init__(self, checkout: Path) -> None:
        self._checkout = checkout
        self._batch: subprocess.Popen[bytes] | None = None

    def _git(self, *args: str, check: bool = True) -> str:
        command = ["git", "-C", str(self._checkout), *args]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False, errors="replace")
        except OSError as error:
            raise PortError(f"git: {error}") from error
        if check and done.returncode != 0:
            raise PortError(f"git {args[0]}: {done.stderr.strip() or done.returncode}")
        return done.stdout if done.returncode == 0 else ""

    def repository(self) -> tuple[str, str]:
        """(OWNER/NAME, https://github.com/OWNER/NAME) when origin is on GitHub, else (folder name, "")."""
        remote = self._git("remote", "get-url", "origin", check=False).strip()
        found = _GITHUB_REMOTE.search(remote)
        if found:
            return found.group(1), f"https://github.com/{found.group(1)}"
        return self._checkout.resolve().name, ""

    def resolve(self, ref: str) -> str | None:
        """The commit a ref names, or None when it names none."""
        if ref.startswith("-"):
            return None  # never an option to git
        sha = self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
        return sha or None

    def latest_tag(self, before: str) -> str | None:
        """The nearest tag reachable from `before`'s parent (the previous release), None without tags."""
        tag = self._git("describe", "--tags", "--abbrev=0", f"{before}^", check=False).strip()
        return tag or None

    def has_tags(self) -> bool:
        return bool(self._git("tag", "--list", check=False).strip())

    def is_ancestor(self, older: str, newer: str) -> bool:
        command = ["git", "-C", str(self._checkout), "merge-base", "--is-ancestor", older, newer]
        return subprocess.run(command, capture_output=True, check=False).returncode == 0

    def commits_between(self, from_sha: str, to_sha: str) -> list[SourceCommit]:
        """Commits reachable from `to_sha` and not from `from_sha`, newest first, with the pull
        request a merge commit brought each one in with."""
        layout = f"--format={_RECORD}%H\x1f%P\x1f%aN\x1f%aE\x1f%at\x1f%B{_END_OF_MESSAGE}"
        output = self._git("log", "--name-only", layout, f"{from_sha}..{to_sha}")
        commits: list[SourceCommit] = []
        for block in output.split(_RECORD)[1:]:
            head, _, files = block.partition(_END_OF_MESSAGE)
            sha, parents, author, email, at, message = head.split("\x1f", 5)
            subject, _, body = message.strip().partition("\n")
            commits.append(SourceCommit(sha=sha, subject=subject.strip(), body=body.strip(), author=author,
                                        email=email, at=float(at or 0), parents=len(parents.split()),
                                        files=tuple(line for line in files.splitlines() if line.strip())))
        merged_by: dict[str, int] = {}
        for commit in commits:
            found = _MERGE_PULL.match(commit.subject)
            if found and commit.parents > 1:
                inside = self._git("rev-list", f"{commit.sha}^1..{commit.sha}^2", check=False).split()
                for sha in inside:
                    merged_by.setdefault(sha, int(found.group(1)))
        return [replace(c, pull=merged_by[c.sha]) if c.sha in merged_by and c.pull is None else c for c in commits]

    def authors_before(self, sha: str) -> frozenset[str]:
        """Names and e-mail addresses of everyone who authored a commit reachable from `sha`."""
        output = self._git("log", "--format=%aN%x1f%aE", sha, check=False)
        return frozenset(part for line in output.splitlines() for part in line.split("\x1f") if part)

    def changed_files(self, from_ref: str, to_ref: str) -> list[str]:
        return [line for line in self._git("diff", "--name-only", from_ref, to_ref).splitlines() if line]

    def _object(self, name: str) -> tuple[str, str, bytes] | None:
        """(sha, type, content) of `name` (`REF:PATH`, `SHA~1`) through one long-lived
        `git cat-file --batch`: the API comparison reads hundreds of files, a process apiece cost
        most of a release's drafting time."""
        if "\n" in name or name.startswith("-"):
            return None
        if self._batch is None or self._batch.poll() is not None:
            self._batch = subprocess.Popen(["git", "-C", str(self._checkout), "cat-file", "--batch"],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        batch = self._batch
        assert batch.stdin is not None and batch.stdout is not None
        try:
            batch.stdin.write(name.encode() + b"\n")
            batch.stdin.flush()
            header = batch.stdout.readline().decode("utf-8", "replace").split()
            if len(header) != 3 or not header[2].isdigit():
                return None  # "<name> missing" or "ambiguous"
            content = batch.stdout.read(int(header[2]) + 1)[:-1]  # the content, then a newline
        except OSError as error:
            self.close()
            raise PortError(f"git cat-file: {error}") from error
        return header[0], header[1], content

    def close(self) -> None:
        if self._batch is not None:
            if self._batch.stdin is not None:
                self._batch.stdin.close()
            self._batch.wait(timeout=5)
            self._batch = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown: nothing left to tell
            self.close()

    def file_at(self, ref: str, path: str) -> str | None:
        found = self._object(f"{ref}:{path}")
        return found[2].decode("utf-8", "replace") if found is not None and found[1] == "blob" else None

    def parent_of(self, sha: str) -> str | None:
        found = self._object(f"{sha}~1")
        return found[0] if found is not None and found[1] == "commit" else None

    def release_range(self, from_ref: str | None, to_ref: str) -> ReleaseRange:
        if not self._git("rev-parse", "--git-dir", check=False).strip():
            raise ReleaseError(f"{self._checkout} is not a git clone")
        to_sha = self.resolve(to_ref)
        if to_sha is None:
            raise ReleaseError(f"unknown ref {to_ref!r} in {self._checkout}")
        if from_ref is None:
            if not self.has_tags():
                raise ReleaseError(f"{self._checkout} has no tags: give --from (the previous release)")
            from_ref = self.latest_tag(to_ref)
            if from_ref is None:
                raise ReleaseError(f"no tag before {to_ref!r}: give --from (the previous release)")
        from_sha = self.resolve(from_ref)
        if from_sha is None:
            raise ReleaseError(f"unknown ref {from_ref!r} in {self._checkout}")
        if not self.is_ancestor(from_sha, to_sha):
            raise ReleaseError(f"{from_ref!r} is not an ancestor of {to_ref!r} (a force-pushed tag, or refs "
                               "of different branches?)")
        commits = self.commits_between(from_sha, to_sha)
        if not commits:
            raise ReleaseError(f"no commits between {from_ref!r} and {to_ref!r}")
        repository, web_url = self.repository()
        return ReleaseRange(repository=repository, from_ref=from_ref, to_ref=to_ref, commits=commits,
                            earlier_authors=self.authors_before(from_sha), web_url=web_url)
