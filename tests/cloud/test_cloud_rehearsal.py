"""The cloud rehearsal: signed platform requests, delivered as API Gateway delivers them, through the
functions as `sam build` packages them, the template's resources on moto, OpenSearch Serverless and
the model endpoints as local stand-ins, to the reply arriving at the platform's API.

The first test in a session pays for `sam build` (about two minutes on two cores) and the stand-ins
(seconds); each function's first invocation is a cold start. Tests use their own delivery ids and
issue numbers, so they do not depend on each other's order.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest

from e2e.test_serve_release import APPROVAL_CHANNEL, RELEASE_ID
from e2e.test_serve_release import REPO as RELEASE_REPOSITORY
from support.cloud_world import (
    BOT_LOGIN,
    DIGEST_CHANNEL,
    DISCORD_APPLICATION_ID,
    DISCORD_KEY,
    KNOWLEDGE_SOURCE,
    PROJECT_REPOSITORY,
    RELEASE_CATEGORY,
    STALE_REPOSITORIES,
    TELEGRAM_BOT_USERNAME,
    Cloud,
)
from support.github_pulls import (
    AWS_KEY,
    HEAD_MODULE,
    GitPullsStandIn,
    assert_on_added_lines,
    new_repository,
    open_pull,
    pull_request_payload,
    push,
    summary_of,
)
from support.lambda_rehearsal import map_tmp
from support.stale_github import GithubStandIn as StaleGithubStandIn

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEVREL = Path(sys.executable).with_name("devrel")
T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = 120.0, interval: float = 0.2) -> T:
    """Poll `probe` until it returns something truthy (what asynchronous delivery needs); the last
    value otherwise. The timeout only bounds a hang, it asserts nothing."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = probe()
    return value


def table_strings(cloud: Cloud) -> list[str]:
    """Every string stored in the table (any attribute, nested or JSON-encoded)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "S":
                    found.append(inner)
                    if inner[:1] in "{[":
                        with contextlib.suppress(ValueError):
                            walk(json.loads(inner))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, str):
            found.append(value)

    paginator = cloud.client("dynamodb").get_paginator("scan")
    for page in paginator.paginate(TableName=cloud.stack.refs["Table"]):
        walk(page["Items"])
    return found


def log_tail(cloud: Cloud, function_id: str, chars: int = 4000) -> str:
    """The end of a function's log, for a failure message (the scratch folder may be gone later)."""
    return f"\n--- {function_id} log ---\n" + cloud.rehearsal.processes[function_id].logs()[-chars:]


def no_secret_in_logs(cloud: Cloud) -> None:
    logs = cloud.rehearsal.logs()
    leaked = [name for name, value in cloud.secrets.items() if value and len(value) > 8 and value in logs]
    assert leaked == [], f"secrets in the function logs: {leaked}"


# --- signed requests, as the platforms send them ----------------------------------------------------------


def github_delivery(cloud: Cloud, event: str, payload: dict[str, Any], delivery: str | None = None
                    ) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    secret = cloud.secrets["github_webhook_secret"].encode()
    return body, {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/rehearsal",
        "x-github-event": event,
        "x-github-delivery": delivery or str(uuid.uuid4()),
        "x-hub-signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
    }


def slack_request(cloud: Cloud, body: bytes, content_type: str = "application/json", **extra: str
                  ) -> dict[str, str]:
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(cloud.secrets["slack_signing_secret"].encode(), base, hashlib.sha256).hexdigest()
    return {"content-type": content_type, "x-slack-request-timestamp": timestamp,
            "x-slack-signature": f"v0={digest}", **extra}


def discord_request(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = DISCORD_KEY.sign(timestamp.encode() + body).signature.hex()
    return {"content-type": "application/json", "x-signature-ed25519": signature, "x-signature-timestamp": timestamp}


def discourse_request(cloud: Cloud, body: bytes) -> dict[str, str]:
    secret = cloud.secrets["discourse_webhook_secret"].encode()
    return {
        "content-type": "application/json",
        "x-discourse-event": "post_created",
        "x-discourse-event-type": "post",
        "x-discourse-event-id": str(uuid.uuid4()),
        "x-discourse-event-signature": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
    }


# --- the knowledge index, filled by the scheduled re-index --------------------------------------------------


@pytest.fixture(scope="module")
def indexed(cloud: Cloud) -> dict[str, Any]:
    """The re-index schedule run once over a small project placed in its target folder."""
    reindex = cloud.rehearsal.processes["ReindexFunction"]
    source = Path(map_tmp(KNOWLEDGE_SOURCE, reindex.tmp))
    (source / "docs").mkdir(parents=True, exist_ok=True)
    (source / "docs" / "install.md").write_text(
        "# Installing widget\n\n## From PyPI\n\nInstall the command-line tool with `pip install widget-cli`. "
        "It needs Python 3.10 or later.\n\n## Configuration\n\nSet `WIDGET_TIMEOUT` to change the request "
        "timeout (30 seconds by default).\n")
    (source / "widget.py").write_text(
        'DEFAULT_TIMEOUT = 30\n\n\ndef fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:\n'
        '    """Download url, giving up after timeout seconds."""\n    raise NotImplementedError\n')
    report: dict[str, Any] = cloud.rehearsal.scheduled("ReindexFunction")
    # OpenSearch Serverless makes writes searchable after a while; the stand-in does it now.
    cloud.aoss.settle()
    return report


def test_the_reindex_schedule_embeds_the_targets_into_the_serverless_collection(
    cloud: Cloud, indexed: dict[str, Any]
) -> None:
    [report] = indexed["reindexed"]
    assert report["files_changed"] == 2 and report["chunks"] >= 2
    assert all(request.authorized for request in cloud.embeddings.requests)
    assert any(request.inputs for request in cloud.embeddings.requests)
    written = [entry for entry in cloud.aoss.log if entry.method in ("POST", "PUT") and entry.status < 300]
    assert written and cloud.aoss.rejected() == []
    again = cloud.rehearsal.scheduled("ReindexFunction")
    assert again["reindexed"][0]["files_changed"] == 0  # incremental: nothing changed
    no_secret_in_logs(cloud)


# --- (i) GitHub: an opened issue is triaged -------------------------------------------------------------------


def test_an_opened_issue_is_triaged_through_the_queue_and_the_state_machine(cloud: Cloud) -> None:
    payload = json.loads((FIXTURES / "github" / "issues.opened.15.json").read_text())
    number = 7001
    payload["issue"].update({
        "number": number, "title": "Crash when saving a file",
        "body": ("Using version 2.3.1 on Python 3.11.\n\nSteps to reproduce:\n1. run `tool sync`\n2. press save\n\n"
                 "Expected the file to be saved, but instead it crashes with:\nTraceback (most recent call last):\n"
                 "  File \"x.py\", line 1\nValueError: bad header"),
        "html_url": f"https://github.com/{PROJECT_REPOSITORY}/issues/{number}", "labels": [],
    })
    payload["repository"]["full_name"] = PROJECT_REPOSITORY
    body, headers = github_delivery(cloud, "issues", payload)
    first = cloud.rehearsal.http("POST", "/github/webhook", body, headers)
    assert first.status == 202
    # GitHub redelivers the same delivery (same id) when it saw no answer in time.
    assert cloud.rehearsal.http("POST", "/github/webhook", body, headers).status in (200, 202)

    def started() -> list[str]:
        return [arn for arn in cloud.rehearsal.started_executions("TriageStateMachine") if str(number) in arn]

    executions = eventually(started)
    assert len(executions) == 1, executions
    finished = cloud.rehearsal.wait_for_execution(executions[0])
    assert finished is not None and finished.status == "SUCCEEDED", \
        f"{finished}{log_tail(cloud, 'TriageTasksFunction')}"
    github = cloud.platforms.github
    assert "bug" in github.labels
    comments = [c["body"] for c in github.comments]
    assert len(comments) == 1 and "**bug**" in comments[0]
    auth = {call.headers.get("authorization") for call in cloud.platforms.github_calls}
    assert auth == {f"token {cloud.secrets['github_token']}"}
    # The delivery was remembered in the table (idempotency).
    assert any(headers["x-github-delivery"] in text for text in table_strings(cloud))
    no_secret_in_logs(cloud)


def test_maintainers_see_what_triage_did_on_the_dashboard_and_nobody_else_does(cloud: Cloud) -> None:
    """The activity log from the cloud's table, through the API function of the build output."""
    payload = json.loads((FIXTURES / "github" / "issues.opened.15.json").read_text())
    number = 7002
    payload["issue"].update({
        "number": number, "title": "Export to SVG fails", "labels": [],
        "body": ("Using version 2.3.1 on Python 3.11.\n\nSteps to reproduce:\n1. run `tool export --svg`\n\n"
                 "Expected an SVG file, but instead it crashes with:\nTraceback (most recent call last):\n"
                 "  File \"x.py\", line 1\nValueError: bad header"),
        "html_url": f"https://github.com/{PROJECT_REPOSITORY}/issues/{number}",
    })
    payload["repository"]["full_name"] = PROJECT_REPOSITORY
    body, headers = github_delivery(cloud, "issues", payload)
    assert cloud.rehearsal.http("POST", "/github/webhook", body, headers).status == 202

    assert cloud.rehearsal.http("GET", "/api/activity?days=7").status == 401
    assert cloud.rehearsal.http("GET", "/api/activity?days=7", headers={"authorization": "Bearer wrong"}).status == 401
    admin = {"authorization": f"Bearer {cloud.secrets['api_admin_token']}"}

    def triaged() -> list[dict[str, Any]]:
        seen = cloud.rehearsal.http("GET", "/api/activity?days=7&platform=github", headers=admin)
        assert seen.status == 200
        actions = [action for action in json.loads(seen.body)["actions"]
                   if action["target"].endswith(f"/issues/{number}")]
        return actions if {action["kind"] for action in actions} >= {"comment", "label"} else []

    mine = eventually(triaged, interval=1.0)
    assert mine, "triage left no comment and label in the activity log"
    assert {action["status"] for action in mine} == {"posted"}
    page = cloud.rehearsal.http("GET", "/dashboard")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    widget = cloud.rehearsal.http("GET", "/widget.js")
    assert widget.status == 200 and "javascript" in widget.headers["content-type"]


def test_a_forged_github_delivery_is_rejected_and_nothing_is_queued(cloud: Cloud) -> None:
    payload = json.loads((FIXTURES / "github" / "issues.opened.15.json").read_text())
    body, headers = github_delivery(cloud, "issues", payload)
    headers["x-hub-signature-256"] = "sha256=" + "0" * 64
    assert cloud.rehearsal.http("POST", "/github/webhook", body, headers).status == 401
    assert not any(headers["x-github-delivery"] in text for text in table_strings(cloud))


# --- the trained triage model, published to the artifacts bucket -----------------------------------------------


def _labelled_issues(path: Path) -> None:
    """Two labels told apart by cue words the keyword classifier does not know, among shared words,
    so only a trained model labels the test issue (and calibrates a threshold below certainty)."""
    chooser = random.Random(7)
    shared = ["panel", "layout", "screen", "window", "theme", "colour", "border", "margin", "shadow", "corner",
              "icon", "toolbar", "sidebar"]
    cues = {"enhancement": ["zebra", "stripe", "gradient", "striped", "palette"],
            "question": ["giraffe", "neck", "tall", "spacing", "spotted"]}
    rows = ["label,title,body"]
    for _ in range(40):
        for label, words in cues.items():
            title = " ".join(chooser.sample(words, 2) + chooser.sample(shared, 2))
            body = " ".join(chooser.sample(shared, 6) + chooser.sample(words, 2))
            rows.append(f"{label},{title},{body}")
    path.write_text("\n".join(rows) + "\n")


def test_a_model_published_with_devrel_train_is_what_triage_uses(cloud: Cloud, tmp_path: Path) -> None:
    """README step 4 against the stack: `devrel train --publish` to the artifacts bucket, then a new
    issue is labelled by that model (the keyword classifier would abstain on it)."""
    data = tmp_path / "labelled.csv"
    _labelled_issues(data)
    bucket = cloud.stack.refs["ArtifactsBucket"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DEVREL_", "AWS_"))}
    env.update({"DEVREL_ARTIFACTS_BUCKET": bucket, "DEVREL_REGION": cloud.rehearsal.region,
                "DEVREL_AWS_ENDPOINT_URL": cloud.endpoint, "AWS_ACCESS_KEY_ID": "operator",
                "AWS_SECRET_ACCESS_KEY": "operator", "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    trained = subprocess.run(
        [str(DEVREL), "train", "--data", str(data), "--out", str(tmp_path / "triage-model"), "--publish",
         "--no-embeddings", "--data-dir", str(tmp_path / "data")],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert trained.returncode == 0, trained.stderr[-3000:]
    s3 = cloud.client("s3")
    published = [obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket, Prefix="triage-model/").get("Contents", [])]
    assert published
    try:
        payload = json.loads((FIXTURES / "github" / "issues.opened.15.json").read_text())
        number = 7101
        payload["issue"].update({"number": number, "title": "Zebra stripe palette for the sidebar",
                                 # Long enough to be a complete feature request (no follow-up wait).
                                 "body": "A striped zebra gradient palette would suit the sidebar theme. The zebra "
                                         "stripe palette sits next to the toolbar icons, with a striped gradient on "
                                         "each panel border and a zebra pattern on the window corner shadow.",
                                 "labels": []})
        payload["repository"]["full_name"] = PROJECT_REPOSITORY
        body, headers = github_delivery(cloud, "issues", payload)
        assert cloud.rehearsal.http("POST", "/github/webhook", body, headers).status == 202
        [execution] = eventually(lambda: [arn for arn in cloud.rehearsal.started_executions("TriageStateMachine")
                                          if f"-{number}-" in arn])
        finished = cloud.rehearsal.wait_for_execution(execution)
        assert finished is not None and finished.status == "SUCCEEDED", \
            f"{finished}{log_tail(cloud, 'TriageTasksFunction')}"
        classification = finished.output["classification"]["result"]
        assert (classification["type"], classification["abstained"]) == ("feature", False), classification
    finally:
        # Later issues in this session are triaged without it: remove it and recycle the warm
        # sandbox that cached it (a new container would start without the cache).
        for key in published:
            s3.delete_object(Bucket=bucket, Key=key)
        cloud.rehearsal.processes["TriageTasksFunction"].stop()


# --- (ii) Slack: a mention answered from the index --------------------------------------------------------------


def test_a_slack_mention_is_answered_once_from_the_index_with_citations(
    cloud: Cloud, indexed: dict[str, Any]
) -> None:
    payload = json.loads((FIXTURES / "slack" / "events__valid_event_body.json").read_text())
    ts = f"{time.time():.6f}"
    payload["event_id"] = f"Ev{uuid.uuid4().hex[:10]}"
    payload["event"].update(ts=ts, event_ts=ts, text="<@W111> how do I install the command-line tool?")
    body = json.dumps(payload).encode()
    for retry in range(3):  # Slack re-sends when the ack is slow
        extra = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"} if retry else {}
        assert cloud.rehearsal.http("POST", "/slack/events", body, slack_request(cloud, body, **extra)).status == 200

    def replies() -> list[Any]:
        return [call for call in cloud.platforms.api.received("/slack/api/chat.postMessage")
                if call.json().get("thread_ts") == ts]

    [reply] = eventually(replies)
    sent = reply.json()
    assert reply.headers["authorization"] == f"Bearer {cloud.secrets['slack_bot_token']}"
    text = json.dumps(sent["blocks"]) + sent.get("text", "")
    assert "pip install widget-cli" in text
    assert "install.md" in text  # the citation points into the indexed source
    eventually(lambda: False, timeout=3)  # past a visibility timeout: nothing is posted twice
    assert len(replies()) == 1
    no_secret_in_logs(cloud)


# --- (iii) Discord: /ask is deferred, then followed up -------------------------------------------------------------


def test_a_discord_ask_is_deferred_then_followed_up(cloud: Cloud, indexed: dict[str, Any]) -> None:
    ping = (FIXTURES / "discord" / "interactions-js__ping.json").read_bytes()
    assert cloud.rehearsal.http("POST", "/discord/interactions", ping, discord_request(ping)).json() == {"type": 1}
    interaction = json.loads((FIXTURES / "discord" / "application-commands__03__example-interaction.json").read_text())
    token = f"rehearsal-token-{uuid.uuid4().hex[:8]}"
    interaction.update(id=str(uuid.uuid4().int)[:19], application_id=DISCORD_APPLICATION_ID, token=token)
    interaction["data"] = {"type": 1, "name": "ask", "id": "1",
                           "options": [{"type": 3, "name": "question", "value": "How do I set the request timeout?"}]}
    body = json.dumps(interaction).encode()
    answer = cloud.rehearsal.http("POST", "/discord/interactions", body, discord_request(body))
    assert (answer.status, answer.json()) == (200, {"type": 5})  # deferred: "thinking..."

    original = f"/discord/api/v10/webhooks/{DISCORD_APPLICATION_ID}/{token}/messages/@original"
    [edit] = eventually(lambda: cloud.platforms.api.received(original))
    assert edit.method == "PATCH"
    content = edit.json()["content"]
    assert content and len(content) <= 2000
    assert "WIDGET_TIMEOUT" in content
    no_secret_in_logs(cloud)


# --- (iv) Telegram: a mention in a group answered as a reply ----------------------------------------------------


def telegram_update(cloud: Cloud, update: dict[str, Any], secret: str | None) -> Any:
    """POST an update as Telegram does: JSON, with the secret registered by setWebhook in a header
    (None: without the header)."""
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["x-telegram-bot-api-secret-token"] = secret
    return cloud.rehearsal.http("POST", "/telegram/webhook", json.dumps(update).encode(), headers,
                                source_ip="149.154.167.220")


def test_a_telegram_mention_in_a_group_is_answered_once_as_a_reply_from_the_index(
    cloud: Cloud, indexed: dict[str, Any]
) -> None:
    update = json.loads((FIXTURES / "telegram" / "message_with_entities.json").read_text())
    update_id = random.randrange(10**8, 10**9)
    mention = f"@{TELEGRAM_BOT_USERNAME}"
    # In a group the assistant answers only when mentioned by the username the template was given.
    update["update_id"] = update_id
    update["message"].update(
        chat={"id": -1001234567890, "type": "supergroup", "title": "Widget users"}, message_id=4242,
        text=f"{mention} how do I install the command-line tool?",
        entities=[{"type": "mention", "offset": 0, "length": len(mention)}])
    forged = {**update, "update_id": update_id + 1}
    assert telegram_update(cloud, forged, "not-the-secret").status == 401
    assert telegram_update(cloud, forged, None).status == 401
    secret = cloud.secrets["telegram_webhook_secret"]
    first = telegram_update(cloud, update, secret)
    assert first.status == 200
    # The webhook's answer is a Bot API call of its own: "typing..." in the group, at once.
    assert first.json() == {"method": "sendChatAction", "chat_id": -1001234567890, "action": "typing"}
    for _ in range(2):  # Telegram re-sends an update until it is acknowledged: no second "typing"
        again = telegram_update(cloud, update, secret)
        assert (again.status, again.json()) == (200, {})

    api, token = cloud.platforms.telegram, cloud.secrets["telegram_bot_token"]

    def replies() -> list[tuple[str, dict[str, Any]]]:
        with api.lock:
            return [call for call in api.calls if call[0].endswith("/sendMessage")]

    [(path, sent)] = eventually(replies)
    assert path == f"/bot{token}/sendMessage"
    assert sent["chat_id"] == -1001234567890 and sent["parse_mode"] == "MarkdownV2"
    assert sent["reply_parameters"]["message_id"] == 4242
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"fb:up:update:{update_id}"
    # MarkdownV2 escapes punctuation outside code; the quoted passage and its citation are there.
    text = sent["text"].replace("\\", "")
    assert "pip install widget-cli" in text and "install.md" in text, sent["text"]
    eventually(lambda: False, timeout=3)  # past a visibility timeout: nothing is sent twice
    assert len(replies()) == 1
    strings = table_strings(cloud)
    assert any(str(update_id) in text for text in strings)  # de-duplicated on update_id
    assert not any(str(update_id + 1) in text for text in strings)  # the forged one stored nothing

    # The asker presses "Helpful" under the answer: acknowledged in the webhook's own response, the
    # vote kept by the worker against the answered update.
    [[helpful, _]] = sent["reply_markup"]["inline_keyboard"]
    press = {"update_id": update_id + 2, "callback_query": {
        "id": f"rehearsal-{update_id}", "from": update["message"]["from"], "data": helpful["callback_data"],
        "chat_instance": "-8420954737429301876",
        "message": {"message_id": 5000, "date": int(time.time()), "chat": update["message"]["chat"]}}}
    pressed = telegram_update(cloud, press, secret)
    assert (pressed.status, pressed.json()) == (200, {"method": "answerCallbackQuery",
                                                      "callback_query_id": f"rehearsal-{update_id}",
                                                      "text": "Thanks for the feedback!"})

    def votes() -> list[dict[str, Any]]:
        items = cloud.client("dynamodb").query(
            TableName=cloud.stack.refs["Table"], KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "feedback#telegram"}})["Items"]
        return [json.loads(item["data"]["S"]) for item in items if item["sk"]["S"].endswith(f"update:{update_id + 2}")]

    [vote] = eventually(votes)
    assert vote == {"vote": "up", "thread": "-1001234567890", "actor": "1111111", "answer": f"update:{update_id}"}
    no_secret_in_logs(cloud)


# --- (v) schedules: the weekly digest ---------------------------------------------------------------------------


def test_the_weekly_digest_is_posted_to_its_slack_channel_and_kept(cloud: Cloud) -> None:
    result = cloud.rehearsal.scheduled("DigestFunction")
    posts = [call.json() for call in cloud.platforms.api.received("/slack/api/chat.postMessage")
             if call.json().get("channel") == DIGEST_CHANNEL]
    assert len(posts) == 1
    assert result["text"].startswith("*Weekly community digest*") or result["text"].startswith("Weekly digest")
    assert posts[0]["text"] == result["text"]
    # Kept for the API as well: some item of the table holds the text.
    assert any(result["text"] in text for text in table_strings(cloud))


# --- failures end in the dead-letter queue ---------------------------------------------------------------------------


def test_a_reply_that_never_gets_through_ends_in_the_dead_letter_queue(cloud: Cloud) -> None:
    cloud.platforms.api.fail["/discourse/posts.json"] = 10_000
    topic = 90_000 + int(time.time()) % 10_000
    body = json.dumps({"post": {"id": topic, "username": "alice", "raw": "How do I configure the cache?",
                                "post_number": 1, "post_type": 1, "topic_id": topic,
                                "topic_title": "Cache configuration", "user_id": 12}}).encode()
    try:
        assert cloud.rehearsal.http("POST", "/discourse/webhook", body, discourse_request(cloud, body)).status == 200
        sqs = cloud.client("sqs")

        def dead_letters() -> list[dict[str, Any]]:
            got = sqs.receive_message(QueueUrl=cloud.stack.refs["WorkDeadLetterQueue"], MaxNumberOfMessages=10,
                                      VisibilityTimeout=0, AttributeNames=["All"])
            return [m for m in got.get("Messages") or [] if str(topic) in m["Body"]]

        [dead] = eventually(dead_letters, timeout=180)
        # maxReceiveCount from the template: five deliveries to the worker, then the dead-letter queue.
        assert int(dead["Attributes"]["ApproximateReceiveCount"]) >= 5
        posts = [c for c in cloud.platforms.api.received("/discourse/posts.json") if c.json()["topic_id"] == topic]
        assert len(posts) >= 5
    finally:
        cloud.platforms.api.fail["/discourse/posts.json"] = 0


def test_bot_login_is_configured_from_the_template_parameter(cloud: Cloud) -> None:
    worker = cloud.rehearsal.processes["WorkerFunction"].environment()
    assert worker["DEVREL_GITHUB_BOT_LOGIN"] == BOT_LOGIN
    assert worker["DEVREL_DATA_DIR"].startswith(str(cloud.rehearsal.processes["WorkerFunction"].tmp))


# --- (vi) GitHub: a pull request gets its first-pass review ---------------------------------------------------


@pytest.fixture(scope="module")
def pulls(cloud: Cloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitPullsStandIn]:
    """The project's repository as git, serving its pull requests at the GitHub stand-in's address.
    Its `.github/devrel.yml` turns the model's comments off: the rehearsal's model (SmolLM2-135M)
    takes about a minute a review and the filter keeps none of its comments (README, PR review)."""
    stand_in = new_repository(tmp_path_factory.mktemp("pulls") / "hello-world",
                              {".github/devrel.yml": "review:\n  model_comments: false\n"})
    stand_in.url = cloud.platforms.github.url
    cloud.platforms.pulls = stand_in
    yield stand_in
    cloud.platforms.pulls = None


def test_a_pull_request_gets_one_review_then_only_new_findings_and_the_summary_edited(
    cloud: Cloud, pulls: GitPullsStandIn
) -> None:
    number = 7201

    def deliver(action: str, head: str) -> None:
        payload = pull_request_payload(pulls, number, action, head)
        body, headers = github_delivery(cloud, "pull_request", payload)
        assert cloud.rehearsal.http("POST", "/github/webhook", body, headers).status == 202

    head = open_pull(pulls, number, {"notes/io.py": HEAD_MODULE})
    deliver("opened", head)
    assert eventually(lambda: pulls.reviews and pulls.comments), f"no review{log_tail(cloud, 'WorkerFunction')}"
    [review] = pulls.reviews
    assert review["event"] == "COMMENT" and review["commit_id"] == head
    assert_on_added_lines(pulls, review)
    # The unused import is ruff's (from the full layer): lint runs in the cloud as at the edge.
    checks = sorted((c["path"], c["line"], c["body"].rsplit("`", 2)[-2]) for c in review["comments"])
    assert checks == [("notes/io.py", 2, "lint:F401"), ("notes/io.py", 16, "swallowed-error"),
                      ("notes/io.py", 20, "secret")]
    summary = summary_of(pulls)
    assert "**Risk:** high" in summary and "ruff" in summary
    posted = json.dumps(pulls.reviews) + summary
    assert AWS_KEY not in posted and cloud.secrets["github_token"] not in posted

    # A push adding one more problem: only it is posted, and the summary is the same comment, edited.
    head = push(pulls, number, {"notes/io.py": HEAD_MODULE + "\n\ndef wipe(path):\n    try:\n        path.unlink()\n"
                                                            "    except:\n        raise\n"})
    deliver("synchronize", head)
    assert eventually(lambda: len(pulls.reviews) == 2 and pulls.edits), log_tail(cloud, "WorkerFunction")
    second = pulls.reviews[1]
    assert second["event"] == "COMMENT" and second["commit_id"] == head
    assert [(c["path"], c["line"]) for c in second["comments"]] == [("notes/io.py", 26)]
    assert "bare-except" in second["comments"][0]["body"]
    assert_on_added_lines(pulls, second)
    assert len(pulls.comments) == 1 and pulls.edits == [next(iter(pulls.comments))]

    # The same push delivered again (a new delivery id): reviewed once, remembered in the table.
    deliver("synchronize", head)
    eventually(lambda: False, timeout=4)
    assert len(pulls.reviews) == 2 and len(pulls.edits) == 1
    assert all("APPROVE" not in write for write in pulls.writes)
    no_secret_in_logs(cloud)


# --- (vii) schedules: the daily stale sweep ---------------------------------------------------------------------


def test_the_daily_stale_sweep_reminds_then_marks_and_a_dry_run_only_records(cloud: Cloud) -> None:
    """StaleRepositories from the template: one repository acting on its policy, one in dry run. Issue 1
    of each waits on its author for 40 days; the others were active yesterday."""
    live, dry = STALE_REPOSITORIES
    now, api = time.time(), f"{cloud.platforms.url}/github"
    # The one compression of time: the label follows the reminder after two seconds, not seven days.
    github = {live: StaleGithubStandIn(3, now, live, "stale:\n  mark_after_days: 0.00002\n", url=api),
              dry: StaleGithubStandIn(3, now, dry, "stale:\n  dry_run: true\n", url=api)}
    cloud.platforms.stale.update(github)
    try:
        first = cloud.rehearsal.scheduled("StaleSweepFunction")
        assert [(r["repository"], r["items"], r["candidates"], r["decisions"]) for r in first["swept"]] == [
            (live, 3, 1, {"remind": 1}), (dry, 3, 1, {"remind": 1})]
        [(number, reminder)] = github[live].comments
        assert number == 1 and "friendly reminder" in reminder and "@alice" in reminder
        assert github[live].labels == [] and github[dry].comments == [] and github[dry].labels == []

        eventually(lambda: False, timeout=2.5)
        second = cloud.rehearsal.scheduled("StaleSweepFunction")
        # The reminder was remembered in the table: no second one, the label instead; a dry run
        # remembers nothing, so it would remind again.
        assert [r["decisions"] for r in second["swept"]] == [{"mark": 1}, {"remind": 1}]
        assert github[live].labels == [(1, ["stale"])] and len(github[live].comments) == 1
        assert github[dry].comments == [] and github[dry].labels == []
    finally:
        for repository in github:
            cloud.platforms.stale.pop(repository)

    admin = {"authorization": f"Bearer {cloud.secrets['api_admin_token']}"}
    seen = cloud.rehearsal.http("GET", "/api/activity?days=7&platform=github", headers=admin)
    assert seen.status == 200
    decisions = sorted((a["target"], a["kind"], a["status"]) for a in seen.json()["actions"]
                       if "/stale-" in a["target"])
    assert decisions == [(f"https://github.com/{dry}/issues/1", "nudge", "dry-run")] * 2 + [
        (f"https://github.com/{live}/issues/1", "label", "posted"),
        (f"https://github.com/{live}/issues/1", "nudge", "posted")]
    dry_run = next(a for a in seen.json()["actions"] if a["target"] == f"https://github.com/{dry}/issues/1")
    assert dry_run["reason"] == "stale sweep: waiting on the author for 40 days"


# --- (viii) a release: drafted, approved in Slack, published ----------------------------------------------------


def test_a_draft_release_is_approved_in_slack_then_published_and_announced(cloud: Cloud) -> None:
    """release.created (a draft) -> the worker starts the release state machine -> ReleaseTasks drafts
    the notes and posts them for approval, the execution waiting on its task token -> a signed Approve
    click -> the worker's SendTaskSuccess -> Publish: the release's body, then the announcement."""
    api = cloud.platforms.release
    payload = {"action": "created", "repository": {"full_name": RELEASE_REPOSITORY, "name": "widget", "id": 1},
               "release": {"id": RELEASE_ID, "tag_name": "v2.0", "target_commitish": "main", "draft": True,
                           "name": "Widget 2.0", "body": "",
                           "html_url": f"https://github.com/{RELEASE_REPOSITORY}/releases/tag/untagged-abc"},
               "sender": {"login": "maria", "id": 5, "type": "User"}}
    body, headers = github_delivery(cloud, "release", payload)
    assert cloud.rehearsal.http("POST", "/github/webhook", body, headers).status == 202
    [execution] = eventually(lambda: cloud.rehearsal.started_executions("ReleaseStateMachine"))

    def approval_requests() -> list[dict[str, Any]]:
        with api.lock:
            return [post for post in api.slack_posts if post["channel"] == APPROVAL_CHANNEL]

    posted = eventually(approval_requests)
    assert posted, f"no approval request{log_tail(cloud, 'ReleaseTasksFunction')}"
    request = posted[0]
    assert "CSV export" in request["text"] and "<!everyone>" not in request["text"]
    [buttons] = [block for block in request["blocks"] if block.get("block_id") == "release_approval"]
    approve = next(element for element in buttons["elements"] if element["action_id"] == "release_approve")
    message_ts = api.slack_ts[api.slack_posts.index(request)]
    waiting = cloud.rehearsal.execution(execution)
    assert waiting is not None and waiting.status == "RUNNING"  # on its task token
    assert api.release_edits == []  # the commit asking to be approved approved nothing

    click = {"type": "block_actions", "user": {"id": "U42", "username": "maria", "team_id": "T1"},
             "team": {"id": "T1"}, "trigger_id": f"trig-{uuid.uuid4()}", "response_url": "",
             "container": {"type": "message", "channel_id": APPROVAL_CHANNEL, "message_ts": message_ts},
             "channel": {"id": APPROVAL_CHANNEL},
             "actions": [{"action_id": "release_approve", "value": approve["value"], "type": "button",
                          "action_ts": f"{time.time():.6f}"}]}
    form = urlencode({"payload": json.dumps(click)}).encode()
    signed = slack_request(cloud, form, "application/x-www-form-urlencoded")
    forged = {**signed, "x-slack-signature": "v0=" + "0" * 64}
    assert cloud.rehearsal.http("POST", "/slack/interactivity", form, forged).status == 401
    assert cloud.rehearsal.http("POST", "/slack/interactivity", form, signed).status == 200

    finished = cloud.rehearsal.wait_for_execution(execution)
    assert finished is not None and finished.status == "SUCCEEDED", \
        f"{finished}{log_tail(cloud, 'ReleaseTasksFunction')}{log_tail(cloud, 'WorkerFunction')}"
    assert cloud.rehearsal.task_callbacks == [("SendTaskSuccess", "ok")]
    assert "published" in finished.output and "declined" not in finished.output
    [edit] = api.release_edits
    assert edit["draft"] is False and "CSV export" in edit["body"] and "Parse empty headers" in edit["body"]
    assert "@everyone" not in edit["body"]
    link = f"https://github.com/{RELEASE_REPOSITORY}/releases/tag/v2.0"
    [announced] = [call.json() for call in cloud.platforms.api.received("/slack/api/chat.postMessage")
                   if link in call.json().get("text", "")]
    assert announced["channel"] == DIGEST_CHANNEL and "@everyone" not in announced["text"]
    [discord] = [post for post in api.discord_posts if link in post["content"]]
    assert "@everyone" not in discord["content"]
    [topic] = [call.json() for call in cloud.platforms.api.received("/discourse/posts.json")
               if call.json().get("category") == RELEASE_CATEGORY]
    assert link in topic["raw"] and "CSV export" in topic["raw"] and "@everyone" not in topic["raw"]
    # The request's buttons replaced by the outcome, which its thread also gets.
    [update] = eventually(lambda: list(api.slack_updates))
    assert update["ts"] == message_ts and not any(block["type"] == "actions" for block in update["blocks"])
    thread = eventually(lambda: [post for post in approval_requests() if post.get("thread_ts") == message_ts])
    assert "Approved by maria" in thread[0]["text"]
    no_secret_in_logs(cloud)


# --- (x) a person: accounts linked, a profile that follows them, forgotten everywhere ------------------------------


def slack_devrel(cloud: Cloud, text: str, user: str) -> str:
    """`/devrel TEXT` from a Slack user; what the worker sends back to the command's response_url."""
    hook = f"/slack/hooks/people-{uuid.uuid4().hex[:8]}"
    body = urlencode({"command": "/devrel", "text": text, "trigger_id": f"trig-{uuid.uuid4()}", "channel_id": "C1",
                      "team_id": "T1", "user_id": user, "user_name": "ada",
                      "response_url": f"{cloud.platforms.url}{hook}"}).encode()
    signed = slack_request(cloud, body, content_type="application/x-www-form-urlencoded")
    assert cloud.rehearsal.http("POST", "/slack/commands", body, signed).status == 200
    [reply] = eventually(lambda: cloud.platforms.api.received(hook))
    return str(reply.json()["text"])


def discord_devrel(cloud: Cloud, sub: str, user: str, options: list[dict[str, Any]] | None = None) -> str:
    """`/devrel SUB` from a Discord user: deferred (seen by them alone), then the follow-up's text."""
    token = f"people-token-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"type": 2, "id": str(uuid.uuid4().int)[:19], "token": token,
                       "application_id": DISCORD_APPLICATION_ID, "channel_id": "CH1", "guild_id": "G1",
                       "member": {"user": {"id": user, "username": "ada_discord"}},
                       "data": {"name": "devrel", "type": 1,
                                "options": [{"name": sub, "type": 1, "options": options or []}]}}).encode()
    answer = cloud.rehearsal.http("POST", "/discord/interactions", body, discord_request(body))
    assert (answer.status, answer.json()) == (200, {"type": 5, "data": {"flags": 64}})
    original = f"/discord/api/v10/webhooks/{DISCORD_APPLICATION_ID}/{token}/messages/@original"
    [edit] = eventually(lambda: cloud.platforms.api.received(original))
    return str(edit.json()["content"])


def test_a_person_links_two_accounts_keeps_one_profile_and_is_forgotten_on_both(cloud: Cloud) -> None:
    slack_user, discord_user = f"U0{uuid.uuid4().hex[:8].upper()}", str(random.randrange(10**17, 10**18))
    code = re.search(r"`([A-Z2-9]{8})`", slack_devrel(cloud, "link", slack_user)).group(1)  # type: ignore[union-attr]
    assert not any(code in text.upper() for text in table_strings(cloud))  # kept as its digest only
    linked = discord_devrel(cloud, "link", discord_user, [{"name": "code", "type": 3, "value": code.lower()}])
    assert linked.startswith("Linked") and "discord, slack" in linked
    assert slack_devrel(cloud, "profile set language=fr", slack_user).startswith("Enregistré.")
    profile = discord_devrel(cloud, "profile", discord_user)  # the other account: the same person, in French
    assert profile.startswith("Votre profil (pour vos 2 comptes liés)") and "- language: fr" in profile
    before = "\n".join(table_strings(cloud))
    assert slack_user in before and discord_user in before  # links, profile, event log
    assert "/devrel forget confirm" in slack_devrel(cloud, "forget", slack_user)
    done = slack_devrel(cloud, "forget confirm", slack_user)
    assert done.startswith("C'est fait : vous êtes oublié(e) sur vos 2 comptes liés.")
    left = "\n".join(table_strings(cloud))
    assert slack_user not in left and discord_user not in left
    no_secret_in_logs(cloud)
