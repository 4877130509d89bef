"""Type labels for a repository with no labelled history yet.

Two fallbacks, both limited to the configured labels: a keyword heuristic (no model, instant) and
a few-shot prompt to the LLM port whose reply schema is an enum of those labels plus "unsure".
Either abstains rather than guess: a wrong label on a stranger's issue costs more than none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, create_model

from devrel.ports import LLM, ChatMessage, PortError
from devrel.triage.classifier import Prediction
from devrel.triage.text import Issue

UNSURE = "unsure"
# The report shown to a small model: its start says what it is about; logs follow.
PROMPT_ISSUE_CHARS = 1200

# Names repositories give the common type labels, mapped to one canonical kind.
KIND_ALIASES: dict[str, tuple[str, ...]] = {
    "bug": ("bug", "type: bug", "kind/bug", "defect", "type/bug", "t-bug"),
    "feature": ("feature", "enhancement", "feature request", "feature-request", "type: feature",
                "kind/feature", "type: enhancement", "improvement"),
    "question": ("question", "support", "type: question", "kind/question", "help"),
    "docs": ("docs", "documentation", "type: docs", "kind/documentation", "type: documentation"),
}

KIND_DESCRIPTIONS: dict[str, str] = {
    "bug": "something that used to work or should work is broken: errors, crashes, wrong results",
    "feature": "a request for new behaviour, an option, an API or an improvement to an existing one",
    "question": "the author asks how to do something or why something behaves as it does",
    "docs": "the documentation is missing, wrong or unclear",
}

# Weighted cue patterns per kind; a title match counts double (titles state the intent).
KIND_CUES: dict[str, tuple[tuple[str, float], ...]] = {
    "bug": (
        (r"\b(bug|crash(es|ed)?|broken|regression|fails?|failing|failed|error|exception|traceback|segfault)\b", 1.0),
        (r"\b(expected|actual) (behaviou?r|result)\b", 1.0),
        (r"\b(steps to reproduce|repro(duction)? steps|to reproduce)\b", 1.5),
        (r"\b(does ?n[o']t work|not working|stopped working|wrong|incorrect)\b", 1.0),
    ),
    "feature": (
        (r"\b(feature request|enhancement|proposal|suggestion)\b", 2.0),
        (r"\b(add|support for|allow|would be (nice|great|useful)|it would be|please add|ability to)\b", 1.0),
        (r"\b(is your feature request related|describe the solution you'?d like)\b", 2.0),
    ),
    "question": (
        (r"\b(how (do|can|to|should)|is it possible|what is the (best|right) way|any (idea|way))\b", 1.5),
        (r"\b(question|help( needed)?|wondering|confused|clarif(y|ication))\b", 1.0),
        (r"\?\s*$", 1.0),
    ),
    "docs": (
        (r"\b(docs?|documentation|readme|typo|tutorial|docstring|example in the)\b", 1.5),
    ),
}


def label_kind(label: str) -> str | None:
    """The canonical kind a repository label stands for, if it is one of the common type labels."""
    wanted = label.strip().lower()
    return next((kind for kind, aliases in KIND_ALIASES.items() if wanted in aliases), None)


@dataclass(frozen=True)
class KeywordClassifier:
    """Scores the configured type labels by cue words; labels of unknown kind are never chosen."""

    labels: tuple[str, ...]
    min_score: float = 2.0
    # The winner must beat the runner-up by this factor, or the report is mixed: abstain.
    min_ratio: float = 1.5

    def predict(self, issue: Issue) -> Prediction:
        scores = {label: self._score(label, issue) for label in self.labels}
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        best, top = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        rounded = {label: round(score, 2) for label, score in scores.items()}
        if top < self.min_score:
            return Prediction((), best, rounded, f"too few cues for any label (best {best}: {top:.1f})")
        if runner_up and top < self.min_ratio * runner_up:
            return Prediction((), best, rounded, f"mixed cues: {best} {top:.1f} vs {ranked[1][0]} {runner_up:.1f}")
        return Prediction((best,), best, rounded, f"keyword cues for {best} ({top:.1f})")

    def _score(self, label: str, issue: Issue) -> float:
        kind = label_kind(label)
        if kind is None:
            return 0.0
        title, body = issue.title.lower(), issue.body[:4000].lower()
        score = 0.0
        for pattern, weight in KIND_CUES[kind]:
            score += 2 * weight * len(re.findall(pattern, title, flags=re.M))
            score += weight * min(3, len(re.findall(pattern, body, flags=re.M)))
        return score


@dataclass(frozen=True)
class Example:
    title: str
    body: str
    kind: str


# Few-shot demonstrations; only those whose kind is among the configured labels are shown.
EXAMPLES: tuple[Example, ...] = (
    Example("App crashes when saving a file with an emoji in its name",
            "Steps to reproduce: create `a😀.txt`, press save.\nExpected: saved. Actual: TypeError in writer.py",
            "bug"),
    Example("Support exporting reports as CSV", "It would be useful to download the table as CSV, "
            "not only PDF. Could an export button be added?", "feature"),
    Example("How do I configure a proxy for the client?",
            "I am behind a corporate proxy. Is there a setting for it, or an environment variable?", "question"),
    Example("Install page lists a wrong command", "The README says `pip install pkg[all]` but the extra is "
            "called `full`.", "docs"),
)


def label_schema(labels: Sequence[str]) -> type[BaseModel]:
    """A reply model whose only field is an enum of the configured labels (plus "unsure")."""
    choices: Any = Literal[tuple([*labels, UNSURE])]  # type: ignore[valid-type]
    return create_model("IssueLabel", label=(choices, ...))


class LlmClassifier:
    """Few-shot classification by the LLM port, with the reply constrained to the configured labels."""

    def __init__(self, llm: LLM, labels: Sequence[str], max_tokens: int = 24) -> None:
        if UNSURE in labels:
            raise ValueError(f"{UNSURE!r} is reserved for abstaining")
        self.llm = llm
        self.labels = tuple(labels)
        self.schema = label_schema(self.labels)
        self.max_tokens = max_tokens
        self.system = self._system_prompt()

    def _system_prompt(self) -> str:
        template = resources.files("devrel.triage").joinpath("prompts/classify_issue.md").read_text("utf-8")
        described = "\n".join(f"- {label}: {KIND_DESCRIPTIONS.get(label_kind(label) or '', 'see the label name')}"
                              for label in self.labels)
        return template.format(label_descriptions=described, label_names=", ".join([*self.labels, UNSURE]))

    def messages(self, issue: Issue) -> list[ChatMessage]:
        conversation = [ChatMessage("system", self.system)]
        for example in EXAMPLES:
            label = next((label for label in self.labels if label_kind(label) == example.kind), None)
            if label is not None:
                conversation.append(ChatMessage("user", _issue_block(example.title, example.body)))
                conversation.append(ChatMessage("assistant", f'{{"label": "{label}"}}'))
        conversation.append(ChatMessage("user", _issue_block(issue.title, issue.body)))
        return conversation

    def predict(self, issue: Issue) -> Prediction:
        try:
            reply = self.llm.structured(self.messages(issue), self.schema, max_tokens=self.max_tokens)
        except PortError as error:
            return Prediction((), UNSURE, {}, f"model gave no usable answer: {error}")
        label = getattr(reply, "label", None)
        # The schema already limits the reply; checking again costs nothing and survives adapters
        # that do not enforce it.
        if label not in self.labels:
            return Prediction((), UNSURE, {}, f"model was unsure ({label!r})")
        return Prediction((label,), label, {label: 1.0}, f"model chose {label} (zero-shot, no history)")


def _issue_block(title: str, body: str) -> str:
    text = f"{title.strip()}\n\n{body.strip()}"[:PROMPT_ISSUE_CHARS]
    # Closing tags inside the text would end the data block early.
    text = text.replace("</issue>", "</ issue>")
    return f"<issue>\n{text}\n</issue>"
