"""Log configuration, and redaction of capabilities from every log line.

Platform SDKs log what they send at DEBUG (slack-sdk the full response_url and OAuth parameters,
urllib3 the request line with a Discord interaction token in its path, PyGithub the installation
token it receives), and an error message may quote a URL. A response_url, an interaction token or a
bot token lets whoever reads the log post as the bot, so each handler the process logs through gets
a filter that rewrites such values, in messages and tracebacks alike.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback

REDACTED = "[redacted]"

# (pattern, replacement): capability formats of the platforms the assistant talks to.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Slack tokens: bot, user, app-level, refresh and configuration tokens.
    (re.compile(r"\b(xox[a-z]|xapp|xoxe\.xox[a-z])-[A-Za-z0-9-]{6,}"), rf"\1-{REDACTED}"),
    # GitHub tokens: personal, OAuth, user-to-server, installation (server-to-server), refresh, fine-grained.
    (re.compile(r"\b(gh[pousr]_)[A-Za-z0-9]{16,}"), rf"\1{REDACTED}"),
    (re.compile(r"\b(github_pat_)[A-Za-z0-9_]{20,}"), rf"\1{REDACTED}"),
    # Slack response_urls and incoming webhooks: the whole path is the capability.
    (re.compile(r"(https?://hooks\.slack(?:-gov)?\.com)/[^\s'\"<>)]+"), rf"\1/{REDACTED}"),
    # Discord (interaction and channel) webhooks: the part after the application or webhook id.
    (re.compile(r"(webhooks/\d+/)[^\s/'\"?]+"), rf"\1{REDACTED}"),
    # Telegram bot tokens (`<bot id>:<secret>`), which the Bot API puts in every URL's path.
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    # Authorization header values.
    (re.compile(r"\b(Bearer|Bot|Basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1\2{REDACTED}"),
    # A one-time link code where a reply shows how to post it (`/devrel link CODE`, `/link CODE`, `code:CODE`):
    # whoever posts it first is linked to the person it was issued to.
    (re.compile(r"(\blink\s+(?:code:)?)[A-HJ-NP-Z2-9]{8}\b", re.IGNORECASE), rf"\1{REDACTED}"),
    # Secret-named fields in dict reprs, JSON, form and query strings.
    (re.compile(r"""(\b(?:client_secret|code|token|access_token|refresh_token|bot_token|api_key|password|secret)"""
                r"""['"]?\s*[:=]\s*['"]?)[^'"\s,&})]+"""), rf"\1{REDACTED}"),
)


def redact(text: str) -> str:
    """`text` with every capability the rules recognise replaced by [redacted]."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


# Any URL's path (and query): for loggers that only ever see capability URLs.
_URL_PATH = re.compile(r"(https?://[^/\s'\"<>]+)/[^\s'\"<>,)]*")


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) and traceback through `redact`;
    `hide_url_paths` also cuts every URL down to its host."""

    def __init__(self, hide_url_paths: bool = False) -> None:
        super().__init__()
        self._hide_url_paths = hide_url_paths

    def clean(self, text: str) -> str:
        text = redact(text)
        return _URL_PATH.sub(rf"\1/{REDACTED}", text) if self._hide_url_paths else text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            # Formatted here so the formatter uses this text and never formats the raw exception.
            record.exc_text = self.clean("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        elif record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


def redacted_logger(name: str, hide_url_paths: bool = False) -> logging.Logger:
    """A logger whose own records are redacted before any handler sees them: for an SDK that accepts
    a logger (its records never reach the handlers unfiltered, whatever the process configured)."""
    logger = logging.getLogger(name)
    if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
        logger.addFilter(RedactingFilter(hide_url_paths))
    return logger


def protect(logger: logging.Logger | None = None) -> None:
    """Add the redacting filter to each handler of `logger` (the root logger by default): a handler's
    filters see the records of every logger that propagates to it."""
    target = logger if logger is not None else logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
            handler.addFilter(RedactingFilter())


def configure_logging(verbose: bool) -> None:
    """The command line's logging: stderr, INFO (DEBUG with --verbose), redacted."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    protect()
