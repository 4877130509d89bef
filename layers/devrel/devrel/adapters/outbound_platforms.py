"""Outbound platform adapters, built from settings on first use.

Webhook functions share `Services` with the worker but never post anything, so no platform SDK
(PyGithub, slack-sdk, requests) is imported until the worker first asks for that platform.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping

from devrel.platforms.slack import installation_key
from devrel.ports import ChatPlatform, Secrets, Store
from devrel.settings import Settings

Factory = Callable[[], ChatPlatform | None]


class PlatformRegistry(Mapping[str, ChatPlatform]):
    """A mapping of platform name -> adapter whose entries are built lazily, once.

    A platform that is not configured (its factory returns None) is simply absent.
    """

    def __init__(self, factories: Mapping[str, Factory]) -> None:
        self._factories = dict(factories)
        self._built: dict[str, ChatPlatform | None] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> ChatPlatform:
        with self._lock:
            if name not in self._built:
                factory = self._factories.get(name)
                if factory is None:
                    raise KeyError(name)
                self._built[name] = factory()
            platform = self._built[name]
        if platform is None:
            raise KeyError(name)
        return platform

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


def build_platforms(settings: Settings, secrets: Secrets, store: Store) -> PlatformRegistry:
    def github() -> ChatPlatform | None:
        token, key = secrets.get("github_token"), secrets.get("github_app_private_key")
        if not token and not (settings.github_app_id and key):
            return None
        from devrel.adapters.outbound_github import GithubPlatform

        return GithubPlatform(
            settings.github_api_url, token=token, app_id=settings.github_app_id, private_key=key
        )

    def slack() -> ChatPlatform | None:
        from devrel.adapters.outbound_slack import SlackPlatform

        def team_token(team: str) -> str | None:
            installed = store.get(*installation_key(team))
            return str(installed.data.get("bot_token") or "") or None if installed else None

        return SlackPlatform(secrets.get("slack_bot_token"), settings.slack_api_url, team_token=team_token)

    def discord() -> ChatPlatform | None:
        from devrel.adapters.outbound_discord import DiscordPlatform

        return DiscordPlatform(settings.discord_api_url)

    def discourse() -> ChatPlatform | None:
        api_key = secrets.get("discourse_api_key")
        if not settings.discourse_url or not api_key:
            return None
        from devrel.adapters.outbound_discourse import DiscoursePlatform

        return DiscoursePlatform(settings.discourse_url, api_key, settings.discourse_api_username)

    def console() -> ChatPlatform | None:
        from devrel.adapters.outbound_console import ConsolePlatform

        return ConsolePlatform(store)

    return PlatformRegistry(
        {"github": github, "slack": slack, "discord": discord, "discourse": discourse, "console": console}
    )
