"""Slack replies with slack-sdk: chat.postMessage in the thread, or the slash command's response_url."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from devrel.events import InboundEvent, Reply, SlackAddress
from devrel.logs import redacted_logger
from devrel.platforms.outbound import PlatformError, is_retryable_status
from devrel.platforms.slack import notification_text, release_edit_view, reply_blocks

log = logging.getLogger(__name__)

# Slack error codes worth trying again (the rest, like channel_not_found, will not get better).
_RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
WORKING_REACTION = "eyes"

TokenLookup = Callable[[str], str | None]
# slack-sdk logs every request: URL, parameters and (at DEBUG) the response. A response_url is a
# capability to post as the bot, so its client logs URLs by host only; the Web API client's records
# (OAuth client secrets and codes, tokens in responses) go through the same redaction as every log.
_WEBHOOK_LOG = redacted_logger("devrel.adapters.slack_sdk.webhook", hide_url_paths=True)
_WEB_API_LOG = redacted_logger("devrel.adapters.slack_sdk.web")


class SlackPlatform:
    name = "slack"

    def __init__(
        self, bot_token: str | None, base_url: str, team_token: TokenLookup | None = None, timeout: int = 10
    ) -> None:
        self._bot_token = bot_token
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._team_token = team_token
        self._timeout = timeout
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def client_for(self, team: str) -> WebClient:
        """The workspace's own token (OAuth installs) if there is one, else the configured bot token."""
        token = (self._team_token(team) if self._team_token and team else None) or self._bot_token
        if not token:
            raise PlatformError("slack", f"no bot token for team {team!r}", retryable=False)
        with self._lock:
            if token not in self._clients:
                self._clients[token] = WebClient(
                    token=token,
                    base_url=self._base_url,
                    timeout=self._timeout,
                    logger=_WEB_API_LOG,
                    retry_handlers=[
                        ConnectionErrorRetryHandler(),
                        RateLimitErrorRetryHandler(max_retry_count=1),
                    ],
                )
            return self._clients[token]

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        to = event.reply_to
        if not isinstance(to, SlackAddress):
            raise PlatformError("slack", f"cannot answer on {to.platform}", retryable=False)
        blocks = reply_blocks(reply, feedback_for=event.delivery_id)
        fallback = notification_text(reply)
        if to.response_url and not to.message_ts:
            return self._respond(to.response_url, fallback, blocks, reply.ephemeral, event.delivery_id)
        channel = to.channel or (self._open_direct(to.team, to.user) if to.user else "")
        if not channel:
            raise PlatformError("slack", "event has no channel to answer in", retryable=False)
        try:
            response = self.client_for(to.team).chat_postMessage(
                channel=channel,
                thread_ts=to.thread_ts or None,
                text=fallback,
                blocks=blocks,
                # Plain "@channel" or "@name" in the text stays plain text.
                link_names=False,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            raise _api_error(error) from error
        except (SlackClientError, URLError, OSError) as error:
            raise PlatformError("slack", f"chat.postMessage: {error}", retryable=True) from error
        return str(response.get("ts", ""))

    def update_message(self, channel: str, message_ts: str, text: str, approval: str | None = None) -> None:
        """chat.update: replace a posted message with `text`: without buttons once a release is decided, with
        the approval's buttons again when only its draft was edited."""
        reply = Reply(text=text, feedback=False, approval=approval)
        try:
            self.client_for("").chat_update(channel=channel, ts=message_ts, text=notification_text(reply),
                                            blocks=reply_blocks(reply), link_names=False)
        except SlackApiError as error:
            raise _api_error(error) from error
        except (SlackClientError, URLError, OSError) as error:
            raise PlatformError("slack", f"chat.update: {error}", retryable=True) from error

    def open_release_editor(self, team: str, trigger_id: str, approval: str, title: str, notes: str) -> str:
        """views.open: the release draft in an edit modal; returns the view's id (its submission must carry
        it). Slack accepts a trigger for 3 seconds only: `expired_trigger_id` is not retried."""
        try:
            response = self.client_for(team).views_open(trigger_id=trigger_id,
                                                        view=release_edit_view(approval, title, notes))
        except SlackApiError as error:
            raise _api_error(error) from error
        except (SlackClientError, URLError, OSError) as error:
            raise PlatformError("slack", f"views.open: {error}", retryable=False) from error
        view = response.get("view")
        if not isinstance(view, dict) or not view.get("id"):
            raise PlatformError("slack", "views.open returned no view", retryable=False)
        return str(view["id"])

    def _open_direct(self, team: str, user: str) -> str:
        """conversations.open: the direct-message channel with one user (a newcomer's welcome)."""
        try:
            response = self.client_for(team).conversations_open(users=user)
        except SlackApiError as error:
            raise _api_error(error) from error
        except (SlackClientError, URLError, OSError) as error:
            raise PlatformError("slack", f"conversations.open: {error}", retryable=True) from error
        channel = response.get("channel")
        if not isinstance(channel, dict) or not channel.get("id"):
            raise PlatformError("slack", "conversations.open returned no channel", retryable=False)
        return str(channel["id"])

    def mark_working(self, event: InboundEvent) -> None:
        """React to the question so the asker sees it was picked up; best effort."""
        to = event.reply_to
        if not isinstance(to, SlackAddress) or not to.channel or not to.message_ts:
            return
        try:
            self.client_for(to.team).reactions_add(channel=to.channel, timestamp=to.message_ts, name=WORKING_REACTION)
        except (SlackClientError, PlatformError, URLError, OSError) as error:
            log.info("could not add the working reaction: %s", error)

    def _respond(
        self, url: str, text: str, blocks: list[dict[str, object]], ephemeral: bool, delivery_id: str
    ) -> str:
        try:
            response = WebhookClient(url, timeout=self._timeout, logger=_WEBHOOK_LOG).send(
                text=text, blocks=blocks, response_type="ephemeral" if ephemeral else "in_channel"
            )
        except (SlackClientError, URLError, OSError) as error:
            raise PlatformError("slack", f"response_url: {error}", retryable=True) from error
        status = response.status_code
        if status != 200:
            raise PlatformError(
                "slack",
                f"response_url -> {status}: {response.body[:200]}",
                retryable=is_retryable_status(status),
                status=status,
            )
        return f"response:{delivery_id}"


def _api_error(error: SlackApiError) -> PlatformError:
    status = int(getattr(error.response, "status_code", 0) or 0)
    code = ""
    data = getattr(error.response, "data", None)
    if isinstance(data, dict):
        code = str(data.get("error") or "")
    retryable = code in _RETRYABLE_ERRORS or is_retryable_status(status)
    return PlatformError("slack", f"{code or 'error'} (HTTP {status})", retryable=retryable, status=status)


def exchange_oauth_code(
    base_url: str, client_id: str, client_secret: str, code: str, redirect_uri: str | None, timeout: int = 10
) -> dict[str, object]:
    """oauth.v2.access: trade an install's temporary code for the workspace's bot token."""
    client = WebClient(base_url=base_url if base_url.endswith("/") else base_url + "/", timeout=timeout,
                       logger=_WEB_API_LOG)
    try:
        response = client.oauth_v2_access(
            client_id=client_id, client_secret=client_secret, code=code, redirect_uri=redirect_uri
        )
    except SlackApiError as error:
        raise _api_error(error) from error
    except (SlackClientError, URLError, OSError) as error:
        raise PlatformError("slack", f"oauth.v2.access: {error}", retryable=True) from error
    return dict(response.data) if isinstance(response.data, dict) else {}
