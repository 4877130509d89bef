"""IssueTracker on GitHub's REST API (PyGithub), sharing the platform adapter's authentication."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

from devrel.adapters.outbound_github import GithubPlatform, call_github
from devrel.platforms.outbound import PlatformError
from devrel.ports import Secrets
from devrel.settings import Settings

CONFIG_PATH = ".github/devrel.yml"


class GithubIssueTracker:
    def __init__(self, platform: GithubPlatform, installation_id: int | None = None) -> None:
        self._platform = platform
        self._installation_id = installation_id

    def _issue(self, repository: str, number: int) -> Any:
        client = self._platform.client(repository, self._installation_id)
        return call_github(lambda: client.get_repo(repository, lazy=True).get_issue(number))

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


    def repository_config(self, repository: str) -> dict[str, Any]:
        """The repository's `.github/devrel.yml` (maintainers' policy), or {} when it has none."""
        client = self._platform.client(repository, self._installation_id)
        repo = client.get_repo(repository, lazy=True)
        try:
            content = call_github(lambda: repo.get_contents(CONFIG_PATH))
        except PlatformError as error:
            if error.status == 404:
                return {}
            raise
        if isinstance(content, list):
            return {}
        loaded = yaml.safe_load(content.decoded_content.decode("utf-8")) or {}
        triage = loaded.get("triage", loaded) if isinstance(loaded, dict) else {}
        return triage if isinstance(triage, dict) else {}


def build_issue_tracker(settings: Settings, secrets: Secrets) -> GithubIssueTracker | None:
    token = secrets.get("github_token")
    key = secrets.get("github_app_private_key")
    if not token and not (settings.github_app_id and key):
        return None
    return GithubIssueTracker(GithubPlatform(settings.github_api_url, token=token, app_id=settings.github_app_id,
                                             private_key=key))
