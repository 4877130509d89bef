"""Drafts made from approved release notes for a maintainer to copy: a short post per social network,
within its length limit and counting a link as that network does, and a blog post in Markdown.

Nothing here writes a claim of its own: each post is the release's name, bullets taken from the notes
as they are (their references dropped) and the release's link. The notes quote commit text, so
mentions are made inert before anything is drafted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from devrel.platforms.text import break_mentions

# Characters a post may have, and what a link counts for: Mastodon and X count any URL as 23 (their
# shorteners); Bluesky counts the text as written (None: a link counts its own length).
NETWORKS: dict[str, tuple[int, int | None]] = {"mastodon": (500, 23), "bluesky": (300, None), "x": (280, 23)}
_URL = re.compile(r"https?://\S+")
# A bullet's references at its end: "(#12, abc1234)" or "([#12](…), [abc1234](…))".
_REF = r"(?:\[#?\w+\]\([^)\s]*\)|#?\w+)"
_TRAILING_REFS = re.compile(rf"\s*\({_REF}(?:,\s*{_REF})*\)\s*$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
MORE = "More in the notes:"


@dataclass(frozen=True)
class SocialPost:
    network: str
    text: str
    length: int  # as the network counts it
    limit: int


def post_length(text: str, network: str) -> int:
    """The length `network` sees: links at their counted weight; on X, characters outside the Latin,
    general punctuation ranges (CJK, emoji) count twice."""
    _, link_weight = NETWORKS[network]
    total, rest = 0, text
    if link_weight is not None:
        total += link_weight * len(_URL.findall(text))
        rest = _URL.sub("", text)
    if network == "x":
        return total + sum(1 if ord(c) <= 0x10FF or 0x2000 <= ord(c) <= 0x201F else 2 for c in rest)
    return total + len(rest)


def note_bullets(notes: str) -> list[str]:
    """The notes' top-level bullets as plain text, in the notes' order (breaking changes first)."""
    found = []
    for line in notes.splitlines():
        if not line.startswith("- "):
            continue  # headings, thanks, nested upgrade steps
        text = _MD_LINK.sub(r"\1", _TRAILING_REFS.sub("", line[2:])).replace("**", "").replace("`", "").strip()
        if text:
            found.append(break_mentions(text))
    return found


def social_posts(repository: str, tag: str, notes: str, link: str) -> list[SocialPost]:
    """One post per network: as many of the notes' bullets as fit, in order, and the release's link."""
    posts = []
    bullets = note_bullets(notes)
    head = f"{repository} {tag} is out."
    for network, (limit, _) in NETWORKS.items():
        def render(chosen: list[str], more: bool) -> str:
            body = "\n".join(f"• {b}" for b in chosen)
            tail = f"{MORE} {link}" if more else link
            return "\n\n".join(part for part in (head, body, tail) if part)

        chosen: list[str] = []
        for bullet in bullets:
            # Room is kept for "More in the notes" whenever a bullet is left out.
            if post_length(render([*chosen, bullet], more=True), network) <= limit:
                chosen.append(bullet)
        text = render(chosen, more=len(chosen) < len(bullets))
        if post_length(text, network) > limit:  # an unusually long name: the link alone still fits
            text = f"{head[: max(0, limit - len(link) - 2)]}\n\n{link}" if post_length(link, network) < limit \
                else link
        posts.append(SocialPost(network, text, post_length(text, network), limit))
    return posts


def blog_post(repository: str, tag: str, notes: str, link: str) -> str:
    """A blog post draft in Markdown: front matter, the notes' sections as they are, the release's link."""
    lines = notes.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]  # the post has its own title
    body = "\n".join(lines).strip()
    title = f"{repository} {tag} is out"
    return (f"---\ntitle: {json.dumps(title)}\n---\n\n# {title}\n\n{repository} {tag} is available: {link}\n\n"
            f"{break_mentions(body)}\n\nThe full release notes are on GitHub: {link}\n")
