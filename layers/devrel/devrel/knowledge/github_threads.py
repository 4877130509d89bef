"""Export a GitHub repository's issues and their comments as a thread file for ingestion.

Uses the REST API (`GET /repos/{repo}/issues`, then each issue's comments) and writes one JSON
object per line in the format devrel.knowledge.conversations reads. Replies by the project's own
people (owner, members, collaborators) are marked as answers, so their passages say so.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devrel.ports import PortError

_MAINTAINERS = {"OWNER", "MEMBER", "COLLABORATOR"}
_PAGE = 100


class GithubThreads:
    def __init__(
        self, api_url: str = "https://api.github.com", token: str | None = None, timeout: float = 30.0
    ) -> None:
        self._api = api_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    def _get(self, url: str) -> Any:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            raise PortError(f"GitHub API {url}: {exc}") from exc

    def issues(self, repo: str, limit: int, state: str = "closed") -> Iterator[dict[str, Any]]:
        """Up to `limit` issues (pull requests skipped), newest first, as thread objects."""
        count = 0
        page = 1
        while count < limit:
            query = urllib.parse.urlencode({"state": state, "per_page": _PAGE, "page": page})
            batch = self._get(f"{self._api}/repos/{repo}/issues?{query}")
            if not batch:
                return
            for issue in batch:
                if "pull_request" in issue:
                    continue
                yield self._thread(issue)
                count += 1
                if count >= limit:
                    return
            page += 1

    def _thread(self, issue: dict[str, Any]) -> dict[str, Any]:
        comments = self._get(f"{issue['comments_url']}?per_page={_PAGE}") if issue.get("comments") else []
        return {
            "kind": "issue",
            "number": issue["number"],
            "title": issue.get("title", ""),
            "url": issue.get("html_url", ""),
            "body": issue.get("body") or "",
            "comments": [
                {
                    "author": (c.get("user") or {}).get("login", ""),
                    "body": c.get("body") or "",
                    "url": c.get("html_url", ""),
                    "answer": c.get("author_association") in _MAINTAINERS,
                }
                for c in comments
            ],
        }


def export_issues(client: GithubThreads, repo: str, limit: int, path: Path) -> int:
    """Write the threads file; returns how many issues it holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for thread in client.issues(repo, limit):
            out.write(json.dumps(thread, ensure_ascii=False) + "\n")
            count += 1
    return count
