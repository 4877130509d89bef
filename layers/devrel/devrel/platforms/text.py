"""Platform-neutral text helpers the converters share: question detection, chunking Markdown, and
breaking @-mentions the assistant did not mean to make."""

from __future__ import annotations

import re

_QUESTION_OPENERS = re.compile(
    r"^\s*(how|what|why|where|when|which|who|is|are|can|could|should|does|do|did|will|would|has|have)\b",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^(\s*)(```+|~~~+)(.*)$")


# Code (fenced blocks, inline spans) is left alone: GitHub and Discourse never mention from code,
# and a decorator in an example must stay copyable.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.DOTALL)
# An @ that GitHub and Discourse read as a mention (of a user, a team like @org/team, @here, @all):
# not inside a word (e-mail addresses) or a path (URLs), and followed by a name.
_AT_MENTION = re.compile(r"(?<![\w@/`])@(?=[A-Za-z0-9])")
# Invisible, so `@name` still reads the same, but no longer matches a mention.
WORD_JOINER = "\u2060"


def break_mentions(markdown: str) -> str:
    """Every @-mention outside code, made inert: the assistant's replies quote model output and other
    people's text, and must not notify users, teams or everyone in a thread."""
    parts = _CODE.split(markdown)
    return "".join(part if index % 2 else _AT_MENTION.sub("@" + WORD_JOINER, part)
                   for index, part in enumerate(parts))


def looks_like_question(text: str) -> bool:
    """A cheap first filter: a question mark, or a line that opens like a question."""
    if "?" in text:
        return True
    return any(_QUESTION_OPENERS.match(line) for line in text.splitlines())


def split_markdown(text: str, limit: int) -> list[str]:
    """Split Markdown into chunks of at most `limit` characters.

    Lines are packed greedily; a paragraph break past three quarters of the limit ends a chunk
    early (a nicer cut). A code block cut in two is closed at the end of one chunk and reopened
    with the same fence (and language) at the start of the next, so each chunk renders alone.
    """
    if limit < 40:
        raise ValueError("limit too small to keep code fences intact")
    chunks: list[str] = []
    lines: list[str] = []
    opener: str | None = None  # the fence line still open at the end of `lines`

    def fits(piece: str, open_after: str | None) -> bool:
        closing = len(_closer(open_after)) + 1 if open_after else 0
        return len("\n".join([*lines, piece])) + closing <= limit

    def flush() -> None:
        nonlocal lines
        body = [*lines, _closer(opener)] if opener else lines
        chunks.append("\n".join(body))
        lines = [opener] if opener else []

    for raw in text.split("\n"):
        # A fence line opens a block when none is open, and closes the open one otherwise.
        open_after = (None if opener else raw.strip()) if _FENCE.match(raw) else opener
        room = limit - (len(open_after) + 1 if open_after else 0) - (len(_closer(open_after)) + 1)
        for piece in _hard_wrap(raw, room):
            if lines and lines != [opener] and not fits(piece, open_after):
                flush()
            lines.append(piece)
        opener = open_after
        if not raw.strip() and opener is None and len("\n".join(lines)) > limit * 0.75:
            flush()
    if lines and lines != [opener]:
        flush()
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def _closer(fence_line: str | None) -> str:
    marker = _FENCE.match(fence_line or "")
    return marker.group(2) if marker else "```"


def _hard_wrap(line: str, width: int) -> list[str]:
    """Break one over-long line, at a space where there is one."""
    pieces: list[str] = []
    while len(line) > width:
        cut = line.rfind(" ", 0, width)
        if cut <= 0:
            cut = width
        pieces.append(line[:cut])
        line = line[cut:].removeprefix(" ")
    pieces.append(line)
    return pieces
