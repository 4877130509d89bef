"""A chat question that matches one of the project's issues gets its link and status in the answer."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from devrel.events import Actor, GithubAddress, InboundEvent, Question, SlackAddress
from devrel.ports import Item
from devrel.usecases.related_issues import RelatedIssues
from devrel.usecases.triage_models import duplicate_scorer
from devrel.usecases.triage_steps import IssueFacts
from support.fakes import RecordingPlatform, fake_services

ISSUE = IssueFacts(repository="o/r", number=12, title="Export to CSV crashes with unicode column names",
                   body="UnicodeEncodeError: 'ascii' codec can't encode when exporting a CSV with unicode names",
                   html_url="https://github.com/o/r/issues/12", outcome="other", top_score=0.2)
OTHER = IssueFacts(repository="o/r", number=13, title="Dark mode for the settings page @maintainers",
                   body="Please add a dark theme", html_url="https://github.com/o/r/issues/13")
QUESTION = ("Export to CSV crashes with unicode column names: UnicodeEncodeError 'ascii' codec can't encode "
            "when exporting a CSV with unicode names. Any idea?")


class BagOfWords:
    """Hashed word counts, unit length: a deterministic stand-in for the sentence embedder."""

    dimension = 256

    def embed(self, texts: list[str]) -> Any:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                rows[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def seeded(tmp_path: Path, **settings: Any) -> Any:
    platform = RecordingPlatform()
    services = fake_services(tmp_path, {"slack": platform, "github": platform}, **settings)
    services.embedder = BagOfWords()  # type: ignore[misc]
    for issue in (ISSUE, OTHER):
        services.store.put(Item("issues#o/r", f"{issue.number:010d}", issue.model_dump()))
    return services, platform


def ask(platform: str, text: str, delivery: str) -> InboundEvent:
    address = SlackAddress(channel="C1", thread_ts="1.0", message_ts="1.0") if platform == "slack" \
        else GithubAddress(repository="o/r", number=99)
    return InboundEvent(platform=platform, kind=f"{platform}.question", delivery_id=delivery,  # type: ignore[arg-type]
                        thread="t", actor=Actor(id="U1"), text=text, intent=Question(), reply_to=address)


def test_a_matching_issue_is_linked_with_its_status(tmp_path: Path) -> None:
    services, platform = seeded(tmp_path, project_repository="o/r")
    assert services.conversations.converse(ask("slack", QUESTION, "d-1")) == "replied"
    [(_, reply)] = platform.posted
    line = reply.text.splitlines()[-1]
    assert line.startswith("This looks like https://github.com/o/r/issues/12 ('Export to CSV crashes with unicode "
                           "column names', closed; similarity 0.")


def test_nothing_is_added_without_a_good_match_on_github_or_without_a_repository(tmp_path: Path) -> None:
    services, platform = seeded(tmp_path, project_repository="o/r")
    services.conversations.converse(ask("slack", "How do I configure the proxy for downloads?", "d-2"))
    services.conversations.converse(ask("github", QUESTION, "d-3"))  # triage links duplicates there
    assert not any("This looks like" in reply.text for _, reply in platform.posted)
    services, platform = seeded(tmp_path / "none")
    services.conversations.converse(ask("slack", QUESTION, "d-4"))
    assert "This looks like" not in platform.posted[0][1].text


def test_status_and_titles_without_mentions(tmp_path: Path) -> None:
    store = fake_services(tmp_path).store
    store.put(Item("issues#o/r", "0000000013", OTHER.model_copy(update={"outcome": "duplicate"}).model_dump()))

    def lexical_only() -> Any:
        raise RuntimeError("no embedder")

    line = RelatedIssues(store, "o/r", duplicate_scorer(lexical_only)).line(
        "Dark mode for the settings page @maintainers: please add a dark theme")
    assert line is not None and "closed as a duplicate" in line and "@maintainers" not in line
