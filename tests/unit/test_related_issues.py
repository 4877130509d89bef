"""A chat question that matches one of the project's issues gets its link and status in the answer."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from devrel.events import Actor, DiscordAddress, Feedback, GithubAddress, InboundEvent, Question, SlackAddress
from devrel.ports import ChatMessage, Item
from devrel.records import AnsweredThreads, FeedbackLog, PersonalData
from devrel.usecases.conversation import record_feedback
from devrel.usecases.related_issues import RelatedIssues
from devrel.usecases.triage_steps import IssueFacts
from support.fakes import FakeClock, RecordingPlatform, fake_services

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

    line = RelatedIssues(store, "o/r", lexical_only).line(
        "Dark mode for the settings page @maintainers: please add a dark theme")
    assert line is not None and "closed as a duplicate" in line and "@maintainers" not in line


class CountingEmbedder(BagOfWords):
    def __init__(self) -> None:
        self.texts = 0

    def embed(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return super().embed(texts)


def test_the_index_is_built_once_per_process_and_follows_the_store(tmp_path: Path) -> None:
    clock = FakeClock(1_000.0)
    services = fake_services(tmp_path, clock=clock, project_repository="o/r")
    embedder = CountingEmbedder()
    filler = [IssueFacts(repository="o/r", number=100 + n, title=f"Feature request {n}: dark mode variant {n}",
                         body=f"settings page theme number {n}") for n in range(30)]
    for issue in (ISSUE, OTHER, *filler):
        services.store.put(Item("issues#o/r", f"{issue.number:010d}", issue.model_dump()))
    related = RelatedIssues(services.store, "o/r", lambda: embedder, clock, refresh_seconds=60)
    assert related.line(QUESTION) is not None
    built = embedder.texts
    proxy = ("Downloads fail behind a corporate proxy with CERTIFICATE_VERIFY_FAILED: how do I point the tool "
             "at our CA bundle?")
    fixed = IssueFacts(repository="o/r", number=14, title="Downloads fail behind a corporate proxy",
                       body="CERTIFICATE_VERIFY_FAILED: how do I point the tool at our CA bundle?",
                       html_url="https://github.com/o/r/issues/14")
    services.store.put(Item("issues#o/r", f"{fixed.number:010d}", fixed.model_dump()))
    services.store.delete("issues#o/r", f"{ISSUE.number:010d}")
    assert related.line(QUESTION) is not None  # within the minute: the process's copy, not read again
    assert related.line(proxy) is None
    assert embedder.texts == built + 2  # the questions only: the history is not embedded again
    clock.now += 61
    assert related.line(QUESTION) is None  # deleted from the index
    line = related.line(proxy)
    assert line is not None and line.startswith("This looks like https://github.com/o/r/issues/14 (")
    assert embedder.texts == built + 2 + 1 + 2  # the new issue once (2 changes in 32: no refit), the questions


def llm_answering(text: str) -> Any:
    class Answering:
        def chat(self, messages: list[ChatMessage], **_: Any) -> str:
            return text

    return Answering()


def asked_in(channel: str, text: str, thread_ts: str, user: str = "U1") -> InboundEvent:
    return InboundEvent(platform="slack", kind="slack.app_mention", delivery_id=f"msg:T1:{channel}:{thread_ts}",
                        thread=f"T1:{channel}:{thread_ts}", actor=Actor(id=user), text=text, intent=Question(),
                        reply_to=SlackAddress(team="T1", channel=channel, thread_ts=thread_ts, message_ts=thread_ts))


PROXY_QUESTION = "How do I make downloads work behind a corporate proxy with a custom CA bundle?"


def test_an_answered_conversation_is_pointed_to_from_the_same_channel_only(tmp_path: Path) -> None:
    clock = FakeClock(1_000.0)
    platform = RecordingPlatform()
    services = fake_services(tmp_path, {"slack": platform}, clock=clock)
    services.embedder = BagOfWords()  # type: ignore[misc]
    services.llm = llm_answering("Set REQUESTS_CA_BUNDLE to your bundle.")  # type: ignore[attr-defined]
    conversations = services.conversations
    conversations.converse(asked_in("C1", PROXY_QUESTION + " @here", "1.0"))
    clock.now += 61  # another worker's answer is seen within a minute
    follow_up = asked_in("C1", PROXY_QUESTION, "1.0").model_copy(update={"delivery_id": "msg:T1:C1:1.5"})
    conversations.converse(follow_up)
    assert "answered before" not in platform.posted[-1][1].text  # a thread is not pointed to itself
    conversations.converse(asked_in("C1", "Hi! " + PROXY_QUESTION, "2.0", user="U2"))
    line = platform.posted[-1][1].text.splitlines()[-1]
    assert line.startswith("This was answered before here: slack://channel?team=T1&id=C1&thread_ts=1.0 "
                           "('How do I make downloads work behind a corporate proxy"), line
    assert "answered; similarity" in line and "@here" not in line  # the quoted question notifies nobody
    conversations.converse(asked_in("C2", PROXY_QUESTION, "3.0"))
    assert "answered before" not in platform.posted[-1][1].text  # another channel may not read C1
    conversations.converse(asked_in("C1", "How do I rotate the signing key of a release?", "4.0"))
    assert "answered before" not in platform.posted[-1][1].text  # not the same question


def test_votes_set_the_status_and_a_thread_voted_down_is_not_offered(tmp_path: Path) -> None:
    clock = FakeClock(1_000.0)
    platform = RecordingPlatform()
    services = fake_services(tmp_path, {"slack": platform}, clock=clock)
    services.embedder = BagOfWords()  # type: ignore[misc]
    services.llm = llm_answering("Set REQUESTS_CA_BUNDLE to your bundle.")  # type: ignore[attr-defined]
    first = asked_in("C1", PROXY_QUESTION, "1.0")
    services.conversations.converse(first)

    def vote(value: str, n: int) -> None:
        event = first.model_copy(update={"intent": Feedback(vote=value), "delivery_id": f"vote-{n}"})  # type: ignore[arg-type]
        record_feedback(event, FeedbackLog(services.store), services.conversations.answered)

    vote("up", 1)
    clock.now += 61
    services.conversations.converse(asked_in("C1", PROXY_QUESTION, "2.0"))
    assert "answered, 1 found it helpful; similarity" in platform.posted[-1][1].text
    vote("down", 2)
    vote("down", 3)
    clock.now += 61
    services.conversations.converse(asked_in("C1", PROXY_QUESTION, "4.0"))
    line = platform.posted[-1][1].text.splitlines()[-1]
    assert "thread_ts=1.0" not in line and "thread_ts=2.0" in line  # the later thread, never voted down


def test_fallbacks_are_not_kept_and_forget_me_deletes_the_kept_question(tmp_path: Path) -> None:
    services, platform = seeded(tmp_path)
    services.conversations.converse(asked_in("C1", PROXY_QUESTION, "1.0"))  # no model: the fallback text
    assert AnsweredThreads(services.store).all("slack") == []
    services.llm = llm_answering("Set REQUESTS_CA_BUNDLE.")  # type: ignore[attr-defined]
    services.conversations.converse(asked_in("C1", PROXY_QUESTION, "5.0", user="U777777"))
    discord = InboundEvent(platform="discord", kind="discord.command", delivery_id="d-1", thread="G1:C9:U5",
                           actor=Actor(id="U5"), text=PROXY_QUESTION, intent=Question(),
                           reply_to=DiscordAddress(guild="G1", channel="C9", application_id="A", token="t"))
    services.platforms["discord"] = platform
    services.conversations.converse(discord)
    command = InboundEvent(platform="slack", kind="slack.command.ask", delivery_id="cmd:1", thread="T1:C1:cmd-U8",
                           actor=Actor(id="U8"), text=PROXY_QUESTION, intent=Question(),
                           reply_to=SlackAddress(team="T1", channel="C1", response_url="https://hooks.example/1"))
    services.conversations.converse(command)  # no thread to link to, a question the channel never saw
    [kept] = AnsweredThreads(services.store).all("slack")
    assert kept.data["place"] == "T1/C1" and "U777777" not in kept.sk
    [discord_kept] = AnsweredThreads(services.store).all("discord")
    assert "U5" not in discord_kept.sk  # a Discord thread key names its asker: the key is a hash
    data = PersonalData(services.store)
    data.forget(data.person("slack", "U777777"))
    assert AnsweredThreads(services.store).all("slack") == []
