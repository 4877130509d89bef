"""`devrel discord register`: publish the slash and message commands (devrel.platforms.discord.COMMANDS).

A bulk overwrite (PUT), so running it again is harmless. Guild commands appear at once and suit
development; global commands reach every server the app is in.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    discord = subparsers.add_parser("discord", help="Discord app tools")
    actions = discord.add_subparsers(dest="discord_command", required=True)
    command = actions.add_parser("register", help="publish the assistant's commands to Discord")
    command.add_argument("--guild", help="register in this server only (instant; for development)")
    command.add_argument("--application-id", help="default: DEVREL_DISCORD_APPLICATION_ID")
    command.add_argument("--dry-run", action="store_true", help="print the request instead of sending it")
    command.set_defaults(func=run_register)


def commands_path(application_id: str, guild: str | None) -> str:
    if guild:
        return f"applications/{application_id}/guilds/{guild}/commands"
    return f"applications/{application_id}/commands"


def run_register(args: argparse.Namespace) -> int:
    from devrel.commands.common import command_settings
    from devrel.platforms.discord import COMMANDS

    settings = command_settings()
    application_id = args.application_id or settings.discord_application_id
    if not application_id:
        print(
            "no application id: pass --application-id or set DEVREL_DISCORD_APPLICATION_ID", file=sys.stderr
        )
        return 2
    path = commands_path(application_id, args.guild)
    if args.dry_run:
        print(
            json.dumps(
                {"method": "PUT", "url": f"{settings.discord_api_url}/{path}", "json": COMMANDS}, indent=2
            )
        )
        return 0
    token = settings.local_secret("discord_bot_token")
    if not token:
        print("no bot token: set DEVREL_DISCORD_BOT_TOKEN", file=sys.stderr)
        return 2
    from devrel.platforms.outbound import PlatformError
    from devrel.runtime import discord_bot_api

    api = discord_bot_api(settings, token)
    try:
        registered = api.request("PUT", path, COMMANDS)
    except PlatformError as error:
        print(f"registration failed: {error}", file=sys.stderr)
        return 1
    names = ", ".join(str(command.get("name")) for command in registered or [])
    where = f"in guild {args.guild}" if args.guild else "globally"
    print(f"registered {len(registered or [])} commands {where}: {names}")
    return 0
