"""`devrel telegram register URL`: point the bot's webhook at this deployment (setWebhook, with the
secret Telegram will send back in every request) and publish its command list (setMyCommands)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from devrel.commands.common import command_settings
from devrel.platforms.outbound import PlatformError
from devrel.platforms.telegram import COMMANDS


def register(subparsers: Any) -> None:
    telegram = subparsers.add_parser("telegram", help="Telegram bot set-up")
    actions = telegram.add_subparsers(dest="telegram_action", required=True)
    register_cmd = actions.add_parser("register", help="set the webhook URL and secret, and the command list",
                                      description=__doc__)
    register_cmd.add_argument("url", help="the public URL of /telegram/webhook (the TelegramWebhookUrl output)")
    register_cmd.add_argument("--dry-run", action="store_true", help="print the calls instead of making them")
    register_cmd.set_defaults(func=run_register)


def run_register(args: argparse.Namespace) -> int:
    from devrel.runtime import telegram_bot

    settings = command_settings()
    secret = settings.local_secret("telegram_webhook_secret")
    if not secret:
        print("no webhook secret: set DEVREL_TELEGRAM_WEBHOOK_SECRET (1-256 characters A-Z a-z 0-9 _ -)",
              file=sys.stderr)
        return 2
    if args.dry_run:
        print(json.dumps({"setWebhook": {"url": args.url, "secret_token": "<DEVREL_TELEGRAM_WEBHOOK_SECRET>"},
                          "setMyCommands": {"commands": COMMANDS}}, indent=2))
        return 0
    bot = telegram_bot(settings)
    if bot is None:
        print("no bot token: set DEVREL_TELEGRAM_BOT_TOKEN (from @BotFather)", file=sys.stderr)
        return 2
    try:
        bot.register(args.url, secret, COMMANDS)
    except PlatformError as error:
        print(f"registration failed: {error}", file=sys.stderr)
        return 1
    print(f"webhook set to {args.url}; commands: {', '.join('/' + c['command'] for c in COMMANDS)}")
    return 0
