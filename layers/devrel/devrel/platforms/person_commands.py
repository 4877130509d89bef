"""The self-service commands about a person's own records, read the same on every platform:
`forget [confirm]`, `link [CODE]`, `profile [set key=value ...]` (Slack's and Discord's `/devrel ...`,
Telegram's `/forget`, `/link`, `/profile`).

Pure: the text only chooses an action and carries a code or profile values, checked here so bad input
is answered at once and nothing is enqueued. Whose records they are is the signed request's user,
which the converters put in the event's actor; a name in the text never selects anyone.
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from functools import cache

from devrel.events import PersonRequest

NAMES = ("forget", "link", "profile")
EXPERIENCE = ("newcomer", "intermediate", "experienced")
PROFILE_FIELDS = ("language", "experience", "interests", "timezone")
# Link codes: 8 characters of an alphabet without look-alikes (0/O, 1/I), upper-cased on input.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE = re.compile(rf"[{CODE_ALPHABET}]{{8}}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_TIMEZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,30}(?:/[A-Za-z0-9_+-]{1,30}){0,2}")
_INTEREST = re.compile(r"[\w .+#/-]{1,30}")
MAX_INTERESTS = 10
# `interests=none`: they want no interests at all, so none are inferred for them either.
INTERESTS_OFF = "none"

PROFILE_USAGE = ("set it with `profile set language=fr experience=newcomer interests=python,docs "
                 "timezone=Europe/Paris` (any of them; `language=auto` goes back to detecting it from what "
                 "you write; `interests=none` stops inferring them from your contributions); "
                 f"experience is one of {', '.join(EXPERIENCE)}")
NOT_YOURS = "You can only see and change your own profile; nothing about anyone else is shown."


def code_digest(code: str) -> str:
    """What stands for a link code outside the reply that shows it: in queue messages and the Store.

    A code has 40 bits, so a plain hash of it could be reversed by trying them all within its 10 minutes;
    scrypt (16 MiB, about 40 ms here) makes that cost years. Deterministic, so a posted code finds its record.
    """
    return hashlib.scrypt(code.upper().encode(), salt=b"devrel-link-code", n=2**14, r=8, p=1, dklen=16).hex()


class CommandError(ValueError):
    """What was wrong with the command, worded for the person who typed it."""


def parse(name: str, rest: str) -> PersonRequest:
    """`name` one of NAMES, `rest` what followed it. Raises CommandError for anything else."""
    words = rest.split()
    if name == "forget":
        if not words:
            return PersonRequest(action="forget")
        if [word.lower() for word in words] == ["confirm"]:
            return PersonRequest(action="forget_confirm")
        raise CommandError("`forget` takes nothing, or `confirm` after you asked to be forgotten.")
    if name == "link":
        if not words:
            return PersonRequest(action="link")
        code = words[0].upper().replace("-", "")
        if len(words) != 1 or not _CODE.fullmatch(code):
            raise CommandError("A link code is 8 letters and digits, as `link` gave it on your other account.")
        # Only the code's digest travels on (the queue, its dead-letter queue): never the code itself.
        return PersonRequest(action="link_redeem", code=code_digest(code))
    if name == "profile":
        if not words:
            return PersonRequest(action="profile")
        if words[0].lower() != "set":
            raise CommandError(NOT_YOURS)  # `profile @someone`: nobody else's profile is shown
        return PersonRequest(action="profile_set", changes=profile_changes(rest.strip()[3:]))
    raise CommandError(f"unknown command {name!r}")


# A GitHub comment that is exactly `devrel link CODE` (or `/devrel link CODE`): GitHub has no private
# reply, so a code is only ever redeemed there, never issued, and forget/profile are not read there.
_GITHUB_LINK = re.compile(r"\s*/?devrel\s+link\s+(\S{8,9})\s*", re.IGNORECASE)


def github_link(comment: str) -> PersonRequest | None:
    """The link request a GitHub comment is, if it is one (a malformed code: an ordinary comment)."""
    match = _GITHUB_LINK.fullmatch(comment)
    if match is None:
        return None
    try:
        return parse("link", match.group(1))
    except CommandError:
        return None


def profile_changes(text: str) -> dict[str, str]:
    """`language=fr interests=python, docs` -> checked values ("" clears a field)."""
    parts = re.split(r"(?:^|\s+)(\w+)\s*=", text.strip())
    if len(parts) < 3 or parts[0].strip():
        raise CommandError(f"Nothing to set: {PROFILE_USAGE}.")
    changes: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        key, value = key.lower(), value.strip()
        if key not in PROFILE_FIELDS:
            raise CommandError(f"{key!r} is not in a profile (it has {', '.join(PROFILE_FIELDS)}).")
        changes[key] = _checked(key, value)
    return changes


def _checked(key: str, value: str) -> str:
    if key == "language":
        value = value.lower()
        if value in ("", "auto"):
            return ""
        if not _LANGUAGE.fullmatch(value):
            raise CommandError("language is a two-letter ISO 639-1 code, e.g. fr, es, de, ja (or auto).")
        return value
    if key == "experience":
        if value.lower() not in (*EXPERIENCE, ""):
            raise CommandError(f"experience is one of {', '.join(EXPERIENCE)}.")
        return value.lower()
    if key == "interests":
        interests = [part.strip() for part in value.split(",") if part.strip()]
        if len(interests) > MAX_INTERESTS or not all(_INTEREST.fullmatch(part) for part in interests):
            raise CommandError(f"interests are up to {MAX_INTERESTS} comma-separated words of up to 30 characters.")
        return ", ".join(interests)
    if value and not _valid_timezone(value):
        raise CommandError("timezone is an IANA name such as Europe/Paris, America/New_York or UTC.")
    return value


def interest_is_valid(interest: str) -> bool:
    """Whether `profile set interests=...` would take it (an inferred interest must be one they can set)."""
    return interest.lower() != INTERESTS_OFF and bool(_INTEREST.fullmatch(interest))


def _valid_timezone(name: str) -> bool:
    if not _TIMEZONE.fullmatch(name):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A machine without any time-zone database (a minimal image) can only check the name's shape.
        return not _has_tz_database()
    return True


@cache
def _has_tz_database() -> bool:
    return bool(zoneinfo.available_timezones())


# Discord's `/devrel` subcommands take their argument as a named option.
DISCORD_OPTIONS = {"forget": "confirm", "link": "code", "profile": "set"}


def hint(platform: str, name: str, argument: str = "") -> str:
    """How `name argument` is typed on `platform` (for replies that say what to send next)."""
    if platform == "telegram":
        return f"/{name} {argument}".strip()
    if platform == "discord" and argument:
        value = "True" if name == "forget" else argument
        return f"/devrel {name} {DISCORD_OPTIONS[name]}:{value}"
    return f"/devrel {name} {argument}".strip()
