"""PullRequestHost on GitHub's REST API (PyGithub), sharing the platform adapter's client.

A pull request is read from the base repository only, fork or not: the diff (`pulls/N/files`), the
commits, whole files at the head and base commits (a fork's commits are reachable there), and the
maintainers' files (`.github/devrel.yml`, the contributing guide, ruff's configuration) from the
base. Nothing of the pull request is checked out or run.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from devrel.adapters.git_changes import CONTRIBUTING_PATHS, LINT_CONFIG_PATHS, MAX_FILE_BYTES, wants_whole_file
from devrel.adapters.outbound_github import GithubPlatform, call_github
from devrel.adapters.repository_config import CONFIG_PATH, parse_config
from devrel.platforms.outbound import PlatformError
from devrel.review.diff import FileStatus, file_diff
from devrel.review.model import ChangeSet

# GitHub's file statuses -> the diff's.
STATUSES: dict[str, FileStatus] = {"added": "added", "removed": "deleted", "modified": "modified",
                                   "renamed": "renamed", "copied": "copied", "changed": "modified",
                                   "unchanged": "modified"}
# Review events the assistant may send: never "APPROVE".
ALLOWED_EVENTS = frozenset({"COMMENT", "REQUEST_CHANGES"})
MAX_WHOLE_FILES = 60
MAX_COMMITS = 250


class GithubReviewHost:
    def __init__(self, platform: GithubPlatform, installation_id: int | None = None) -> None:
        self._platform = platform
        self._installation_id = installation_id

    def _repo(self, repository: str) -> Any:
        return self._platform.client(repository, self._installation_id).get_repo(repository, lazy=True)

    def _content(self, repo: Any, path: str, ref: str | None = None) -> Any:
        """The ContentFile at `path` (None when missing, a folder, or too large for the contents API)."""
        try:
            found = call_github(lambda: repo.get_contents(path, ref=ref) if ref else repo.get_contents(path))
        except PlatformError as error:
            if error.status == 404:
                return None
            raise
        if isinstance(found, list) or found.size > MAX_FILE_BYTES or found.encoding != "base64":
            return None
        return found

    def _text(self, repo: Any, path: str, ref: str | None = None) -> str | None:
        found = self._content(repo, path, ref)
        if found is None:
            return None
        raw = found.decoded_content
        return None if b"\0" in raw[:8000] else raw.decode("utf-8", errors="replace")

    def review_config(self, repository: str) -> dict[str, Any]:
        text = self._text(self._repo(repository), CONFIG_PATH)
        review = parse_config(text, f"of {repository}").get("review")
        return dict(review) if isinstance(review, dict) else {}

    def _layout(self, repo: Any, ref: str) -> list[str]:
        found: list[str] = []
        for prefix in ("", "src"):
            try:
                listing = call_github(lambda prefix=prefix: repo.get_contents(prefix, ref=ref))
            except PlatformError as error:
                if error.status == 404:
                    continue
                raise
            for entry in listing if isinstance(listing, list) else []:
                if entry.type == "dir" and not entry.name.startswith("."):
                    found.append(f"{entry.path}/")
                elif entry.type == "file" and entry.name.endswith(".py"):
                    found.append(entry.path)
        return found

    def change_set(self, repository: str, number: int, max_files: int) -> ChangeSet:
        repo = self._repo(repository)
        pull = call_github(lambda: repo.get_pull(number))
        head_sha, base_sha = pull.head.sha, pull.base.sha
        head_repo = pull.head.repo.full_name if pull.head.repo is not None else ""
        listed = call_github(lambda: list(islice(pull.get_files(), max_files)))
        files = [file_diff(f.filename, STATUSES.get(f.status, "modified"), f.patch,
                           old_path=f.previous_filename if f.status in ("renamed", "copied") else None,
                           additions=f.additions, deletions=f.deletions,
                           # GitHub sends no patch for a binary file, and counts no lines in it.
                           binary=f.patch is None and not f.changes)
                 for f in listed]
        notes = []
        if pull.changed_files and pull.changed_files > len(files):
            notes.append(f"GitHub listed {len(files):,} of the {pull.changed_files:,} changed files: the rest were "
                         "not reviewed.")
        commits = [c.commit.message or "" for c in call_github(lambda: list(islice(pull.get_commits(), MAX_COMMITS)))]
        wanted_new = [f.path for f in files if f.status != "deleted" and not f.binary and f.added
                      and wants_whole_file(f.path)][:MAX_WHOLE_FILES]
        wanted_old = [f.old_path or f.path for f in files if f.status in ("modified", "renamed") and f.added
                      and f.path.endswith(".py") and not f.binary][:MAX_WHOLE_FILES]
        new_contents = {p: text for p in wanted_new if (text := self._text(repo, p, head_sha)) is not None}
        old_contents = {p: text for p in wanted_old if (text := self._text(repo, p, base_sha)) is not None}
        contributing, contributing_url = None, None
        for path in CONTRIBUTING_PATHS[:4]:
            found = self._content(repo, path, base_sha)
            if found is not None:
                contributing = (path, found.decoded_content.decode("utf-8", errors="replace"))
                contributing_url = f"https://github.com/{repository}/blob/{pull.base.ref}/{path}"
                break
        python = any(f.path.endswith(".py") and f.added for f in files)
        lint_config = {p: text for p in LINT_CONFIG_PATHS
                       if python and (text := self._text(repo, p, base_sha)) is not None}
        return ChangeSet(
            repository=repository, number=number, files=files, title=pull.title or "", body=pull.body or "",
            author=pull.user.login if pull.user else "", head_sha=head_sha, base_sha=base_sha,
            draft=bool(pull.draft), fork=head_repo.lower() != repository.lower(), commits=commits,
            new_contents=new_contents, old_contents=old_contents, contributing=contributing,
            lint_config=lint_config, layout=self._layout(repo, base_sha) if python else [],
            contributing_url=contributing_url, notes=notes,
        )

    def post_review(self, repository: str, number: int, commit: str, body: str, comments: list[dict[str, Any]],
                    event: str) -> str:
        if event not in ALLOWED_EVENTS:
            raise ValueError(f"review event {event!r} is not one the assistant sends")
        repo = self._repo(repository)
        pull = call_github(lambda: repo.get_pull(number))
        pinned = call_github(lambda: repo.get_commit(commit))
        inline = [{"path": c["path"], "line": int(c["line"]), "side": "RIGHT", "body": c["body"]} for c in comments]
        review = call_github(lambda: pull.create_review(commit=pinned, body=body, event=event, comments=inline))
        return str(review.id)

    def upsert_comment(self, repository: str, number: int, comment_id: str | None, body: str) -> str:
        issue = self._repo(repository).get_issue(number)
        if comment_id:
            try:
                existing = call_github(lambda: issue.get_comment(int(comment_id)))
                call_github(lambda: existing.edit(body))
                return str(comment_id)
            except PlatformError as error:
                if error.status != 404:
                    raise
                # Deleted by someone: a new one takes its place.
        return str(call_github(lambda: issue.create_comment(body)).id)
