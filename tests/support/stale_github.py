"""A stand-in of GitHub's REST API for the stale sweep: `issues` open issues (100 a page, linked
pages), issue 1 waiting on its author for 40 days, the rest active yesterday; the repository's
`.github/devrel.yml` when given one."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

DAY = 86400


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GithubStandIn:
    def __init__(self, issues: int, now: float, repository: str = "o/r", config: str | None = None,
                 url: str | None = None) -> None:
        """`url`: the API root as clients reach it (default: the address the request came to)."""
        self.now = now
        self.repository = repository
        self.config = config
        self.url = url
        self.calls: list[tuple[str, str]] = []
        self.comments: list[tuple[int, str]] = []
        self.labels: list[tuple[int, list[str]]] = []
        # Issue 1 waits on its author for 40 days; the others were active yesterday.
        self.issues = [{
            "number": n, "title": f"Issue {n}", "state": "open", "user": {"login": "alice", "id": 1},
            "labels": [{"name": "needs-info"}] if n == 1 else [], "assignees": [], "milestone": None,
            "comments": 1, "reactions": {"total_count": 0}, "pull_request": None,
            "created_at": iso(now - 50 * DAY), "updated_at": iso(now - (40 if n == 1 else 1) * DAY),
            "html_url": f"https://github.com/{repository}/issues/{n}",
        } for n in range(1, issues + 1)]

    def answer(self, got: Any) -> tuple[int, Any, dict[str, str]]:
        self.calls.append((got.method, got.path))
        base = self.url or f"http://{got.headers['host']}"
        repo = f"/repos/{self.repository}"
        if got.path == f"{repo}/contents/.github/devrel.yml" and self.config is not None:
            content = base64.b64encode(self.config.encode()).decode()
            return 200, {"type": "file", "encoding": "base64", "content": content, "name": "devrel.yml",
                         "path": ".github/devrel.yml", "sha": "0" * 40, "size": len(self.config)}, {}
        if got.path == f"{repo}/contents/.github/devrel.yml" or got.path.endswith("CODEOWNERS"):
            return 404, {"message": "Not Found"}, {}
        if got.path == f"{repo}/issues" and got.method == "GET":
            page = int((parse_qs(got.query) if isinstance(got.query, str) else got.query).get("page", ["1"])[-1])
            chunk = self.issues[(page - 1) * 100:page * 100]
            headers = {"link": f'<{base}{repo}/issues?state=open&page={page + 1}>; rel="next"'} \
                if page * 100 < len(self.issues) else {}
            return 200, [{**i, "url": f"{base}{repo}/issues/{i['number']}"} for i in chunk], headers
        if got.path.startswith(f"{repo}/issues/") and got.path.endswith("/timeline"):
            return 200, [{"event": "commented", "actor": {"login": "alice"}, "user": {"login": "alice"},
                          "created_at": iso(self.now - 41 * DAY), "author_association": "NONE"},
                         {"event": "commented", "actor": {"login": "maint"}, "user": {"login": "maint"},
                          "created_at": iso(self.now - 40 * DAY), "author_association": "MEMBER"}], {}
        number = int(got.path.split("/")[5]) if got.path.count("/") >= 5 else 0
        if got.path.endswith("/comments") and got.method == "POST":
            self.comments.append((number, json.loads(got.body)["body"]))
            return 201, {"id": 99, "body": json.loads(got.body)["body"]}, {}
        if got.path.endswith("/labels") and got.method == "POST":
            added = json.loads(got.body)
            self.labels.append((number, added.get("labels", added) if isinstance(added, dict) else added))
            return 200, [], {}
        if got.method == "GET" and got.path.startswith(f"{repo}/issues/"):
            issue = next(i for i in self.issues if i["number"] == number)
            return 200, {**issue, "url": f"{base}{repo}/issues/{number}"}, {}
        return 404, {"message": f"no {got.method} {got.path}"}, {}
