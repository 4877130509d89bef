"""Self-service forget-me, account linking and profiles, end to end on both Stores (SQLite, DynamoDB on
moto's server): signed Slack slash commands, Discord interactions and Telegram updates through the
webhook handlers, the queue and the worker, and the replies through the real outbound adapters to a
local HTTP stand-in of the three platform APIs."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from nacl.signing import SigningKey

from devrel.events import Actor, InboundEvent, Question, SlackAddress
from devrel.handlers.discord_interactions import handle_discord_interaction
from devrel.handlers.github_webhook import handle_github_webhook
from devrel.handlers.slack_events import handle_slack
from devrel.handlers.telegram_webhook import handle_telegram_webhook
from devrel.handlers.worker import process_sqs_batch
from devrel.http import HttpRequest
from devrel.platforms import signatures, slack
from devrel.ports import Queue, Store
from devrel.records import EventLog, People, ThreadMemory, conversation_key
from devrel.runtime import Services
from support.fakes import fake_services
from support.stand_in import Received, start_stand_in

SLACK_SECRET = "people-slack-secret"
TELEGRAM_SECRET = "people-telegram-secret"
GITHUB_SECRET = "people-github-secret"
DISCORD_KEY = SigningKey(bytes(range(32)))
ADA, ADA_NAME, ADA_DISCORD, ADA_TELEGRAM = "U0ADA42", "ada.lovelace", "80351110224678912", 912345678
BOB = "U0BOB77"


# Reviews are dry runs here (nothing is posted) and without the model: only the files they read matter.
REVIEW_CONFIG = b"review:\n  dry_run: true\n  model_comments: false\n"
ADA_GITHUB, ADA_LOGIN, BOB_GITHUB, MAINTAINER = 583231, "octo-ada", 4242, 1
PULL_8: dict[str, Any] = {
    "": lambda base: {"number": 8, "url": f"{base}/pulls/8", "title": "Explain the cache", "body": "", "state": "open",
                      "user": {"login": ADA_LOGIN, "id": ADA_GITHUB}, "draft": False, "changed_files": 3,
                      "head": {"sha": "head8", "ref": "cache-docs", "repo": {"full_name": "acme/widgets"}},
                      "base": {"sha": "base8", "ref": "main", "repo": {"full_name": "acme/widgets"}}},
    "/files": lambda base: [{"filename": name, "status": "modified", "additions": 1, "deletions": 0, "changes": 1,
                             "patch": "@@ -1 +1,2 @@\n line\n+added"}
                            for name in ("docs/cache.md", "docs/index.md", "src/widgets/cache.py")],
    "/commits": lambda base: [{"sha": "head8", "commit": {"message": "Explain the cache"}}],
}


@pytest.fixture
def platforms() -> Iterator[tuple[str, list[Received]]]:
    received: list[Received] = []

    def answer(request: Received) -> tuple[int, Any, dict[str, str]]:
        received.append(request)
        if request.path.startswith("/github/"):  # what PyGithub reads before it comments, and the comment
            base = f"{url}/github/repos/acme/widgets"
            if request.path.startswith("/github/repos/acme/widgets/contents/"):  # the review's reads
                if request.path.endswith("/.github/devrel.yml"):
                    return 200, {"type": "file", "encoding": "base64", "name": "devrel.yml",
                                 "path": ".github/devrel.yml", "size": len(REVIEW_CONFIG),
                                 "content": base64.b64encode(REVIEW_CONFIG).decode(),
                                 "sha": "c0"}, {}
                return 404, {"message": "Not Found"}, {}
            if request.path.startswith("/github/repos/acme/widgets/pulls/8"):  # Ada's pull request
                return 200, PULL_8[request.path.removeprefix("/github/repos/acme/widgets/pulls/8")](base), {}
            if request.path.endswith("/comments"):
                return 201, {"id": 501, "body": request.json()["body"]}, {}
            if request.path.endswith("/issues/7"):
                return 200, {"number": 7, "url": f"{base}/issues/7", "title": "t", "state": "open"}, {}
            return 200, {"name": "widgets", "full_name": "acme/widgets", "url": base, "owner": {"login": "acme"}}, {}
        if request.path.endswith("/chat/completions"):  # the model: says which question it answered
            question = request.json()["messages"][-1]["content"]
            return 200, {"id": "c1", "object": "chat.completion", "created": 0, "model": "m",
                         "choices": [{"index": 0, "finish_reason": "stop",
                                      "message": {"role": "assistant", "content": f"About {question!r}: see docs."}}],
                         "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}, {}
        if "/telegram/" in request.path:
            return 200, {"ok": True, "result": {"message_id": len(received)}}, {}
        if "/discord/" in request.path:
            return 200, {"id": str(len(received))}, {}
        return 200, b"ok", {}  # a Slack response_url answers plain "ok"

    url, server = start_stand_in(answer)
    yield url, received
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(tmp_path: Path, store: Store, clock: Any, platforms: tuple[str, list[Received]]) -> Services:
    url, _ = platforms
    services = fake_services(tmp_path, slack_signing_secret=SLACK_SECRET,
                             discord_public_key=DISCORD_KEY.verify_key.encode().hex(), discord_application_id="app-1",
                             discord_api_url=f"{url}/discord", telegram_webhook_secret=TELEGRAM_SECRET,
                             telegram_bot_token="123:people-token", telegram_api_url=f"{url}/telegram",
                             telegram_bot_username="devrel_bot", github_webhook_secret=GITHUB_SECRET,
                             github_token="people-github-token", github_api_url=f"{url}/github",
                             llm_base_url=f"{url}/llm", llm_model="m")
    services.store, services.clock = store, clock  # both Store adapters, one clock for signatures and expiry
    return services


def work(services: Services) -> list[str]:
    """Run the worker over everything queued; the outcome of each."""
    outcomes = []
    while messages := services.queue.receive(max_messages=10):
        for message in messages:
            result = process_sqs_batch({"Records": [{"messageId": message.message_id, "body": message.body}]},
                                       services)
            assert result == {"batchItemFailures": []}
            services.queue.delete(message.receipt_handle)
            outcomes.append(message.body)
    return outcomes


_triggers = iter(range(10_000))


def slack_command(services: Services, url: str, text: str, user: str = ADA) -> dict[str, Any]:
    n = next(_triggers)
    body = urlencode({"command": "/devrel", "text": text, "trigger_id": f"tr{n}", "channel_id": "C1", "team_id": "T1",
                      "user_id": user, "user_name": ADA_NAME if user == ADA else "bob",
                      "response_url": f"{url}/slack/respond/{n}"}).encode()
    stamp = str(int(services.clock()))
    request = HttpRequest("POST", "/slack/commands", {"x-slack-request-timestamp": stamp,
                                                      "x-slack-signature": slack.signature_for(SLACK_SECRET, stamp,
                                                                                               body)}, body)
    response = handle_slack(request, services)
    assert response.status == 200
    return dict(json.loads(response.body))


def discord_command(services: Services, sub: str, options: list[dict[str, Any]] | None = None,
                    user: str = ADA_DISCORD, data: dict[str, Any] | None = None) -> dict[str, Any]:
    n = next(_triggers)
    body = json.dumps({"type": 2, "id": f"9{n:05d}", "token": f"interaction-token-{n}", "application_id": "app-1",
                       "channel_id": "CH1", "guild_id": "G1",
                       "member": {"user": {"id": user, "username": "ada_discord"}},
                       "data": data or {"name": "devrel", "type": 1,
                                        "options": [{"name": sub, "type": 1, "options": options or []}]}}).encode()
    stamp = str(int(services.clock()))
    signature = DISCORD_KEY.sign(stamp.encode() + body).signature.hex()
    request = HttpRequest("POST", "/discord/interactions", {"x-signature-ed25519": signature,
                                                            "x-signature-timestamp": stamp}, body)
    response = handle_discord_interaction(request, services)
    assert response.status == 200
    return dict(json.loads(response.body))


def telegram_command(services: Services, text: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
    n = next(_triggers)
    update = {"update_id": 5000 + n, "message": {
        "message_id": n, "date": int(services.clock()), "text": text,
        "chat": chat or {"id": ADA_TELEGRAM, "type": "private"},
        "from": {"id": ADA_TELEGRAM, "is_bot": False, "first_name": "Ada", "username": "ada_tg"},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}}
    request = HttpRequest("POST", "/telegram/webhook", {"x-telegram-bot-api-secret-token": TELEGRAM_SECRET},
                          json.dumps(update).encode())
    response = handle_telegram_webhook(request, services)
    assert response.status == 200
    return dict(json.loads(response.body or b"{}"))


def github_comment(services: Services, body: str, login: str = "octo-ada", user_id: int = 583231) -> int:
    payload = json.dumps({"action": "created", "repository": {"full_name": "acme/widgets"},
                          "issue": {"number": 7, "title": "t", "body": ""},
                          "comment": {"id": next(_triggers), "body": body, "author_association": "CONTRIBUTOR"},
                          "sender": {"login": login, "id": user_id, "type": "User"}}).encode()
    request = HttpRequest("POST", "/github/webhook", {"x-github-event": "issue_comment",
                                                      "x-github-delivery": f"gh-{next(_triggers)}",
                                                      "x-hub-signature-256": signatures.signature_for(GITHUB_SECRET,
                                                                                                      payload)},
                          payload)
    return handle_github_webhook(request, services).status


def github_event(services: Services, event: str, payload: dict[str, Any]) -> None:
    body = json.dumps({"repository": {"full_name": "acme/widgets"}, **payload}).encode()
    request = HttpRequest("POST", "/github/webhook", {"x-github-event": event,
                                                      "x-github-delivery": f"gh-{next(_triggers)}",
                                                      "x-hub-signature-256": signatures.signature_for(GITHUB_SECRET,
                                                                                                      body)}, body)
    assert handle_github_webhook(request, services).status == 202


def user(login: str, user_id: int) -> dict[str, Any]:
    return {"login": login, "id": user_id, "type": "User"}


def contribute_on_github(services: Services) -> None:
    """Ada's pull request (reviewed, then merged by a maintainer) and her issue (labelled later by the
    maintainer), and an issue of Bob's, each a signed delivery through the webhook and the worker."""
    ada, bob, maintainer = user(ADA_LOGIN, ADA_GITHUB), user("bobcat", BOB_GITHUB), user("maint", MAINTAINER)
    pull = {"number": 8, "title": "Explain the cache", "user": ada, "author_association": "CONTRIBUTOR",
            "head": {"sha": "head8", "repo": {"full_name": "acme/widgets"}},
            "base": {"sha": "base8", "repo": {"full_name": "acme/widgets"}}}
    github_event(services, "pull_request", {"action": "opened", "pull_request": pull, "sender": ada})
    github_event(services, "issues", {"action": "opened", "sender": ada, "issue": {
        "number": 5, "title": "The cache docs are unclear", "user": ada, "author_association": "CONTRIBUTOR",
        "labels": [{"name": "documentation"}]}})
    github_event(services, "issues", {"action": "opened", "sender": bob, "issue": {
        "number": 6, "title": "Port it to Rust", "user": bob, "author_association": "CONTRIBUTOR",
        "labels": [{"name": "rust"}, {"name": "cli"}]}})
    work(services)
    github_event(services, "pull_request", {"action": "closed", "sender": maintainer,
                                            "pull_request": {**pull, "merged": True, "state": "closed"}})
    github_event(services, "issues", {"action": "labeled", "sender": maintainer, "issue": {
        "number": 5, "title": "The cache docs are unclear", "user": ada, "state": "open",
        "labels": [{"name": "documentation"}, {"name": "cli"}]}})
    work(services)


def said(received: list[Received]) -> str:
    """The text of the last reply the stand-in received, on whichever platform."""
    last = received[-1].json()
    return str(last.get("text") or last.get("content") or "")


def seed(services: Services) -> None:
    """Ada (and Bob) talked to the assistant in a Slack thread."""
    memory = ThreadMemory(services.store, services.clock)
    for who, name in ((ADA, ADA_NAME), (BOB, "bob")):
        event = InboundEvent(platform="slack", kind="slack.app_mention", delivery_id=f"m-{who}", intent=Question(),
                             thread="T1:C1:1.0", actor=Actor(id=who, name=name), text=f"hello from {name}",
                             received_at=services.clock(), reply_to=SlackAddress(team="T1", channel="C1"))
        EventLog(services.store).append(event)
        memory.remember(conversation_key(event), event.delivery_id, event.received_at, "user", event.text, actor=name)


def everything(store: Store) -> str:
    return "\n".join(json.dumps([item.pk, item.sk, item.data]) for item in store.scan()).lower()


def link_slack_and_discord(services: Services, url: str, received: list[Received]) -> str:
    assert slack_command(services, url, "link")["response_type"] == "ephemeral"
    work(services)
    respond = received[-1]
    assert respond.path.startswith("/slack/respond/") and respond.json()["response_type"] == "ephemeral"
    code = re.search(r"`([A-Z2-9]{8})`", said(received)).group(1)  # type: ignore[union-attr]
    assert code not in everything(services.store).upper()  # kept hashed only
    deferred = discord_command(services, "link", [{"name": "code", "type": 3, "value": code.lower()}])
    assert deferred == {"type": 5, "data": {"flags": 64}}  # "thinking...", seen by the person alone
    work(services)
    assert received[-1].method == "PATCH" and received[-1].path.endswith("/messages/@original")
    assert "Linked" in said(received) and "discord, slack" in said(received)
    return code


def test_linked_accounts_share_a_profile_and_forget_me_needs_a_confirmation(
        services: Services, platforms: tuple[str, list[Received]]) -> None:
    url, received = platforms
    seed(services)
    link_slack_and_discord(services, url, received)
    slack_command(services, url, "profile set language=fr experience=newcomer timezone=Europe/Paris")
    work(services)
    assert "- language: fr" in said(received)
    discord_command(services, "profile")
    work(services)
    # In the language chosen on the other account: the profile is the person's.
    assert "- language: fr" in said(received) and said(received).startswith("Votre profil (pour vos 2 comptes liés)")

    slack_command(services, url, "forget confirm")  # no request to confirm: nothing happens
    work(services)
    assert said(received).startswith("Rien à confirmer") and ADA.lower() in everything(services.store)
    slack_command(services, url, "forget")
    work(services)
    assert "/devrel forget confirm" in said(received) and "le compte que vous avez lié" in said(received)
    assert ADA.lower() in everything(services.store)  # asking alone deletes nothing
    slack_command(services, url, "forget confirm")
    work(services)
    done = said(received)
    assert done.startswith("C'est fait : vous êtes oublié(e) sur vos 2 comptes liés.")
    assert int(re.search(r"(\d+) enregistrements supprimés", done).group(1)) >= 5  # type: ignore[union-attr]
    left = everything(services.store)
    assert all(trace not in left for trace in (ADA.lower(), ADA_NAME, ADA_DISCORD, "ada_discord"))
    assert "hello from bob" in left and BOB.lower() in left
    assert People(services.store, services.clock).profile("discord", ADA_DISCORD) == {}


def test_a_link_code_is_refused_when_reused_expired_or_from_the_same_platform_and_says_nothing_more(
        services: Services, platforms: tuple[str, list[Received]], clock: Any) -> None:
    url, received = platforms
    code = link_slack_and_discord(services, url, received)
    people = People(services.store, services.clock)
    refusals = []
    discord_command(services, "link", [{"name": "code", "type": 3, "value": code}], user="4242")  # used already
    work(services)
    refusals.append(said(received))
    slack_command(services, url, "link", user=BOB)
    work(services)
    bobs = re.search(r"`([A-Z2-9]{8})`", said(received)).group(1)  # type: ignore[union-attr]
    slack_command(services, url, f"link {bobs}")  # Ada, on the same platform as Bob
    work(services)
    refusals.append(said(received))
    clock.advance(601)
    discord_command(services, "link", [{"name": "code", "type": 3, "value": bobs}], user="4242")  # expired
    work(services)
    refusals.append(said(received))
    assert len(set(refusals)) == 1 and refusals[0].startswith("That code can't be used.")
    assert people.person_of("discord", "4242") is None and people.accounts("slack", BOB) == [("slack", BOB)]
    assert people.accounts("slack", ADA) == [("slack", ADA), ("discord", ADA_DISCORD)]


def test_bad_input_is_answered_at_once_and_nothing_is_queued(
        services: Services, platforms: tuple[str, list[Received]]) -> None:
    url, received = platforms
    assert "two-letter" in slack_command(services, url, "profile set language=french")["text"]
    assert "only see and change your own" in slack_command(services, url, f"profile <@{BOB}>")["text"]
    assert "8 letters" in slack_command(services, url, "link 1234")["text"]
    assert "confirm" in slack_command(services, url, "forget everyone")["text"]
    answered = discord_command(services, "profile", [{"name": "set", "type": 3, "value": "timezone=Mars/Base"}])
    assert answered["type"] == 4 and "IANA" in answered["data"]["content"] and answered["data"]["flags"] == 64
    assert work(services) == [] and received == []
    assert People(services.store, services.clock).profile("slack", ADA) == {}


def test_telegram_forget_me_in_a_private_chat_only(services: Services, platforms: tuple[str, list[Received]]) -> None:
    _, received = platforms
    group = telegram_command(services, "/forget", chat={"id": -100123, "type": "supergroup"})
    assert group["method"] == "sendMessage" and "private chat" in group["text"] and work(services) == []
    telegram_command(services, "/profile set interests=python, docs")
    telegram_command(services, "/forget")
    work(services)
    assert received[-1].path == "/telegram/bot123:people-token/sendMessage"
    assert "/forget confirm" in said(received).replace("\\", "")
    telegram_command(services, "/forget confirm")
    work(services)
    assert said(received).replace("\\", "").startswith("Done: you are forgotten.")
    assert str(ADA_TELEGRAM) not in everything(services.store) and "ada_tg" not in everything(services.store)


def test_requests_are_rate_limited_per_person(services: Services, platforms: tuple[str, list[Received]]) -> None:
    url, received = platforms
    for _ in range(11):
        slack_command(services, url, "profile set language=de")
    work(services)
    texts = [request.json()["text"] for request in received]
    assert texts[:10] == [texts[0]] * 10 and texts[0].startswith("Gespeichert.")  # in the language just set
    assert texts[10].startswith("Du hast mehrere dieser Anfragen gesendet")
    slack_command(services, url, "profile", user=BOB)  # someone else: their own budget
    work(services)
    assert said(received).startswith("Your profile:")


def test_a_code_commented_on_github_links_that_github_account(
        services: Services, platforms: tuple[str, list[Received]]) -> None:
    url, received = platforms
    slack_command(services, url, "link")
    work(services)
    code = re.search(r"`([A-Z2-9]{8})`", said(received)).group(1)  # type: ignore[union-attr]
    assert f"devrel link {code}" in said(received)
    assert github_comment(services, "devrel link 12") == 202  # no code: an ordinary comment
    assert github_comment(services, f"/devrel link {code.lower()}") == 202
    work(services)
    comment = received[-1]
    assert comment.method == "POST" and comment.path == "/github/repos/acme/widgets/issues/7/comments"
    # A public reply: no other account of theirs is named.
    assert comment.json()["body"] == "Linked. The code is used up; you may delete your comment."
    people = People(services.store, services.clock)
    assert people.accounts("github", "583231") == [("github", "583231"), ("slack", ADA)]
    assert code not in everything(services.store).upper()
    assert github_comment(services, f"devrel link {code}", login="mallory", user_id=666) == 202  # used already
    work(services)
    assert received[-1].json()["body"].startswith("That code can't be used.")
    assert people.person_of("github", "666") is None


def test_a_link_code_is_in_no_queue_message_and_no_log_line(
        services: Services, platforms: tuple[str, list[Received]], queue: Queue,
        caplog: pytest.LogCaptureFixture) -> None:
    """Queue messages outlive the code (a dead-letter queue keeps them for days): they carry its digest."""
    caplog.set_level(logging.DEBUG)
    services.queue = queue  # the edge's SQLite queue and SQS (with its dead-letter queue) on moto's server
    url, received = platforms
    people = People(services.store, services.clock)
    redeem = {"discord": lambda code: discord_command(services, "link", [{"name": "code", "type": 3, "value": code}]),
              "telegram": lambda code: telegram_command(services, f"/link {code}"),
              "github": lambda code: github_comment(services, f"devrel link {code}")}
    for platform, post in redeem.items():
        slack_command(services, url, "link")
        bodies = work(services)
        code = re.search(r"`([A-Z2-9]{8})`", said(received)).group(1)  # type: ignore[union-attr]
        post(code.lower())
        bodies += work(services)
        assert len(bodies) == 2 and all(code not in body.upper() for body in bodies), platform
        assert code not in caplog.text.upper()
        assert any(account[0] == platform for account in people.accounts("slack", ADA)), platform


def test_a_new_conversation_starts_from_the_persons_latest_one_on_a_linked_account(
        services: Services, platforms: tuple[str, list[Received]]) -> None:
    url, received = platforms

    def ask_on_discord(question: str, user: str = ADA_DISCORD) -> list[dict[str, Any]]:
        discord_command(services, "", user=user, data={"name": "ask", "type": 1, "options": [
            {"name": "question", "type": 3, "value": question}]})
        work(services)
        model = [r for r in received if r.path.endswith("/chat/completions")][-1]
        return list(model.json()["messages"])

    slack_command(services, url, "ask How do I configure the widget cache?")
    slack_command(services, url, "ask Is there a dark theme?", user=BOB)
    work(services)
    stranger = ask_on_discord("And on Windows?", user="4242")
    assert [m["role"] for m in stranger] == ["system", "user"]  # nothing carried to someone else

    link_slack_and_discord(services, url, received)
    messages = ask_on_discord("And on Windows?")
    carried = [(m["role"], m["content"]) for m in messages[1:-1]]
    assert carried == [("user", "How do I configure the widget cache?"),
                       ("assistant", "About 'How do I configure the widget cache?': see docs.")]
    assert not any("dark theme" in str(m["content"]) for m in messages)  # Bob's, not Ada's

    slack_command(services, url, "forget")
    slack_command(services, url, "forget confirm")
    work(services)
    left = everything(services.store)
    turns = [line for line in left.splitlines() if line.startswith('["thread#')]
    assert not any("widget cache" in line for line in turns) and any("dark theme" in line for line in turns)
    assert f"account-threads#slack:{ADA.lower()}" not in left and f"account-threads#discord:{ADA_DISCORD}" not in left
    assert "account-threads#slack:u0bob77" in left


def test_profile_shows_interests_inferred_from_their_linked_github_account_with_the_evidence(
        services: Services, platforms: tuple[str, list[Received]]) -> None:
    url, received = platforms
    contribute_on_github(services)
    reviewed = [r.path for r in received if r.path.startswith("/github/repos/acme/widgets/pulls/8")]
    assert "/github/repos/acme/widgets/pulls/8/files" in reviewed  # the paths come from the review's read
    link_slack_and_discord(services, url, received)
    slack_command(services, url, "profile")
    work(services)
    assert "inferred" not in said(received)  # her GitHub account is not linked yet: nothing of it is read

    slack_command(services, url, "link")
    work(services)
    code = re.search(r"`([A-Z2-9]{8})`", said(received)).group(1)  # type: ignore[union-attr]
    assert github_comment(services, f"devrel link {code}", login=ADA_LOGIN, user_id=ADA_GITHUB) == 202
    work(services)
    slack_command(services, url, "profile")
    work(services)
    lines = said(received).splitlines()
    assert "- interests: not set" in lines  # nothing stated; what is inferred is listed apart
    start = lines.index("Interests inferred from your contributions (used until you set yours):")
    assert lines[start + 1:start + 6] == [
        "- docs: 1 merged pull request touching *.md, docs/",
        "- python: 1 merged pull request touching *.py",
        "- widgets: 1 merged pull request touching src/widgets/",
        "- cli: 1 issue you opened labelled cli",  # added by the maintainer: still her issue's label
        "- documentation: 1 issue you opened labelled documentation"]
    assert lines[start + 6] == ("To replace them, send `/devrel profile set interests=docs,python,widgets,cli,"
                                "documentation` with your own; `/devrel profile set interests=none` turns this "
                                "inference off.")
    assert "rust" not in said(received)  # Bob's issue

    # In French on her linked Discord account; `none` turns it off, a cleared value brings it back.
    slack_command(services, url, "profile set language=fr")
    discord_command(services, "profile", [{"name": "set", "type": 3, "value": "interests=none"}])
    work(services)
    off = said(received)
    assert "- interests: aucun (non déduits de vos contributions ; `/devrel profile set:interests=` les déduit" \
        in off and "- docs:" not in off
    slack_command(services, url, "profile set interests=rust, wasm")
    work(services)
    stated = said(received).splitlines()
    assert "- interests: rust, wasm" in stated
    start = stated.index("Centres d'intérêt déduits de vos contributions (non utilisés : ceux que vous avez "
                         "définis priment) :")
    assert stated[start + 1] == "- docs: 1 pull request fusionnée touchant *.md, docs/"

    slack_command(services, url, "forget")
    slack_command(services, url, "forget confirm")
    work(services)
    left = everything(services.store)
    assert str(ADA_GITHUB) not in left and "contributions#github:4242" in left  # hers gone, Bob's kept
