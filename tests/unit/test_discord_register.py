"""`devrel discord register` against a local stand-in of Discord's API (real HTTP)."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from devrel.commands.discord_register import register
from devrel.platforms.discord import COMMANDS


@pytest.fixture
def discord_api(stand_in_server: Any) -> tuple[str, list[dict[str, Any]]]:
    seen: list[dict[str, Any]] = []

    def answer(got: Any) -> tuple[int, Any, dict[str, str]]:
        body = json.loads(got.body)
        seen.append({"path": got.path, "auth": got.headers["authorization"], "body": body})
        return 200, [{**command, "id": str(n)} for n, command in enumerate(body)], {}

    return f"{stand_in_server(answer)}/api/v10", seen


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="devrel")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_guild_registration_puts_the_command_definitions(
    discord_api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    url, seen = discord_api
    monkeypatch.setenv("DEVREL_DISCORD_API_URL", url)
    monkeypatch.setenv("DEVREL_DISCORD_BOT_TOKEN", "bot-token")
    monkeypatch.setenv("DEVREL_DISCORD_APPLICATION_ID", "app-9")
    assert run(["discord", "register", "--guild", "g-1"]) == 0
    [call] = seen
    assert call["path"] == "/api/v10/applications/app-9/guilds/g-1/commands"
    assert call["auth"] == "Bot bot-token"
    assert call["body"] == COMMANDS
    assert f"registered {len(COMMANDS)} commands in guild g-1" in capsys.readouterr().out


def test_global_registration_and_dry_run(
    discord_api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    url, seen = discord_api
    monkeypatch.setenv("DEVREL_DISCORD_API_URL", url)
    monkeypatch.setenv("DEVREL_DISCORD_BOT_TOKEN", "bot-token")
    assert run(["discord", "register", "--application-id", "app-1", "--dry-run"]) == 0
    assert seen == []
    assert json.loads(capsys.readouterr().out)["url"] == f"{url}/applications/app-1/commands"
    assert run(["discord", "register", "--application-id", "app-1"]) == 0
    assert seen[0]["path"] == "/api/v10/applications/app-1/commands"


def test_missing_credentials_fail_clearly(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.delenv("DEVREL_DISCORD_APPLICATION_ID", raising=False)
    monkeypatch.delenv("DEVREL_DISCORD_BOT_TOKEN", raising=False)
    assert run(["discord", "register"]) == 2
    assert "application id" in capsys.readouterr().err
    assert run(["discord", "register", "--application-id", "a"]) == 2
    assert "bot token" in capsys.readouterr().err
