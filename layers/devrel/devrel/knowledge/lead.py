"""A readable first paragraph for an answer, made only of sentences the sources already contain.

Edge mode has no model large enough to write a lead that survives the citation check, and a reply
that is nothing but quoted code leaves the reader to find the answer in it. So the lead is picked,
not written: the sentences of the retrieved passages' prose (docs paragraphs, docstrings, issue and
thread text) that hold the most of the question's words, each followed by the number of the
passage it comes from. Nothing in it is new text, so nothing in it can be made up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import identifier_words

_DOCSTRING = re.compile(r'(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', re.DOTALL)
_DEFINITION = re.compile(r"^\s*(?:async\s+def|def|class)\s+(\w+)", re.MULTILINE)
# A sentence ends at . ! ? followed by a space and something that can start a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(*_\[])")
_MARKUP_LINE = re.compile(r"^\s*(?:#|```|~~~|\||\.\. |:param|:return|:raises|>>>|\.\.\.|[=\-~^*+]{3,}\s*$)")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_FIELD_LIST = re.compile(r"^\s*(?:Args|Arguments|Returns|Raises|Parameters|Example|Examples|Note|Yields):?\s*$")
MIN_CHARS, MAX_CHARS = 25, 320


@dataclass(frozen=True)
class Sentence:
    text: str
    passage: int  # 1-based, as the answer numbers its sources
    words: frozenset[str]


def _stem(word: str) -> str:
    return word[:5]  # the quote picker's stemming, so both agree on what "matches"


def _words(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in identifier_words(text).split() if len(w) > 1)


def _paragraphs(lines: Sequence[str]) -> list[str]:
    """Prose paragraphs of `lines`: headings, code blocks, tables and doctest lines left out."""
    paragraphs: list[str] = []
    current: list[str] = []
    in_code = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code or not stripped or _MARKUP_LINE.match(line) or _FIELD_LIST.match(line) or line.startswith("    "):
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if _BULLET.match(line) and current:
            paragraphs.append(" ".join(current))
            current = []
        current.append(_BULLET.sub("", stripped))
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _prose(chunk: Chunk) -> list[str]:
    """Sentences a reader can take as plain text: docstrings for code, paragraphs otherwise."""
    if chunk.kind == "code":
        name = _DEFINITION.search(chunk.text)
        out = []
        for docstring in _DOCSTRING.findall(chunk.text):
            lines = [line.strip() for line in docstring.strip().split("\n")]
            for paragraph in _paragraphs(lines):
                out += _split(paragraph)
        # A docstring's first sentence speaks of "this function": name it, so the lead reads alone.
        if out and name:
            out[0] = f"`{name.group(1)}`: {out[0]}"
        return out
    return [sentence for paragraph in _paragraphs(chunk.text.split("\n")) for sentence in _split(paragraph)]


def _split(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if MIN_CHARS <= len(s.strip()) <= MAX_CHARS]


def candidates(passages: Sequence[Chunk]) -> list[Sentence]:
    return [Sentence(text, number, _words(text)) for number, chunk in enumerate(passages, 1) for text in _prose(chunk)]


def extractive_lead(terms: Sequence[str], passages: Sequence[Chunk], max_sentences: int = 2) -> str:
    """Up to `max_sentences` sentences from `passages` that best cover `terms`, each with its [n].

    Empty when no sentence holds at least two of the question's words (or its only one, for a
    one-word question): a lead that does not speak to the question is worse than none.
    """
    wanted = {_stem(t) for t in terms}
    sentences = candidates(passages)
    if not wanted or not sentences:
        return ""
    # Words found in many candidate sentences say little about which one answers.
    spread = {word: sum(word in s.words for s in sentences) for word in wanted}
    weight = {word: math.log(1 + len(sentences) / (1 + count)) for word, count in spread.items()}
    needed = min(2, len(wanted))
    chosen: list[Sentence] = []
    covered: set[str] = set()
    for _ in range(max_sentences):
        best, best_score = None, 0.0
        for sentence in sentences:
            if sentence in chosen:
                continue
            new = (sentence.words & wanted) - covered
            if len(sentence.words & wanted) < needed or not new:
                continue
            # Earlier passages ranked higher; long sentences are harder to read as a lead.
            score = sum(weight[w] for w in new) / (1 + 0.15 * (sentence.passage - 1))
            score /= 1 + len(sentence.text) / 600
            if score > best_score:
                best, best_score = sentence, score
        if best is None:
            break
        chosen.append(best)
        covered |= best.words & wanted
    chosen.sort(key=lambda s: (s.passage, sentences.index(s)))
    return " ".join(f"{s.text} [{s.passage}]" for s in chosen)
