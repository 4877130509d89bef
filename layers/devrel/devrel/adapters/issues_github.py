"""IssueTracker on GitHub's REST API (PyGithub), sharing the platform adapter's client and authentication."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from devrel.adapters.outbound_github import GithubPlatform, call_github
from devrel.adapters.repository_config import CONFIG_PATH, parse_config
from devrel.platforms.outbound import PlatformError
from devrel.ports import OpenItem, TimelineEntry
from devrel.usecases.codeowners import CODEOWNERS_PATHS, MAX_CODEOWNERS_CHARS


def _at(moment: datetime | None) -> float:
    return moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() if moment else 0.0


def _parse(value: Any) -> float:
    """GitHub's ISO timestamps (`2024-05-01T10:00:00Z`) as epoch seconds."""
    if not value:
        return 0.0
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


# Who changed the paths an issue mentions: a few paths, the newest commits of each.
MAX_HISTORY_PATHS = 5
MAX_COMMITS_PER_PATH = 100

# Cached repository files at most (repositories x paths); the oldest are forgotten first.
MAX_CACHED_FILES = 4096


@dataclass(frozen=True)
class _CachedFile:
    fetched_at: float
    content: Any  # PyGithub's ContentFile (it keeps the ETag), or None: the file does not exist


class GithubIssueTracker:
    def __init__(self, platform: GithubPlatform, installation_id: int | None = None, cache_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._platform = platform
        self._installation_id = installation_id
        # Every new issue reads the repository's config and CODEOWNERS (up to four requests): reuse
        # them for `cache_seconds`, then revalidate with the ETag.
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._files: dict[tuple[str, str], _CachedFile] = {}
        self._files_lock = threading.Lock()

    def _issue(self, repository: str, number: int) -> Any:
        return call_github(lambda: self._repo(repository).get_issue(number))

    def comment(self, repository: str, number: int, body: str) -> str:
        issue = self._issue(repository, number)
        return str(call_github(lambda: issue.create_comment(body)).id)

    def add_labels(self, repository: str, number: int, labels: list[str]) -> None:
        issue = self._issue(repository, number)
        call_github(lambda: issue.add_to_labels(*labels))

    def comments_since(self, repository: str, number: int, since: float) -> list[dict[str, Any]]:
        issue = self._issue(repository, number)
        moment = datetime.fromtimestamp(since, UTC)
        comments = call_github(lambda: list(issue.get_comments(since=moment)))
        return [
            {"author": c.user.login if c.user else "", "body": c.body or "",
             "created_at": c.created_at.timestamp() if c.created_at else 0.0}
            for c in comments
            # GitHub's timestamps have whole seconds: compare at that resolution.
            if c.created_at is None or c.created_at.timestamp() >= int(since)
        ]


    def reactions(self, repository: str, number: int, comment_id: str) -> list[str]:
        issue = self._issue(repository, number)
        issue_comment = call_github(lambda: issue.get_comment(int(comment_id)))
        return [reaction.content for reaction in call_github(lambda: list(issue_comment.get_reactions()))]

    def issue_reactions(self, repository: str, number: int) -> int:
        # The count comes with the issue itself: one GET, no listing of the reactions.
        issue = self._issue(repository, number)
        return int((issue.reactions or {}).get("total_count") or 0)

    def close(self, repository: str, number: int, reason: str) -> None:
        issue = self._issue(repository, number)
        call_github(lambda: issue.edit(state="closed", state_reason=reason))

    def open_items(self, repository: str) -> list[OpenItem]:
        # One paginated listing (100 a page) covers issues and pull requests alike.
        repo = self._repo(repository)
        issues = call_github(lambda: list(repo.get_issues(state="open", sort="updated", direction="asc")))
        return [OpenItem(
            number=issue.number,
            is_pull_request=issue.pull_request is not None,
            author=issue.user.login if issue.user else "",
            labels=tuple(label.name for label in issue.labels),
            assignees=tuple(user.login for user in issue.assignees),
            milestone=issue.milestone.title if issue.milestone else None,
            reactions=int((issue.reactions or {}).get("total_count") or 0),
            updated_at=_at(issue.updated_at),
            html_url=issue.html_url,
        ) for issue in issues]

    def labelled_issues(self, repository: str, label: str, limit: int = 30) -> list[OpenItem]:
        repo = self._repo(repository)
        # One page: the newest few are all a welcome shows.
        listed = call_github(lambda: repo.get_issues(state="open", labels=[label], sort="created",
                                                    direction="desc").get_page(0))
        return [OpenItem(number=issue.number, is_pull_request=False, author=issue.user.login if issue.user else "",
                         labels=tuple(item.name for item in issue.labels), html_url=issue.html_url,
                         title=issue.title or "", body=(issue.body or "")[:2000])
                # A pull request's page is /pull/N: read from the listing, where `pull_request` would cost a
                # request per issue (PyGithub completes an absent attribute).
                for issue in listed if "/pull/" not in (issue.html_url or "")][:limit]

    def timeline(self, repository: str, number: int) -> list[TimelineEntry]:
        issue = self._issue(repository, number)
        entries = []
        for event in call_github(lambda: list(issue.get_timeline())):
            raw = event.raw_data
            kind = str(raw.get("event") or "")
            actor = (raw.get("actor") or raw.get("user") or {}).get("login") or ""
            if kind == "commented":
                entries.append(TimelineEntry("comment", actor, _parse(raw.get("created_at")),
                                             association=raw.get("author_association")))
            elif kind in ("labeled", "unlabeled"):
                entries.append(TimelineEntry(kind, actor, _parse(raw.get("created_at")),
                                             label=(raw.get("label") or {}).get("name")))
            elif kind == "cross-referenced":
                source = (raw.get("source") or {}).get("issue") or {}
                linked = bool(source.get("pull_request")) and source.get("state") == "open"
                entries.append(TimelineEntry(kind, actor, _parse(raw.get("created_at")), open_pull_request=linked))
            elif kind:
                entries.append(TimelineEntry(kind, actor, _parse(raw.get("created_at"))))
        return sorted(entries, key=lambda entry: entry.at)

    def remove_label(self, repository: str, number: int, label: str) -> None:
        issue = self._issue(repository, number)
        try:
            call_github(lambda: issue.remove_from_labels(label))
        except PlatformError as error:
            if error.status != 404:  # already gone: nothing to do
                raise

    def reopen(self, repository: str, number: int) -> None:
        issue = self._issue(repository, number)
        call_github(lambda: issue.edit(state="open"))

    def path_authors(self, repository: str, paths: list[str], since: float) -> dict[str, int]:
        repo = self._repo(repository)
        moment = datetime.fromtimestamp(since, UTC)
        counts: dict[str, int] = {}
        for path in paths[:MAX_HISTORY_PATHS]:
            try:
                commits = call_github(lambda path=path: list(islice(repo.get_commits(path=path, since=moment),
                                                                     MAX_COMMITS_PER_PATH)))
            except PlatformError as error:
                if error.status in (404, 409):  # no such path or an empty repository: no history
                    continue
                raise
            for commit in commits:
                author = commit.author  # the GitHub account of the commit's author, None without one
                login = author.login if author is not None else ""
                if login and not login.endswith("[bot]"):
                    counts[login] = counts.get(login, 0) + 1
        return counts

    def commit_login(self, repository: str, sha: str) -> str | None:
        """The GitHub account of a commit's author (None without one): what a local clone cannot tell."""
        repo = self._repo(repository)
        author = call_github(lambda: repo.get_commit(sha).author)
        return str(author.login) if author is not None else None

    def can_be_assigned(self, repository: str, login: str) -> bool:
        repo = self._repo(repository)
        return bool(call_github(lambda: repo.has_in_assignees(login)))

    def assign(self, repository: str, number: int, logins: list[str]) -> None:
        issue = self._issue(repository, number)
        call_github(lambda: issue.add_to_assignees(*logins))

    def _repo(self, repository: str) -> Any:
        return self._platform.client(repository, self._installation_id).get_repo(repository, lazy=True)

    def _file(self, repository: str, path: str) -> str | None:
        key = (repository, path)
        with self._files_lock:
            cached = self._files.get(key)
        now = self._clock()
        if cached is not None and now - cached.fetched_at < self._cache_seconds:
            content = cached.content
        elif cached is not None and cached.content is not None:
            content = self._revalidate(cached.content)
        else:
            content = self._fetch(repository, path)
        with self._files_lock:
            self._files.pop(key, None)
            self._files[key] = _CachedFile(now, content)
            while len(self._files) > MAX_CACHED_FILES:
                del self._files[next(iter(self._files))]
        return None if content is None else content.decoded_content.decode("utf-8")

    def _fetch(self, repository: str, path: str) -> Any:
        repo = self._repo(repository)
        try:
            content = call_github(lambda: repo.get_contents(path))
        except PlatformError as error:
            if error.status == 404:
                return None
            raise
        return None if isinstance(content, list) else content

    def _revalidate(self, content: Any) -> Any:
        """A conditional request with the file's ETag: a 304 (unchanged) costs no rate limit."""
        try:
            call_github(lambda: content.update())
        except PlatformError as error:
            if error.status == 404:  # deleted since
                return None
            raise
        return content

    def repository_config(self, repository: str) -> dict[str, Any]:
        """The repository's `.github/devrel.yml` (maintainers' policy: its `triage` section, with the `stale`
        and `release` sections under their names) plus its CODEOWNERS, or {}."""
        loaded = parse_config(self._file(repository, CONFIG_PATH), f"of {repository}")
        triage = loaded.get("triage", loaded)
        config = dict(triage) if isinstance(triage, dict) else {}
        # The stale sweep's, the release's and onboarding's sections (triage ignores them).
        for section in ("stale", "release", "onboarding"):
            if isinstance(loaded.get(section), dict):
                config[section] = loaded[section]
        for path in CODEOWNERS_PATHS:
            owners = self._file(repository, path)
            if owners is not None:
                config["codeowners"] = owners[:MAX_CODEOWNERS_CHARS]
                break
        return config
