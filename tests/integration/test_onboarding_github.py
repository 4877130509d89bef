"""Onboarding with GitHub behind it: a signed Slack workspace join starts onboarding, and its welcome step
suggests open first issues read through the real GitHub adapter (PyGithub) from a local HTTP stand-in
of GitHub's API, matched to the newcomer's profile; the welcome reaches a stand-in of Slack's API."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devrel.ports import Store
from devrel.records import Contributions, People
from devrel.runtime import Services
from support.fakes import fake_services
from support.slack_flow import deliver_slack_event
from support.stand_in import Received, start_stand_in

SECRET = "onboarding-github-secret"
REPO = "acme/widgets"
CONFIG = "onboarding:\n  first_issue_labels: [good first issue, docs-help]\n"


def issue(number: int, title: str, labels: list[str], body: str = "") -> dict[str, Any]:
    return {"number": number, "title": title, "body": body, "state": "open", "user": {"login": "maint"},
            "labels": [{"name": label} for label in labels],
            "html_url": f"https://github.com/{REPO}/issues/{number}"}


ISSUES = {
    "good first issue": [issue(11, "Fix typo in the CLI help", ["good first issue"]),
                         issue(12, "Rust: speed up the parser", ["good first issue", "rust"]),
                         issue(13, "Ping @everyone when the build breaks", ["good first issue"])],
    "docs-help": [issue(21, "Document the Python plugin API", ["docs-help"], "The python docs miss plugins."),
                  issue(12, "Rust: speed up the parser", ["good first issue", "rust"])],
}


@pytest.fixture
def apis() -> Iterator[tuple[str, list[Received], dict[str, Any]]]:
    received: list[Received] = []
    github = {"failing": False}

    def answer(request: Received) -> tuple[int, Any, dict[str, str]]:
        received.append(request)
        if request.path.startswith("/slack/"):
            if request.path.endswith("conversations.open"):
                return 200, {"ok": True, "channel": {"id": "D-welcome"}}, {}
            return 200, {"ok": True, "channel": request.json()["channel"], "ts": "1800000000.000001"}, {}
        if github["failing"]:
            return 502, {"message": "Bad gateway"}, {}
        path = request.path.removeprefix("/github")
        if path == f"/repos/{REPO}/contents/.github/devrel.yml":
            return 200, {"type": "file", "encoding": "base64", "name": "devrel.yml", "path": ".github/devrel.yml",
                         "content": base64.b64encode(CONFIG.encode()).decode(), "sha": "abc"}, {}
        listed = {item["number"]: item for items in ISSUES.values() for item in items}
        with_urls = {n: {**item, "url": f"{url}/github/repos/{REPO}/issues/{n}"} for n, item in listed.items()}
        if path == f"/repos/{REPO}/issues":
            return 200, [with_urls[item["number"]] for item in ISSUES.get(request.query["labels"][0], [])], {}
        if path.startswith(f"/repos/{REPO}/issues/") and int(path.rsplit("/", 1)[1]) in with_urls:
            return 200, with_urls[int(path.rsplit("/", 1)[1])], {}
        return 404, {"message": "Not Found"}, {}

    url, server = start_stand_in(answer)
    yield url, received, github
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(tmp_path: Path, store: Store, clock: Any, apis: tuple[str, list[Received], dict[str, Any]]
             ) -> Services:
    url, _, _ = apis
    services = fake_services(tmp_path, slack_signing_secret=SECRET, slack_bot_token="xoxb-onboarding",
                             slack_api_url=f"{url}/slack/api/", github_token="gh-onboarding-token",
                             github_api_url=f"{url}/github", project_repository=REPO)
    services.store, services.clock = store, clock
    return services


def welcome_for(services: Services, user: str) -> None:
    """A signed team_join through the webhook and the worker, then the welcome step of the started run."""
    deliver_slack_event(services, SECRET, {"type": "team_join", "user": {"id": user, "name": "", "team_id": "T1"}},
                        f"Ev-{user}")
    _, state, _ = services.workflows.started[-1]  # type: ignore[attr-defined]
    services.onboarding_steps.run({"step": "welcome", "input": state})


def posts(received: list[Received]) -> list[str]:
    return [str(r.json()["text"]) for r in received if r.path.endswith("chat.postMessage")]


def test_the_welcome_suggests_first_issues_matched_to_the_profile(
        services: Services, apis: tuple[str, list[Received], dict[str, Any]]) -> None:
    _, received, _ = apis
    People(services.store, services.clock).save_profile("slack", "U0NEW1", {"interests": "python, docs"})
    welcome_for(services, "U0NEW1")
    [text] = posts(received)
    lines = [line for line in text.splitlines() if line.startswith("  - #")]
    assert len(lines) == 3  # at most three, each once (#12 carries both labels)
    assert lines[0].startswith("  - #21 Document the Python plugin API: https://github.com/acme/widgets/issues/21")
    assert "picked for your interests (python, docs)" in text
    assert "@everyone" not in text  # a title is quoted, its mentions made inert
    assert "/contribute" not in text  # the suggestions replace the generic link
    listed = [r for r in received if r.path.startswith("/github/repos/acme/widgets/issues")]
    assert len(listed) == 2  # one listing per configured label, no request per issue


def test_without_a_profile_the_first_label_comes_first_and_a_failing_github_leaves_them_out(
        services: Services, apis: tuple[str, list[Received], dict[str, Any]]) -> None:
    _, received, github = apis
    welcome_for(services, "U0NEW2")
    lines = [line for line in posts(received)[-1].splitlines() if line.startswith("  - #")]
    assert [line.split()[1] for line in lines] == ["#11", "#12", "#13"]
    github["failing"] = True
    welcome_for(services, "U0NEW3")
    text = posts(received)[-1]
    assert "Welcome" in text and "  - #" not in text and f"https://github.com/{REPO}/contribute" in text


def test_without_stated_interests_the_welcome_uses_those_inferred_from_their_linked_github_account(
        services: Services, apis: tuple[str, list[Received], dict[str, Any]]) -> None:
    _, received, _ = apis
    contributions = Contributions(services.store, services.clock)
    # Their merged pull request changed Python files; someone else's work is all Rust.
    contributions.opened("583231", REPO, 40, "pull_request")
    contributions.update(REPO, 40, paths=["plugins/loader.py"], merged_by_author="583231")
    contributions.opened("777", REPO, 41, "issue", ["rust"])
    People(services.store, services.clock).link(("slack", "U0NEW4"), ("github", "583231"))
    welcome_for(services, "U0NEW4")
    text = posts(received)[-1]
    lines = [line for line in text.splitlines() if line.startswith("  - #")]
    assert lines[0].startswith("  - #21 Document the Python plugin API")  # python matched it
    # The inferred interests the suggestions matched are named: plugins/ (the body's "plugins.") and python.
    assert text.splitlines()[1] == "- Good first issues (picked for what you have worked on (plugins, python)):"

    # A stated value wins over the inference; `none` stops it (the configured label order again).
    People(services.store, services.clock).save_profile("slack", "U0NEW4", {"interests": "rust"})
    services.store.delete("onboarded#slack", "U0NEW4")
    welcome_for(services, "U0NEW4")
    text = posts(received)[-1]
    assert text.splitlines()[1].endswith("(picked for your interests (rust)):")
    assert next(line.split()[1] for line in text.splitlines() if line.startswith("  - #")) == "#12"
    People(services.store, services.clock).save_profile("slack", "U0NEW4", {"interests": "none"})
    services.store.delete("onboarded#slack", "U0NEW4")
    welcome_for(services, "U0NEW4")
    text = posts(received)[-1]
    assert "picked for" not in text
    assert [line.split()[1] for line in text.splitlines() if line.startswith("  - #")] == ["#11", "#12", "#13"]
