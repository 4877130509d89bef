"""Write the sample events in this folder, with valid signatures for the sample secrets.

    python shared/events/make_events.py                      # the committed files (fixed timestamp)
    python shared/events/make_events.py --now --out /tmp/ev  # signed with the current time

Slack handlers reject requests older than five minutes, so sign fresh copies with `--now` right
before `sam local invoke -e /tmp/ev/slack_command.json`.
All HMAC signatures use the secret "sample-secret"; the Discord key pair is derived from it too
(see DISCORD_PUBLIC_KEY below, which is what `discord_public_key` must be set to).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SAMPLE_SECRET = "sample-secret"
FIXED_TIMESTAMP = 1763805600  # 2025-11-22T10:00:00Z
API_ID = "a1b2c3d4e5"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
REPO = "octo-org/widget"
EVENTS_DIR = Path(__file__).resolve().parent

_DISCORD_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(SAMPLE_SECRET.encode()).digest())
DISCORD_PUBLIC_KEY = _DISCORD_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _hmac_hex(message: bytes) -> str:
    return hmac.new(SAMPLE_SECRET.encode(), message, hashlib.sha256).hexdigest()


def _compact(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"))


def http_event(
    method: str,
    route: str,
    path: str,
    headers: dict[str, str],
    body: str = "",
    query: dict[str, str] | None = None,
    base64_body: bool = False,
    timestamp: int = FIXED_TIMESTAMP,
    source_ip: str = "203.0.113.10",
    path_params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event."""
    route_key = f"{method} {route}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": {
            "host": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
            "x-forwarded-for": source_ip,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            **{name.lower(): value for name, value in headers.items()},
        },
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
            "domainPrefix": API_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("User-Agent", ""),
            },
            "requestId": f"req-{hashlib.sha1((route_key + body).encode()).hexdigest()[:12]}",
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(timestamp)),
            "timeEpoch": timestamp * 1000,
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = query
    if route.endswith("{proxy+}"):
        prefix = route.removesuffix("{proxy+}")
        event["pathParameters"] = {"proxy": path.removeprefix(prefix)}
    if path_params:
        event["pathParameters"] = path_params
    if body:
        event["body"] = base64.b64encode(body.encode()).decode() if base64_body else body
    return event


# --- GitHub ----------------------------------------------------------------------------------------

GITHUB_SENDER = {"login": "ada-dev", "id": 5811, "type": "User", "html_url": "https://github.com/ada-dev"}
GITHUB_REPOSITORY = {
    "id": 700001,
    "name": "widget",
    "full_name": REPO,
    "private": False,
    "html_url": f"https://github.com/{REPO}",
    "default_branch": "main",
    "owner": {"login": "octo-org", "id": 9001, "type": "Organization"},
}
GITHUB_ISSUE = {
    "number": 42,
    "title": "Crash when exporting a widget with an empty name",
    "body": "Exporting fails with `KeyError: 'name'`.\n\nSteps: create a widget, clear its name, "
    "click Export.\n\nVersion: 2.3.1",
    "state": "open",
    "html_url": f"https://github.com/{REPO}/issues/42",
    "user": GITHUB_SENDER,
    "labels": [],
    "author_association": "FIRST_TIME_CONTRIBUTOR",
    "created_at": "2025-11-22T09:58:12Z",
}


def github_event(
    event_name: str, delivery_id: str, payload: dict[str, Any], timestamp: int
) -> dict[str, Any]:
    body = _compact(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/7e2c1a9",
        "X-GitHub-Event": event_name,
        "X-GitHub-Delivery": delivery_id,
        "X-GitHub-Hook-ID": "512345678",
        "X-GitHub-Hook-Installation-Target-Type": "integration",
        "X-GitHub-Hook-Installation-Target-ID": "987654",
        "X-Hub-Signature-256": "sha256=" + _hmac_hex(body.encode()),
    }
    return http_event("POST", "/github/webhook", "/github/webhook", headers, body,
                      timestamp=timestamp, source_ip="140.82.115.10")


def github_events(timestamp: int) -> dict[str, dict[str, Any]]:
    installation = {"id": 4242424, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0MjQyNA=="}
    ping = {
        "zen": "Keep it logically awesome.",
        "hook_id": 512345678,
        "hook": {"type": "App", "id": 512345678, "active": True, "events": ["issues", "issue_comment"],
                 "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://example.org/github/webhook"}},
        "repository": GITHUB_REPOSITORY,
        "sender": GITHUB_SENDER,
    }
    opened = {
        "action": "opened",
        "issue": GITHUB_ISSUE,
        "repository": GITHUB_REPOSITORY,
        "sender": GITHUB_SENDER,
        "installation": installation,
    }
    comment = {
        "action": "created",
        "issue": {**GITHUB_ISSUE, "labels": [{"name": "needs-info"}]},
        "comment": {
            "id": 1900001,
            "body": "It happens on Python 3.11 and 3.12; here is the full traceback: ...",
            "user": GITHUB_SENDER,
            "author_association": "FIRST_TIME_CONTRIBUTOR",
            "html_url": f"https://github.com/{REPO}/issues/42#issuecomment-1900001",
        },
        "repository": GITHUB_REPOSITORY,
        "sender": GITHUB_SENDER,
        "installation": installation,
    }
    return {
        "github_ping.json": github_event("ping", "0f1e2d3c-0000-11f0-8000-000000000001", ping, timestamp),
        "github_issues_opened.json": github_event(
            "issues", "0f1e2d3c-0000-11f0-8000-000000000002", opened, timestamp),
        "github_issue_comment_created.json": github_event(
            "issue_comment", "0f1e2d3c-0000-11f0-8000-000000000003", comment, timestamp),
    }


# --- Slack -------------------------------------------------------------------------------------------


def slack_event(route: str, body: str, content_type: str, timestamp: int, form: bool) -> dict[str, Any]:
    headers = {
        "Content-Type": content_type,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": "v0=" + _hmac_hex(f"v0:{timestamp}:{body}".encode()),
    }
    # HTTP APIs hand form-encoded bodies to Lambda base64-encoded.
    return http_event("POST", route, route, headers, body, base64_body=form, timestamp=timestamp,
                      source_ip="54.209.10.1")


def slack_events(timestamp: int) -> dict[str, dict[str, Any]]:
    url_verification = {
        "token": "legacy-verification-token",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    mention = {
        "token": "legacy-verification-token",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "Ev0A1B2C3D4E",
        "event_time": timestamp,
        "event": {
            "type": "app_mention",
            "user": "U0ADA",
            "text": "<@U0BOT> how do I export a widget as SVG?",
            "ts": f"{timestamp}.000100",
            "channel": "C0HELP",
            "event_ts": f"{timestamp}.000100",
        },
        "authorizations": [{"team_id": "T0001", "user_id": "U0BOT", "is_bot": True}],
    }
    command = urlencode({
        "token": "legacy-verification-token",
        "team_id": "T0001",
        "team_domain": "octo",
        "channel_id": "C0HELP",
        "channel_name": "help",
        "user_id": "U0ADA",
        "user_name": "ada",
        "command": "/devrel",
        "text": "ask how do I export a widget as SVG?",
        "api_app_id": "A0001",
        "response_url": "https://hooks.slack.com/commands/T0001/1234567890/abcdefABCDEF",
        "trigger_id": "1234567890.1234567890.abcdef0123456789",
    })
    interaction = urlencode({"payload": _compact({
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "octo"},
        "user": {"id": "U0ADA", "username": "ada", "team_id": "T0001"},
        "api_app_id": "A0001",
        "trigger_id": "1234567890.1234567890.fedcba9876543210",
        "channel": {"id": "C0HELP", "name": "help"},
        "message": {"type": "message", "ts": f"{timestamp}.000200", "text": "Here is how to export..."},
        "response_url": "https://hooks.slack.com/actions/T0001/1234567890/abcdefABCDEF",
        "actions": [{
            "type": "button",
            "action_id": "answer_feedback",
            "block_id": "feedback",
            "value": "helpful",
            "action_ts": f"{timestamp}.000300",
        }],
    })})
    form = "application/x-www-form-urlencoded"
    oauth_headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Accept": "text/html"}
    return {
        "slack_url_verification.json": slack_event(
            "/slack/events", _compact(url_verification), "application/json", timestamp, form=False),
        "slack_app_mention.json": slack_event(
            "/slack/events", _compact(mention), "application/json", timestamp, form=False),
        "slack_command.json": slack_event("/slack/commands", command, form, timestamp, form=True),
        "slack_interactivity.json": slack_event(
            "/slack/interactivity", interaction, form, timestamp, form=True),
        "slack_oauth_install.json": http_event(
            "GET", "/slack/oauth/install", "/slack/oauth/install", oauth_headers, timestamp=timestamp),
        "slack_oauth_callback.json": http_event(
            "GET", "/slack/oauth/callback", "/slack/oauth/callback", oauth_headers,
            query={"code": "1234567890.1234567890.0a1b2c3d4e", "state": "sample-state-0001"},
            timestamp=timestamp),
    }


# --- Discord -----------------------------------------------------------------------------------------


def discord_event(payload: dict[str, Any], timestamp: int) -> dict[str, Any]:
    body = _compact(payload)
    signature = _DISCORD_KEY.sign(f"{timestamp}{body}".encode()).hex()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Discord-Interactions/1.0 (+https://discord.com)",
        "X-Signature-Ed25519": signature,
        "X-Signature-Timestamp": str(timestamp),
    }
    return http_event("POST", "/discord/interactions", "/discord/interactions", headers, body,
                      timestamp=timestamp, source_ip="35.227.0.1")


def discord_events(timestamp: int) -> dict[str, dict[str, Any]]:
    ping = {"id": "1300000000000000001", "application_id": "1200000000000000001", "type": 1,
            "token": "sample-interaction-token", "version": 1}
    command = {
        "id": "1300000000000000002",
        "application_id": "1200000000000000001",
        "type": 2,
        "token": "sample-interaction-token",
        "version": 1,
        "guild_id": "1100000000000000001",
        "channel_id": "1100000000000000010",
        "member": {"user": {"id": "1000000000000000042", "username": "ada", "global_name": "Ada"},
                   "roles": [], "permissions": "0"},
        "data": {
            "id": "1250000000000000001",
            "name": "ask",
            "type": 1,
            "options": [{"name": "question", "type": 3, "value": "How do I export a widget as SVG?"}],
        },
    }
    return {
        "discord_ping.json": discord_event(ping, timestamp),
        "discord_command.json": discord_event(command, timestamp),
    }


# --- Discourse ---------------------------------------------------------------------------------------


def discourse_events(timestamp: int) -> dict[str, dict[str, Any]]:
    payload = {
        "post": {
            "id": 8801,
            "topic_id": 1201,
            "post_number": 1,
            "username": "ada",
            "name": "Ada",
            "raw": "How do I export a widget as SVG? The docs only mention PNG.",
            "cooked": "<p>How do I export a widget as SVG? The docs only mention PNG.</p>",
            "topic_title": "Export a widget as SVG",
            "topic_slug": "export-a-widget-as-svg",
            "category_id": 5,
            "created_at": "2025-11-22T09:59:30.000Z",
        }
    }
    body = _compact(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Discourse/3.3.2",
        "X-Discourse-Instance": "https://forum.example.org",
        "X-Discourse-Event-Id": "77",
        "X-Discourse-Event-Type": "post",
        "X-Discourse-Event": "post_created",
        "X-Discourse-Event-Signature": "sha256=" + _hmac_hex(body.encode()),
    }
    event = http_event("POST", "/discourse/webhook", "/discourse/webhook", headers, body,
                       timestamp=timestamp, source_ip="198.51.100.20")
    return {"discourse_post_created.json": event}


def telegram_events(timestamp: int) -> dict[str, dict[str, Any]]:
    """Telegram signs nothing: it sends back the secret registered with setWebhook in a header."""
    payload = {
        "update_id": 730001,
        "message": {
            "message_id": 51,
            "from": {"id": 4242, "is_bot": False, "first_name": "Ada", "username": "ada"},
            "chat": {"id": 4242, "type": "private", "first_name": "Ada", "username": "ada"},
            "date": timestamp - 30,
            "text": "/ask How do I export a widget as SVG?",
            "entities": [{"offset": 0, "length": 4, "type": "bot_command"}],
        },
    }
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SAMPLE_SECRET}
    event = http_event("POST", "/telegram/webhook", "/telegram/webhook", headers, _compact(payload),
                       timestamp=timestamp, source_ip="149.154.167.220")
    return {"telegram_ask.json": event}


# --- JSON API ----------------------------------------------------------------------------------------


def api_events(timestamp: int) -> dict[str, dict[str, Any]]:
    headers = {"User-Agent": "devrel-cli/0.1.0", "Accept": "application/json"}
    ask = _compact({"question": "How do I export a widget as SVG?", "channel": "cli"})
    return {
        "api_health.json": http_event("GET", "/api/{proxy+}", "/api/health", headers, timestamp=timestamp),
        "api_ask.json": http_event(
            "POST", "/api/{proxy+}", "/api/ask", {**headers, "Content-Type": "application/json"}, ask,
            timestamp=timestamp),
        **web_events(timestamp),
    }


def web_events(timestamp: int) -> dict[str, dict[str, Any]]:
    """What a browser asks the API function for: the dashboard, its assets and the widget's script."""
    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Accept": "text/html,*/*"}
    return {
        "web_dashboard.json": http_event("GET", "/dashboard", "/dashboard", browser, timestamp=timestamp),
        "web_dashboard_asset.json": http_event("GET", "/dashboard/{asset}", "/dashboard/app.js", browser,
                                               timestamp=timestamp, path_params={"asset": "app.js"}),
        "web_widget.json": http_event("GET", "/widget.js", "/widget.js",
                                      {**browser, "Referer": "https://docs.example.org/guide/"}, timestamp=timestamp),
    }


# --- Non-HTTP sources ------------------------------------------------------------------------------


def worker_event(timestamp: int) -> dict[str, Any]:
    inbound = {
        "platform": "github",
        "kind": "github.issue_comment.created",
        "delivery_id": "0f1e2d3c-0000-11f0-8000-000000000003",
        "thread": f"{REPO}#42",
        "actor": {"id": "5811", "name": "ada-dev", "is_bot": False},
        "text": "It happens on Python 3.11 and 3.12; here is the full traceback: ...",
        "received_at": float(timestamp),
        "data": {"repository": REPO, "number": 42, "title": GITHUB_ISSUE["title"],
                 "html_url": GITHUB_ISSUE["html_url"], "author_association": "FIRST_TIME_CONTRIBUTOR",
                 "labels": ["needs-info"], "installation_id": 4242424},
    }
    body = _compact(inbound)
    record = {
        "messageId": "5fea7756-0ea4-451a-a703-a558b933e274",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(timestamp * 1000),
            "SenderId": "AROAEXAMPLE:devrel-GithubWebhookFunction",
            "ApproximateFirstReceiveTimestamp": str(timestamp * 1000 + 120),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # SQS's own body checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:devrel-WorkQueue",
        "awsRegion": REGION,
    }
    return {"Records": [record]}


def schedule_event(timestamp: int) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp)),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/devrel-DigestFunctionWeekly"],
        "detail": {},
    }


def triage_task_event() -> dict[str, Any]:
    """What the `analyze` Task state sends: {"step": ..., "input": <execution state>}."""
    return {
        "step": "analyze",
        "input": {
            "issue": {"repository": REPO, "number": 42, "title": GITHUB_ISSUE["title"],
                      "body": GITHUB_ISSUE["body"], "author": "ada-dev",
                      "author_association": "FIRST_TIME_CONTRIBUTOR", "installation_id": 4242424},
            "config": {"followup_wait_seconds": 259200},
        },
    }


def onboarding_task_event() -> dict[str, Any]:
    return {
        "step": "welcome",
        "input": {
            "contributor": {"platform": "github", "id": "5811", "name": "ada-dev", "repository": REPO,
                            "first_contribution": f"https://github.com/{REPO}/issues/42"},
            "config": {"check_wait_seconds": 172800},
        },
    }


def all_events(timestamp: int) -> dict[str, Any]:
    return {
        **github_events(timestamp),
        **slack_events(timestamp),
        **discord_events(timestamp),
        **discourse_events(timestamp),
        **telegram_events(timestamp),
        **api_events(timestamp),
        "sqs_worker.json": worker_event(timestamp),
        "schedule.json": schedule_event(timestamp),
        "triage_task_analyze.json": triage_task_event(),
        "onboarding_task_welcome.json": onboarding_task_event(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", action="store_true", help="sign with the current time")
    parser.add_argument("--out", type=Path, default=EVENTS_DIR, help="folder to write to")
    args = parser.parse_args()
    timestamp = int(time.time()) if args.now else FIXED_TIMESTAMP
    args.out.mkdir(parents=True, exist_ok=True)
    events = all_events(timestamp)
    for name, event in events.items():
        (args.out / name).write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(events)} events to {args.out} (timestamp {timestamp})")


if __name__ == "__main__":
    main()
