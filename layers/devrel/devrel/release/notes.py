"""Markdown release notes for two audiences, every bullet citing the commits or pull request it
came from.

External notes (what users notice): breaking changes with their upgrade steps first, then features,
fixes, performance and docs; thanks to everyone who contributed, first-timers called out. Internal
notes (for maintainers): every change, internal ones and routine bumps too, with its authors and why
it got its kind, and the user-facing changes that touched no docs.

Text from commits and pull requests is untrusted: one line each, no HTML, no mention that notifies
anyone, credentials redacted, nothing but the change's own words (see `clean_line`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from devrel.knowledge.credentials import redact_credentials
from devrel.platforms.text import break_mentions
from devrel.release.changes import USER_FACING, Change, Kind
from devrel.release.classify import conventional, is_docs_file
from devrel.release.extract import is_bot, strip_squash_suffix

Audience = Literal["external", "internal"]
HEADINGS: dict[Kind, str] = {"breaking": "Breaking changes", "feature": "Features", "fix": "Bug fixes",
                             "performance": "Performance", "docs": "Documentation", "internal": "Internal"}
MAX_LINE = 300
_HTML = re.compile(r"<!--.*?-->|</?[A-Za-z][^>]*>", re.S)
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
# Slack's and Discord's broadcast syntaxes, which break_mentions (an @ before a name) does not cover.
_BROADCAST = re.compile(r"<!(everyone|channel|here|subteam\^[^>]*)[^>]*>|<@[!&]?\w+>|<#\w+>", re.I)
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_NOT_PEOPLE = frozenset({"everyone", "here", "channel", "all", "ghost"})
# Author names git gets from unconfigured machines: nobody to thank by that name.
_NO_NAME = frozenset({"unknown", "root", "user", "ubuntu", "admin", "(no author)", "none"})


@dataclass(frozen=True)
class Bullet:
    kind: Kind
    text: str
    change: Change


def clean_line(text: str) -> str:
    """One untrusted line made safe to publish: first line only, no HTML or broadcast syntax, no
    live mentions, credentials redacted, no conventional prefix or squash suffix, bounded length."""
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = _without_html(line)
    _, _, line = conventional(strip_squash_suffix(line))
    line = line.replace("[skip ci]", "").replace("[ci skip]", "").strip(" -*#>")
    line = redact_credentials("commit-message.txt", line) or ""
    line = " ".join(break_mentions(line).split())  # what was removed leaves no double spaces
    if len(line) > MAX_LINE:
        line = line[:MAX_LINE - 1].rsplit(" ", 1)[0] + "…"
    return line[:1].upper() + line[1:]


def _without_html(line: str) -> str:
    """Broadcast syntax removed everywhere, HTML outside code spans: inside one, `<stdout>` is text."""
    parts = _CODE_SPAN.split(_BROADCAST.sub("", line))
    return "".join(part if index % 2 else _HTML.sub("", part) for index, part in enumerate(parts))


def person(name: str, is_login: bool) -> str:
    """A contributor as the notes show them: @login for GitHub accounts, the plain name otherwise."""
    safe = break_mentions(_BROADCAST.sub("", _HTML.sub("", name))).strip()
    if is_login and _LOGIN.match(name) and name.lower() not in _NOT_PEOPLE:
        return f"@{name}"
    return safe


def ref_links(change: Change, web_url: str) -> str:
    """`(#12, abc1234)`, as links when the repository's web address is known."""
    parts = []
    if change.pull is not None:
        url = change.url or (f"{web_url}/pull/{change.pull}" if web_url else "")
        parts.append(f"[#{change.pull}]({url})" if url else f"#{change.pull}")
    for sha in change.commits[: 1 if change.pull is not None else 3]:
        parts.append(f"[{sha[:7]}]({web_url}/commit/{sha})" if web_url else sha[:7])
    return f"({', '.join(parts)})" if parts else ""


def bullets(changes: Sequence[Change], audience: Audience,
            phrased: Mapping[int, str] | None = None) -> list[Bullet]:
    """The bullets of the notes, in section order; `phrased` replaces the text of some (by index of
    `changes`) with a checked rephrasing."""
    order = {kind: rank for rank, kind in enumerate(HEADINGS)}
    chosen = [(index, change) for index, change in enumerate(changes)
              if change.commits and (audience == "internal" or (change.kind in USER_FACING and not change.routine))]
    chosen.sort(key=lambda pair: (order[pair[1].kind], pair[1].at))
    found = []
    for index, change in chosen:
        text = (phrased or {}).get(index) or clean_line(change.title)
        if text:
            found.append(Bullet(change.kind, text, change))
    return found


@dataclass(frozen=True)
class RenderOptions:
    title: str = ""
    web_url: str = ""
    # The evaluation compares text with reference notes that carry no references: it turns them off.
    refs: bool = True
    contributors: bool = True


def render(changes: Sequence[Change], audience: Audience, options: RenderOptions = RenderOptions(),
           phrased: Mapping[int, str] | None = None) -> str:
    lines: list[str] = [f"# {options.title}", ""] if options.title else []
    listed = bullets(changes, audience, phrased)
    for kind, heading in HEADINGS.items():
        section = [b for b in listed if b.kind == kind]
        if audience == "internal" and kind == "internal":
            section = [b for b in section if not b.change.routine]
        if not section:
            continue
        lines += [f"## {heading}", ""]
        for bullet in section:
            lines.append(_bullet_line(bullet, audience, options))
            if kind == "breaking" and bullet.change.upgrade:
                lines.append(f"  - Upgrade: {clean_line(bullet.change.upgrade)}")
        lines.append("")
    if audience == "internal":
        lines += _internal_extras(listed, options)
    if options.contributors:
        lines += _thanks(changes, options)
    if not listed:
        lines += ["No user-facing changes." if audience == "external" else "No changes.", ""]
    return "\n".join(lines).strip() + "\n"


def _bullet_line(bullet: Bullet, audience: Audience, options: RenderOptions) -> str:
    text = bullet.text
    refs = ref_links(bullet.change, options.web_url) if options.refs else ""
    if audience == "internal":
        who = ", ".join(person(a, bullet.change.logins) for a in bullet.change.authors[:3])
        extra = f" — {who}" if who else ""
        extra += f" [{bullet.change.because}]" if bullet.change.because else ""
        return f"- {text}{extra} {refs}".rstrip()
    return f"- {text} {refs}".rstrip()


def missing_docs(listed: Sequence[Bullet]) -> list[Bullet]:
    """User-facing changes (features, breaking changes) whose files include no documentation."""
    return [b for b in listed if b.kind in ("breaking", "feature") and b.change.files
            and not any(is_docs_file(f) for f in b.change.files)]


def _internal_extras(listed: Sequence[Bullet], options: RenderOptions) -> list[str]:
    lines: list[str] = []
    routine = [b for b in listed if b.change.routine]
    if routine:
        lines += ["## Routine (dependency bumps, release housekeeping)", ""]
        lines += [f"- {b.text} {ref_links(b.change, options.web_url) if options.refs else ''}".rstrip()
                  for b in routine]
        lines.append("")
    undocumented = missing_docs(listed)
    if undocumented:
        lines += ["## Missing docs", "", "User-facing changes that touched no documentation:", ""]
        lines += [f"- {b.text} {ref_links(b.change, options.web_url) if options.refs else ''}".rstrip()
                  for b in undocumented]
        lines.append("")
    return lines


def _thanks(changes: Sequence[Change], options: RenderOptions) -> list[str]:
    people: dict[str, bool] = {}  # name -> is a GitHub login
    first: dict[str, None] = {}
    for change in changes:
        for author in change.authors:
            if not is_bot(author) and author.strip().lower() not in _NO_NAME:
                people.setdefault(author, change.logins)
        for name in change.co_authors:
            people.setdefault(name, False)
        for name in change.first_time_authors:
            first.setdefault(name, None)
    if not people:
        return []
    names = ", ".join(person(name, login) for name, login in people.items())
    lines = ["## Contributors", "", f"Thanks to {names}."]
    newcomers = [person(name, people[name]) for name in first if name in people]
    if newcomers:
        lines += ["", f"First contributions from {', '.join(newcomers)}: welcome!"]
    return [*lines, ""]
