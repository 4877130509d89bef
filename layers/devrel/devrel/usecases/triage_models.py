"""Which learned (or zero-shot) models the triage steps use, per deployment.

A classifier trained with `devrel train` on the repository's own labelled issues is used when one
was published (the `triage-model` artifact); otherwise a keyword zero-shot classifier that abstains
on mixed signals. Duplicate search is hybrid (TF-IDF + embeddings) when an embedder is available.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from devrel.ports import Artifacts, Embedder
from devrel.triage.classifier import MODEL_FILE, IssueClassifier
from devrel.triage.duplicates import DuplicateIndex
from devrel.triage.text import Issue
from devrel.triage.zeroshot import KeywordClassifier, label_kind
from devrel.usecases.triage_steps import (
    Classifier,
    DuplicateCandidate,
    DuplicateScorer,
    IssueFacts,
    IssueType,
    Labeler,
)

log = logging.getLogger(__name__)

ISSUE_TYPES: tuple[IssueType, ...] = ("bug", "feature", "question", "docs")
MODEL_ARTIFACT = "triage-model"


def _as_issue_type(label: str | None) -> IssueType | None:
    kind = label_kind(label) if label else None
    return kind if kind in ISSUE_TYPES else None  # type: ignore[return-value]


@lru_cache(maxsize=4)
def _load_classifier(folder: Path, modified_ns: int) -> IssueClassifier:
    """Loaded once per warm container; `devrel train` writing a new model changes the key."""
    return IssueClassifier.load(folder)


def issue_classifier(artifacts: Artifacts, embedder: Callable[[], Embedder]) -> Classifier:
    folder = artifacts.fetch(MODEL_ARTIFACT)
    if folder is not None and (folder / MODEL_FILE).is_file():
        trained = _load_classifier(folder, (folder / MODEL_FILE).stat().st_mtime_ns)

        def learned(title: str, body: str) -> tuple[IssueType | None, float]:
            vectors = embedder() if trained.embedding is not None else None
            prediction = trained.predict([Issue(title=title, body=body)], vectors)[0]
            return _as_issue_type(prediction.label), float(prediction.scores.get(prediction.best, 0.0))

        return learned
    zero_shot = KeywordClassifier(labels=ISSUE_TYPES)

    def keywords(title: str, body: str) -> tuple[IssueType | None, float]:
        prediction = zero_shot.predict(Issue(title=title, body=body))
        total = sum(prediction.scores.values()) or 1.0
        return _as_issue_type(prediction.label), prediction.scores.get(prediction.best, 0.0) / total

    return keywords


# A learned label below its precision target is suggested when the model gives it at least this score.
SUGGEST_SCORE = 0.5


def repository_labeler(artifacts: Artifacts, embedder: Callable[[], Embedder]) -> Labeler | None:
    """The repository's own labels (type and area) from a multi-label model `devrel train --repo` published:
    those above their precision threshold to apply, the likely rest to suggest. None without one."""
    folder = artifacts.fetch(MODEL_ARTIFACT)
    if folder is None or not (folder / MODEL_FILE).is_file():
        return None
    trained = _load_classifier(folder, (folder / MODEL_FILE).stat().st_mtime_ns)
    if not trained.config.multi_label:
        return None  # a model of issue types only: `issue_classifier` uses it

    def labels(title: str, body: str) -> tuple[dict[str, float], dict[str, float]]:
        vectors = embedder() if trained.embedding is not None else None
        prediction = trained.predict([Issue(title=title, body=body)], vectors)[0]
        applied = {label: prediction.scores[label] for label in prediction.labels}
        suggested = {label: score for label, score in prediction.scores.items()
                     if label not in applied and score >= SUGGEST_SCORE}
        return applied, suggested

    return labels


def duplicate_scorer(embedder: Callable[[], Embedder]) -> DuplicateScorer:
    def score(issue: IssueFacts, past: list[IssueFacts]) -> list[DuplicateCandidate]:
        if not past:
            return []
        vectors: Embedder | None
        try:
            vectors = embedder()
        except Exception as error:  # the lexical half still finds most duplicates
            log.warning("duplicate search without embeddings: %s", error)
            vectors = None
        by_id = {str(p.number): p for p in past}
        index = DuplicateIndex([Issue(p.title, p.body, issue_id=str(p.number), created=p.created_at) for p in past],
                               vectors)
        match = index.find(Issue(issue.title, issue.body, issue_id=str(issue.number), created=issue.created_at), k=5)
        return [DuplicateCandidate(number=int(c.issue_id), title=c.title, score=c.score,
                                   url=by_id[c.issue_id].html_url) for c in match.candidates]

    return score


# Rows scored at once when comparing a whole history: bounds the (rows x history) temporary.
_HISTORY_BATCH = 256


def earlier_best_scores(embedder: Callable[[], Embedder]) -> Callable[[list[IssueFacts]], list[float]]:
    """Each issue's best similarity to the issues before it: the score triage would have seen."""
    def scores(facts: list[IssueFacts]) -> list[float]:
        if not facts:
            return []
        vectors: Embedder | None
        try:
            vectors = embedder()
        except Exception as error:  # lexical scores only, as triage does without embeddings
            log.warning("history scored without embeddings: %s", error)
            vectors = None
        issues = [Issue(f.title, f.body, issue_id=str(f.number), created=f.created_at) for f in facts]
        index = DuplicateIndex(issues, vectors)
        best: list[float] = []
        for start in range(0, len(issues), _HISTORY_BATCH):
            fused, _, _ = index.score_matrix(issues[start:start + _HISTORY_BATCH])
            for offset, row in enumerate(fused):
                earlier = row[:start + offset]
                best.append(float(np.max(earlier)) if earlier.size else 0.0)
        return best

    return scores
