"""A classifier that learned which changes make it into published release notes.

Published notes are what teaches it: each commit message of a training row is labelled "in the
notes" when most of its subject's words appear in the row's published notes (the weak label), and
a logistic regression over its words and shape learns those labels. At drafting time a change the
authors did not label goes to the users' notes when the classifier thinks it likely enough; its
section then comes from the keyword cues. The threshold is chosen by cross-validation on the
training rows only.

A trained model is saved as JSON and an npz of plain arrays (no pickle: loading runs no code) and, once
published as the `release-notes-model` artifact, drafts every release's notes in place of the keyword
cues (`devrel release-notes` and the release state machine, at the edge and in the cloud).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from devrel.release.classify import Guess, KeywordKinds, conventional
from devrel.release.evaluation import Row, Scorer, generated_notes, split_messages
from devrel.triage.linear import Features, LinearClassifier
from devrel.triage.vectorize import BlockSpec, TfidfVectorizer

_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP = frozenset(["the", "and", "for", "with", "from", "into", "this", "that", "are", "was", "were", "has",
                   "have", "not", "but", "use", "when"])
BLOCKS = {"title": BlockSpec(weight=1.0, min_df=2), "shape": BlockSpec(weight=0.5, min_df=1)}
# Share of a subject's words found in the published notes for it to count as "in the notes".
IN_NOTES_RECALL = 0.6
# Chosen by 5-fold cross-validation of ROUGE-L on the commit2sum train split
# (0.3: 28.31, 0.4: 28.75, 0.5: 28.42, 0.6: 26.42, 0.7: 22.65).
DEFAULT_THRESHOLD = 0.4
MODEL_ARTIFACT = "release-notes-model"
MODEL_FILE, WEIGHTS_FILE = "model.json", "weights.npz"
FORMAT_VERSION = 1


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def analyze(title: str, body: str) -> dict[str, Counter[str]]:
    """The features of one change: its subject's words, and its shape (prefix, first word, length, body)."""
    kind, bang, text = conventional(title)
    words = content_stems(text)
    shape = Counter({f"prefix:{kind or 'none'}": 1, f"first:{words[0] if words else ''}": 1,
                     f"words:{min(len(words), 12) // 3}": 1, f"body:{bool(body.strip())}": 1,
                     f"squash:{'()' in title or '(#' in title}": 1, f"bang:{bang}": 1})
    return {"title": Counter(words), "shape": shape}


def weak_labels(row: Row) -> list[tuple[str, str, int]]:
    """(subject, body, 1 when the published notes carry it) for each message of a row."""
    published = set(content_stems(row.release))
    labelled = []
    for subject, body in split_messages(row.commits):
        stems = content_stems(conventional(subject)[2])
        if not stems:
            continue
        recall = sum(stem in published for stem in stems) / len(stems)
        labelled.append((subject, body, int(recall >= IN_NOTES_RECALL)))
    return labelled


@dataclass
class TrainedKinds:
    """Kind model: "internal" unless the classifier puts the change in the notes, then the keyword
    cues' section (a feature when they find none)."""

    vectorizer: TfidfVectorizer
    classifier: LinearClassifier
    threshold: float = 0.5
    keywords: KeywordKinds = field(default_factory=KeywordKinds)

    def probability(self, title: str, body: str) -> float:
        sparse = self.vectorizer.transform([analyze(title, body)])
        return float(self.classifier.predict_proba(Features(sparse, np.zeros((1, 0))))[0, 1])

    def guess(self, title: str, body: str) -> Guess:
        chance = self.probability(title, body)
        if chance < self.threshold:
            return Guess("internal", 1.0 - chance)
        cue = self.keywords.guess(title, body)
        return Guess(cue.kind if cue.kind != "internal" else "feature", chance)

    def save(self, folder: Path, measured: dict[str, Any] | None = None) -> None:
        """model.json (vocabulary, threshold, and what it measured when trained) + weights.npz."""
        folder.mkdir(parents=True, exist_ok=True)
        vectorizer_meta, arrays = self.vectorizer.state()
        model = self.classifier
        with (folder / WEIGHTS_FILE).open("wb") as file:
            np.savez_compressed(file, **arrays, sparse_weights=model.sparse_weights,
                                dense_weights=model.dense_weights, bias=model.bias)
        meta = {"format": FORMAT_VERSION, "threshold": self.threshold, "l2": model.l2,
                "vectorizer": vectorizer_meta, "measured": measured or {}}
        (folder / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")


def load_kinds(folder: Path) -> TrainedKinds:
    """A model `save` wrote; ValueError when the files do not fit together (never half a model)."""
    meta: dict[str, Any] = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT_VERSION:
        raise ValueError(f"{folder}: unsupported release-notes model format {meta.get('format')!r}")
    with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    vectorizer = TfidfVectorizer.from_state(meta["vectorizer"], arrays)
    classifier = LinearClassifier(l2=float(meta["l2"]), balanced=True)
    classifier.sparse_weights, classifier.dense_weights, classifier.bias = (
        arrays["sparse_weights"], arrays["dense_weights"], arrays["bias"])
    if classifier.sparse_weights.shape != (vectorizer.n_features, 2):
        raise ValueError(f"{folder}: weights do not match the vocabulary")
    threshold = float(meta["threshold"])
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"{folder}: threshold {threshold} is not a probability")
    return TrainedKinds(vectorizer, classifier, threshold)


def train_kinds(rows: Sequence[Row], threshold: float = DEFAULT_THRESHOLD, l2: float = 1e-3) -> TrainedKinds:
    samples = [sample for row in rows for sample in weak_labels(row)]
    if not samples or len({label for *_, label in samples}) < 2:
        raise ValueError("training needs rows whose messages are both in and out of the published notes")
    docs = [analyze(subject, body) for subject, body, _ in samples]
    vectorizer = TfidfVectorizer(BLOCKS).fit(docs)
    sparse = vectorizer.transform(docs)
    targets = np.zeros((len(samples), 2))
    targets[np.arange(len(samples)), [label for *_, label in samples]] = 1.0
    classifier = LinearClassifier(l2=l2, balanced=True).fit(Features(sparse, np.zeros((len(samples), 0))), targets)
    return TrainedKinds(vectorizer, classifier, threshold)


def choose_threshold(rows: Sequence[Row], scorer: Scorer, thresholds: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7),
                     folds: int = 5, seed: int = 0, metric: str = "rougeL") -> tuple[float, dict[float, float]]:
    """The threshold with the best mean `metric` over k folds of `rows` (trained on the other folds)."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    totals = dict.fromkeys(thresholds, 0.0)
    for fold in range(folds):
        held = {i for position, i in enumerate(order) if position % folds == fold}
        model = train_kinds([rows[i] for i in order if i not in held])
        for threshold in thresholds:
            model.threshold = threshold
            for i in held:
                totals[threshold] += scorer(rows[i].release, generated_notes(rows[i].commits, model))[metric]
    means = {t: round(100 * total / max(1, len(rows)), 2) for t, total in totals.items()}
    return max(means, key=lambda t: means[t]), means
