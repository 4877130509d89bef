"""Issues as triage sees them, and the text features drawn from them.

Every function here is pure: the same issue always gives the same features, whatever it says.
Issue text is data to be scored, never instructions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# Long bodies (logs, dumps) add cost but little signal past the first few thousand characters.
MAX_BODY_CHARS = 4000
CHAR_BODY_CHARS = 1000

_URL = re.compile(r"https?://\S+")
_HEX = re.compile(r"\b(?:0x)?[0-9a-f]{12,}\b")
_NUMBER = re.compile(r"\b\d[\d.]*\b")
_WHITESPACE = re.compile(r"\s+")
# Words, with identifiers split at case changes: "DevToolsBug" -> dev, tools, bug.
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[a-z]+")
_FENCE = "```"
_FENCED_BLOCK = re.compile(r"```.*?(?:```|$)", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Prose the embedder reads: its 256-token window is better spent on words than on logs.
PROSE_CHARS = 2000


@dataclass(frozen=True)
class Issue:
    """One issue report. `labels` are the known labels (empty when unlabelled)."""

    title: str
    body: str = ""
    labels: tuple[str, ...] = ()
    issue_id: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # When it was opened (Unix seconds), if known: duplicates are filed close in time to their originals.
    created: float | None = None

    @property
    def label(self) -> str | None:
        return self.labels[0] if self.labels else None

    @property
    def text(self) -> str:
        """Title and (truncated) body."""
        return f"{self.title.strip()}\n\n{self.body[:MAX_BODY_CHARS].strip()}".strip()

    @property
    def prose(self) -> str:
        """Title and body without code blocks, logs or template comments."""
        body = _HTML_COMMENT.sub(" ", _FENCED_BLOCK.sub(" [code] ", self.body))
        return f"{self.title}\n\n{_WHITESPACE.sub(' ', body)[:PROSE_CHARS]}"


def normalize(text: str) -> str:
    """Mask what varies from issue to issue without carrying meaning (links, ids, numbers)."""
    text = _URL.sub(" urltoken ", text)
    text = _HEX.sub(" hextoken ", text)
    return _NUMBER.sub(" numtoken ", text)


def words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text) if len(word) > 1]


def word_ngrams(tokens: list[str], max_n: int = 2) -> Counter[str]:
    grams: Counter[str] = Counter(tokens)
    for n in range(2, max_n + 1):
        grams.update(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_ngrams(text: str, sizes: tuple[int, ...] = (3, 4, 5)) -> Counter[str]:
    """Character n-grams inside word boundaries (padded words), robust to typos and inflections."""
    grams: Counter[str] = Counter()
    for word in _WHITESPACE.sub(" ", text.lower()).split(" "):
        if not word:
            continue
        padded = f" {word} "
        for n in sizes:
            grams.update(padded[i:i + n] for i in range(max(1, len(padded) - n + 1)))
    return grams


def structure_marks(body: str) -> Counter[str]:
    """Coarse shape of a report: code fences, stack-trace lines, headings, questions, checklists."""
    marks: Counter[str] = Counter()
    if _FENCE in body:
        marks["has_code"] += 1
    if re.search(r"(?m)^\s*(at |File \"|Traceback|\w+(Error|Exception)\b)", body):
        marks["has_trace"] += 1
    if re.search(r"(?m)^#{1,6} ", body):
        marks["has_headings"] += 1
    if re.search(r"(?m)^\s*[-*] \[[ xX]\]", body):
        marks["has_checklist"] += 1
    if "?" in body:
        marks["has_question_mark"] += 1
    if not body.strip():
        marks["empty_body"] += 1
    return marks


def analyze(issue: Issue) -> dict[str, Counter[str]]:
    """Raw term counts per feature block; the vectorizer turns them into weighted vectors."""
    title = normalize(issue.title)
    body = normalize(issue.body[:MAX_BODY_CHARS])
    title_words = words(title)
    shape = structure_marks(issue.body)
    if issue.title.rstrip().endswith("?"):
        shape["title_question"] += 1
    return {
        "title": word_ngrams(title_words, 2),
        "words": word_ngrams(title_words + words(body), 2),
        "chars": char_ngrams(f"{title} {body[:CHAR_BODY_CHARS]}"),
        "shape": shape,
    }
