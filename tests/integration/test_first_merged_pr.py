"""Congratulations on a first merged pull request, on both Stores (SQLite, DynamoDB on moto's server): signed
`pull_request.closed` deliveries through the GitHub webhook handler, the queue and the worker, the comment
through the real GitHub adapter (PyGithub) to a local HTTP stand-in of GitHub's API."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devrel.handlers.github_webhook import handle_github_webhook
from devrel.http import HttpRequest
from devrel.platforms import signatures
from devrel.ports import Store
from devrel.records import People
from devrel.runtime import Services
from support.fakes import fake_services
from support.slack_flow import work_off
from support.stand_in import Received, start_stand_in

SECRET = "first-merge-secret"
REPO = "acme/widgets"
_deliveries = itertools.count()


@pytest.fixture
def github() -> Iterator[tuple[str, list[Received]]]:
    received: list[Received] = []

    def answer(request: Received) -> tuple[int, Any, dict[str, str]]:
        received.append(request)
        base = f"{url}/github/repos/{REPO}"
        if request.path.endswith("/comments"):
            return 201, {"id": 900 + len(received), "body": request.json()["body"]}, {}
        if "/issues/" in request.path:
            number = int(request.path.rsplit("/", 1)[1])
            return 200, {"number": number, "url": f"{base}/issues/{number}", "title": "t", "state": "closed"}, {}
        return 200, {"name": "widgets", "full_name": REPO, "url": base, "owner": {"login": "acme"}}, {}

    url, server = start_stand_in(answer)
    yield url, received
    server.shutdown()
    server.server_close()


def make_services(tmp_path: Path, store: Store, clock: Any, url: str, **settings: Any) -> Services:
    services = fake_services(tmp_path, github_webhook_secret=SECRET, github_token="gh-first-merge",
                             github_api_url=f"{url}/github", **settings)
    services.store, services.clock = store, clock
    return services


def merged(services: Services, number: int, login: str, user_id: int, association: str, bot: bool = False) -> None:
    payload = json.dumps({
        "action": "closed", "repository": {"full_name": REPO}, "sender": {"login": "maint", "id": 1, "type": "User"},
        "pull_request": {"number": number, "title": "Fix the typo in the CLI help", "body": "Une petite correction.",
                         "merged": True, "author_association": association,
                         "html_url": f"https://github.com/{REPO}/pull/{number}",
                         "user": {"login": login, "id": user_id, "type": "Bot" if bot else "User"}}}).encode()
    request = HttpRequest("POST", "/github/webhook", {
        "x-github-event": "pull_request", "x-github-delivery": f"merge-{next(_deliveries)}",
        "x-hub-signature-256": signatures.signature_for(SECRET, payload)}, payload)
    assert handle_github_webhook(request, services).status == 202
    work_off(services)


def comments(received: list[Received]) -> list[tuple[str, str]]:
    return [(r.path, r.json()["body"]) for r in received if r.method == "POST" and r.path.endswith("/comments")]


def test_a_first_merged_pull_request_gets_one_kind_comment_in_the_authors_language(
        tmp_path: Path, store: Store, clock: Any, github: tuple[str, list[Received]]) -> None:
    url, received = github
    services = make_services(tmp_path, store, clock, url)
    People(services.store, services.clock).save_profile("github", "501", {"language": "fr"})
    merged(services, 7, "new-ada", 501, "FIRST_TIME_CONTRIBUTOR")
    [(path, body)] = comments(received)
    assert path == f"/github/repos/{REPO}/issues/7/comments"
    assert body.startswith("Félicitations pour votre première pull request fusionnée, new-ada !")
    merged(services, 7, "new-ada", 501, "FIRST_TIME_CONTRIBUTOR")  # the same merge delivered again
    merged(services, 8, "new-ada", 501, "CONTRIBUTOR")  # their second merged pull request
    assert len(comments(received)) == 1
    [entry] = services.activity.latest(kind="congratulate")
    assert entry.status == "posted" and entry.target.endswith("/issues/7")

    merged(services, 9, "old-bob", 502, "MEMBER")  # the project's own people
    merged(services, 10, "dependabot[bot]", 503, "NONE", bot=True)
    assert len(comments(received)) == 1
    merged(services, 11, "carol", 504, "CONTRIBUTOR")  # no earlier merge of hers recorded: her first here
    merged(services, 12, "carol", 504, "CONTRIBUTOR")
    assert [body.split("!")[0] for _, body in comments(received)[1:]] == [
        "Congratulations on your first merged pull request, carol"]


def test_in_dry_run_the_congratulation_is_only_recorded(
        tmp_path: Path, store: Store, clock: Any, github: tuple[str, list[Received]]) -> None:
    url, received = github
    services = make_services(tmp_path, store, clock, url, onboarding_dry_run=True)
    merged(services, 7, "new-ada", 501, "FIRST_TIMER")
    assert comments(received) == []
    [entry] = services.activity.latest(kind="congratulate")
    assert entry.status == "dry-run" and "Congratulations" in entry.detail
