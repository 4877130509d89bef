"""The duplicate index over a repository's whole history, read through the real GitHub adapter
(PyGithub over HTTP) from a stand-in of GitHub's REST API, then kept current by webhooks."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devrel.adapters.github_history import GithubHistory
from devrel.adapters.outbound_github import GithubPlatform
from devrel.adapters.store_sqlite import SqliteStore
from devrel.platforms.github import to_inbound_event
from devrel.usecases.duplicate_history import keep_current, load_history
from devrel.usecases.triage_models import earlier_best_scores
from devrel.usecases.triage_steps import IssueFacts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
DAY = 86400.0


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issue(number: int, title: str, body: str, age_days: float, state: str = "closed",
          state_reason: str | None = "completed", labels: tuple[str, ...] = (), pull: bool = False) -> dict[str, Any]:
    return {"number": number, "title": title, "body": body, "user": {"login": f"u{number}", "id": number},
            "state": state, "state_reason": state_reason if state == "closed" else None,
            "labels": [{"name": name} for name in labels], "created_at": iso(time.time() - age_days * DAY),
            "html_url": f"https://github.com/o/r/issues/{number}", "comments": 0,
            "pull_request": {"url": "x"} if pull else None}


HISTORY = [
    issue(1, "NameNode crashes on startup after upgrade", "NullPointerException in FSImage loader", 30),
    issue(2, "NameNode fails to start after the upgrade", "FSImage loader throws NullPointerException", 20,
          state_reason="duplicate"),
    issue(3, "Balancer ignores volume weights", "disk balancer uses equal weights", 15, labels=("Duplicate",)),
    issue(4, "Docs: typo in the quickstart", "teh", 10, state="open"),
    issue(5, "Remote code execution through the REST gateway", "crafted header", 5),
    issue(6, "Fix the loader", "", 3, pull=True),
]


def test_history_is_indexed_with_earlier_scores_and_endings(stand_in_server: Any, tmp_path: Path) -> None:
    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        if got.path == "/repos/o/r/issues" and got.query.get("state") == ["all"]:
            base = f"http://{got.headers['host']}/repos/o/r/issues"
            return 200, [{**item, "url": f"{base}/{item['number']}"} for item in HISTORY[::-1]], {}
        return 404, {"message": f"no {got.method} {got.path}"}, {}

    history = GithubHistory(GithubPlatform(stand_in_server(answer), token="ghp_history"))
    store = SqliteStore(tmp_path / "store.sqlite")

    def no_embeddings() -> Any:
        raise RuntimeError("lexical scores only in this test")

    report = load_history(store, "o/r", history.past_issues("o/r", limit=10), earlier_best_scores(no_embeddings))
    assert (report.issues, report.marked_duplicates, report.skipped_security) == (4, 2, 1)
    facts = {int(item.sk): IssueFacts.model_validate(item.data) for item in store.query("issues#o/r")}
    assert sorted(facts) == [1, 2, 3, 4]  # no pull request, no possible security report
    assert [facts[n].outcome for n in (1, 2, 3, 4)] == ["other", "duplicate", "duplicate", None]
    assert facts[1].top_score == 0.0  # nothing before it
    assert (facts[2].top_score or 0.0) > 0.4 > (facts[3].top_score or 0.0)  # #2 repeats #1; #3 is new
    assert "default" in report.threshold_basis  # two marked duplicates are not enough to calibrate on

    # Webhooks keep it current: an edit, an edit that turns it into a security report, a transfer.
    payload = json.loads((FIXTURES / "issues.opened.15.json").read_text())
    payload.update(action="edited", repository={"full_name": "o/r"})
    payload["issue"].update(number=4, title="Docs: typo in the install guide", body="teh -> the")
    event = to_inbound_event("issues", "d-1", payload)
    assert event is not None
    changed = event.intent
    assert keep_current(store, "o/r", 4, changed.title, changed.body, changed.removed) == "updated"  # type: ignore[union-attr]
    assert store.get("issues#o/r", "0000000004").data["title"] == "Docs: typo in the install guide"  # type: ignore[union-attr]
    assert keep_current(store, "o/r", 1, None, "an SQL injection in the loader", False) == "removed"
    payload.update(action="transferred")
    payload["issue"].update(number=3)
    moved = to_inbound_event("issues", "d-2", payload)
    assert moved is not None and moved.intent.removed and not moved.intent.open  # type: ignore[union-attr]
    assert keep_current(store, "o/r", 3, None, None, True) == "removed"
    assert sorted(int(item.sk) for item in store.query("issues#o/r")) == [2, 4]


def test_an_installation_loads_its_repositories_history(stand_in_server: Any, tmp_path: Path,
                                                        monkeypatch: Any) -> None:
    from support.fakes import fake_services

    listed: list[str] = []

    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        if got.path == "/repos/Codertocat/Hello-World/issues":
            listed.append(got.path)
            base = f"http://{got.headers['host']}{got.path}"
            return 200, [{**item, "url": f"{base}/{item['number']}"} for item in HISTORY[:2]], {}
        return 404, {"message": f"no {got.method} {got.path}"}, {}

    monkeypatch.setenv("DEVREL_GITHUB_TOKEN", "ghp_install")
    services = fake_services(tmp_path, github_api_url=stand_in_server(answer))
    payload = json.loads((FIXTURES / "installation.created.1.json").read_text())
    event = to_inbound_event("installation", "i-1", payload)
    assert event is not None
    assert services.dispatcher.dispatch(event) == "history-loaded"
    assert listed == ["/repos/Codertocat/Hello-World/issues"]
    indexed = services.store.query("issues#Codertocat/Hello-World")
    assert [IssueFacts.model_validate(item.data).outcome for item in indexed] == ["other", "duplicate"]
