"""The outbound adapters over real HTTP keep capabilities out of errors and logs: a Discord
interaction token (in the webhook path), a Slack response_url, OAuth client secrets and codes.
Logs are captured at DEBUG, where the SDKs say the most."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest

from devrel.adapters.outbound_discord import DiscordPlatform
from devrel.adapters.outbound_slack import SlackPlatform, exchange_oauth_code
from devrel.events import DiscordAddress, InboundEvent, Question, Reply, SlackAddress
from devrel.logs import RedactingFilter
from devrel.platforms.outbound import PlatformError

INTERACTION_TOKEN = "aW50ZXJhY3Rpb246OTg3NjU0MzIxOnNlY3JldFRva2Vu"
RESPONSE_SECRET = "Resp0nseUrlSecretPart"
CLIENT_SECRET = "client-secret-0123456789"
OAUTH_CODE = "oauth-code-987654321"


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def discord_event() -> InboundEvent:
    return InboundEvent(platform="discord", kind="discord.command.ask", delivery_id="i1", intent=Question(),
                        reply_to=DiscordAddress(application_id="1234", token=INTERACTION_TOKEN, channel="c"))


def slack_command(response_url: str) -> InboundEvent:
    return InboundEvent(platform="slack", kind="slack.command.ask", delivery_id="cmd:1", intent=Question(),
                        reply_to=SlackAddress(team="T1", channel="C1", response_url=response_url))


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize("status", [404, 500])
def test_discord_errors_never_quote_the_interaction_token(stand_in_server: Any, logs: pytest.LogCaptureFixture,
                                                          status: int) -> None:
    # The process's handlers carry the redacting filter (devrel.logs.protect); the capture does the same.
    logs.handler.addFilter(RedactingFilter())
    url = stand_in_server(lambda got: (status, {"message": "Unknown Webhook", "code": 10015}, {}))
    with pytest.raises(PlatformError) as raised:
        DiscordPlatform(f"{url}/api/v10").post_reply(discord_event(), Reply(text="hi"))
    assert raised.value.status == status
    assert INTERACTION_TOKEN not in str(raised.value) and INTERACTION_TOKEN not in logs.text
    assert "webhooks/1234/" in str(raised.value)  # still says which call failed


def test_discord_network_failures_never_quote_the_interaction_token(logs: pytest.LogCaptureFixture) -> None:
    logs.handler.addFilter(RedactingFilter())
    with pytest.raises(PlatformError) as raised:
        DiscordPlatform(f"{closed_port_url()}/api/v10").post_reply(discord_event(), Reply(text="hi"))
    assert raised.value.retryable
    assert raised.value.__cause__ is None or INTERACTION_TOKEN not in str(raised.value.__cause__)
    assert INTERACTION_TOKEN not in str(raised.value) and INTERACTION_TOKEN not in logs.text


def test_slack_sdk_does_not_log_the_response_url(stand_in_server: Any, logs: pytest.LogCaptureFixture) -> None:
    url = stand_in_server(lambda got: (200, b"ok", {"content-type": "text/plain"}))
    platform = SlackPlatform("xoxb-test", f"{url}/api/")
    platform.post_reply(slack_command(f"{url}/commands/T1/1/{RESPONSE_SECRET}"), Reply(text="answer"))
    assert "Sending a request" in logs.text  # slack-sdk did log the request...
    assert RESPONSE_SECRET not in logs.text  # ...without its capability, with no help from the handlers


def test_a_failing_response_url_is_not_logged_either(logs: pytest.LogCaptureFixture) -> None:
    platform = SlackPlatform("xoxb-test", "http://127.0.0.1:9/api/")
    with pytest.raises(PlatformError) as raised:
        platform.post_reply(slack_command(f"{closed_port_url()}/commands/T1/1/{RESPONSE_SECRET}"), Reply(text="x"))
    assert RESPONSE_SECRET not in logs.text and RESPONSE_SECRET not in str(raised.value)


def test_the_oauth_exchange_does_not_log_the_client_secret_or_code(stand_in_server: Any,
                                                                   logs: pytest.LogCaptureFixture) -> None:
    url = stand_in_server(lambda got: (200, {"ok": True, "access_token": "xoxb-1-2-abcdefghijkl",
                                             "team": {"id": "T1"}}, {}))
    exchange_oauth_code(f"{url}/api/", "1.2", CLIENT_SECRET, OAUTH_CODE, None)
    assert "oauth.v2.access" in logs.text
    assert CLIENT_SECRET not in logs.text and OAUTH_CODE not in logs.text
    assert "abcdefghijkl" not in logs.text
