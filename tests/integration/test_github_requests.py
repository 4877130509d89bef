"""How many requests, and how much waiting, GitHub costs per issue: PyGithub over real HTTP against a
stand-in of the REST API that serves files with ETags and answers conditional requests with 304."""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import github.Requester
import pytest

from devrel.adapters.issues_github import GithubIssueTracker
from devrel.adapters.outbound_github import GithubPlatform
from support.stand_in import Received

REPO = "acme/widget"


@dataclass
class ContentsApi:
    files: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, If-None-Match)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def answer(self, received: Received) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.seen.append((received.method, received.path, received.headers.get("if-none-match")))
        prefix = f"/repos/{REPO}/contents/"
        if received.path.startswith(prefix):
            path = received.path[len(prefix):]
            if path not in self.files:
                return 404, {"message": "Not Found"}, {}
            text = self.files[path]
            etag = '"' + hashlib.sha1(text.encode()).hexdigest() + '"'
            if received.headers.get("if-none-match") == etag:
                return 304, b"", {"etag": etag}
            content = base64.b64encode(text.encode()).decode()
            return 200, {"type": "file", "encoding": "base64", "content": content, "name": path.rsplit("/")[-1],
                         "path": path, "sha": etag.strip('"'), "size": len(text),
                         "url": f"{self.base}{prefix}{path}"}, {"etag": etag}
        if received.method == "POST":
            return 201, {"id": len(self.seen), "body": "ok"}, {}
        return 200, {"number": 1, "title": "t", "state": "open", "url": f"{self.base}/repos/{REPO}/issues/1"}, {}

    def contents_requests(self) -> list[tuple[str, str, str | None]]:
        return [seen for seen in self.seen if "/contents/" in seen[1]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def api(stand_in_server: Any) -> ContentsApi:
    contents = ContentsApi(files={".github/devrel.yml": "triage:\n  dry_run: true\n", "CODEOWNERS": "* @alice\n"})
    contents.base = stand_in_server(contents.answer)
    return contents


def test_repository_files_are_fetched_once_then_revalidated(api: ContentsApi) -> None:
    clock = Clock()
    tracker = GithubIssueTracker(GithubPlatform(api.base, token="t"), cache_seconds=300, clock=clock)
    for _ in range(10):
        config = tracker.repository_config(REPO)
        assert config["dry_run"] is True and config["codeowners"] == "* @alice\n"
    # devrel.yml, .github/CODEOWNERS (404), CODEOWNERS: once for ten issues (it was 30 requests).
    assert [path.rsplit("/contents/")[1] for _, path, _ in api.contents_requests()] == [
        ".github/devrel.yml", ".github/CODEOWNERS", "CODEOWNERS"]

    clock.now += 301
    api.seen.clear()
    tracker.repository_config(REPO)
    revalidated = {path.rsplit("/contents/")[1]: etag for _, path, etag in api.contents_requests()}
    # Files that exist are asked for with their ETag (a 304 costs no rate limit); a missing one again.
    assert revalidated[".github/devrel.yml"] and revalidated["CODEOWNERS"]
    assert revalidated[".github/CODEOWNERS"] is None

    api.files[".github/devrel.yml"] = "triage:\n  dry_run: false\n"
    clock.now += 301
    assert tracker.repository_config(REPO)["dry_run"] is False


def test_reads_are_not_spaced_out_and_writes_are(api: ContentsApi, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    # PyGithub's throttle sleeps through its module's `time`: record instead of waiting.
    monkeypatch.setattr(github.Requester, "time", SimpleNamespace(sleep=sleeps.append))
    tracker = GithubIssueTracker(GithubPlatform(api.base, token="t"))
    for _ in range(5):
        tracker.repository_config(REPO)
    assert sum(sleeps) == 0, f"reads waited {sum(sleeps):.2f} s"
    tracker.comment(REPO, 1, "one")
    tracker.comment(REPO, 1, "two")
    assert sum(sleeps) > 0.5  # GitHub asks for about a second between content-creating requests
