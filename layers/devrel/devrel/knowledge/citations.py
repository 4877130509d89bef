"""Citations and the checks every answer passes before it is posted.

A citation points at one retrieved passage and may carry a quote. It survives only if the passage
is among the ones retrieved for this question and the quote occurs in that passage's text
(whitespace-insensitive). Free text written by a model is checked the same way: `[n]` markers must
name a numbered passage, a quote followed by a marker must occur in that passage (or is re-pointed
to the passage that holds it), and links that are not retrieved passages are removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit


@dataclass(frozen=True)
class Citation:
    chunk_id: str
    url: str
    quote: str = ""
    # Lines of the quote within the file (a narrower link than the whole passage).
    start_line: int = 0
    end_line: int = 0


def normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def quote_occurs(quote: str, chunk: Chunk) -> bool:
    return bool(quote.strip()) and normalize(quote) in normalize(chunk.text)


def check_citations(citations: Sequence[Citation], retrieved: Sequence[Hit]) -> tuple[list[Citation], list[str]]:
    """Split citations into those that hold and the reasons the others were dropped."""
    by_id = {hit.chunk.chunk_id: hit.chunk for hit in retrieved}
    kept: list[Citation] = []
    dropped: list[str] = []
    for citation in citations:
        chunk = by_id.get(citation.chunk_id)
        if chunk is None:
            dropped.append(f"{citation.url}: not among the retrieved passages")
        elif citation.quote and not quote_occurs(citation.quote, chunk):
            dropped.append(f"{citation.url}: quoted text is not in the passage")
        else:
            kept.append(citation)
    return kept, dropped


_MARKER = re.compile(r"\[(\d{1,3})\]")
# A double-quoted span (straight or curly quotes) directly followed by one marker.
_QUOTED_MARKER = re.compile(r"[\"“]([^\"”\n]{4,400})[\"”]\s*\[(\d{1,3})\]")
_URL = re.compile(r"https?://[^\s)\]>]+")


@dataclass(frozen=True)
class CheckedText:
    text: str
    used: list[int]  # passage numbers (1-based) the text still cites, in order of first use
    dropped: list[str]


def check_generated_text(text: str, passages: Sequence[Chunk]) -> CheckedText:
    """Make model-written text cite only what was retrieved and quote only what is there."""
    dropped: list[str] = []

    def fix_quote(match: re.Match[str]) -> str:
        quote, number = match.group(1), int(match.group(2))
        if 1 <= number <= len(passages) and quote_occurs(quote, passages[number - 1]):
            return match.group(0)
        holder = next((i for i, chunk in enumerate(passages, start=1) if quote_occurs(quote, chunk)), None)
        if holder is not None:
            dropped.append(f"quote re-pointed from [{number}] to [{holder}]")
            return f'"{quote}" [{holder}]'
        dropped.append(f"quote not found in any passage: {quote[:60]!r}")
        return ""  # an unverifiable quote is not repeated at all

    text = _QUOTED_MARKER.sub(fix_quote, text)

    def fix_marker(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if 1 <= number <= len(passages):
            return match.group(0)
        dropped.append(f"marker [{number}] names no retrieved passage")
        return ""

    text = _MARKER.sub(fix_marker, text)
    known_urls = {chunk.url for chunk in passages}

    def fix_url(match: re.Match[str]) -> str:
        url = match.group(0).rstrip(".,;:")
        if url in known_urls:
            return match.group(0)
        dropped.append(f"link to a source that was not retrieved: {url}")
        return ""

    text = _URL.sub(fix_url, text)
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    used: list[int] = []
    for match in _MARKER.finditer(text):
        number = int(match.group(1))
        if number not in used:
            used.append(number)
    return CheckedText(text, used, dropped)
