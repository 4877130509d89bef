"""Slack OAuth v2 install: per-workspace bot tokens kept in the Store.

The `state` parameter is random, stored server-side, short-lived and single-use, so a callback
that this deployment did not start (a forged or replayed link) is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from devrel.ports import Item, Store
from devrel.records import SlackInstallations
from devrel.settings import Settings

STATE_TTL_SECONDS = 600

# (code, redirect_uri) -> Slack's oauth.v2.access response.
CodeExchange = Callable[[str, str | None], dict[str, Any]]


class InstallError(Exception):
    """The install cannot complete (bad state, denied, or an unusable answer from Slack)."""


@dataclass(frozen=True)
class Installation:
    team_id: str
    team_name: str
    bot_user_id: str


def _state_key(state: str) -> tuple[str, str]:
    return "slack#oauth-state", state


def begin_install(store: Store, settings: Settings, now: float) -> str:
    """A fresh state remembered for ten minutes, and the Slack URL to send the browser to."""
    if not settings.slack_client_id:
        raise InstallError("the Slack client id is not configured")
    state = secrets.token_urlsafe(32)
    store.put(Item(*_state_key(state), data={"at": now}, expires_at=int(now) + STATE_TTL_SECONDS))
    query = {"client_id": settings.slack_client_id, "scope": settings.slack_oauth_scopes, "state": state}
    if settings.slack_oauth_redirect_url:
        query["redirect_uri"] = settings.slack_oauth_redirect_url
    return f"{settings.slack_oauth_authorize_url}?{urlencode(query)}"


def finish_install(
    store: Store, settings: Settings, code: str, state: str, now: float, exchange: CodeExchange
) -> Installation:
    """Check and consume the state, trade the code for a bot token, keep it under the team."""
    if not code or not state or store.get(*_state_key(state)) is None:
        raise InstallError("unknown or expired state")
    consumed = Item("slack#oauth-state-used", state, expires_at=int(now) + STATE_TTL_SECONDS)
    if not store.put_if_absent(consumed):
        raise InstallError("this install link was already used")
    store.delete(*_state_key(state))
    answer = exchange(code, settings.slack_oauth_redirect_url)
    team = answer.get("team") or {}
    token, team_id = answer.get("access_token"), team.get("id")
    if answer.get("token_type", "bot") != "bot" or not token or not team_id:
        raise InstallError("Slack's answer carries no bot token")
    installation = Installation(
        str(team_id), str(team.get("name") or ""), str(answer.get("bot_user_id") or "")
    )
    SlackInstallations(store).save(installation.team_id, {
        "bot_token": token,
        "bot_user_id": installation.bot_user_id,
        "scope": answer.get("scope"),
        "app_id": answer.get("app_id"),
        "enterprise_id": (answer.get("enterprise") or {}).get("id"),
        "installed_at": now,
    })
    return installation
