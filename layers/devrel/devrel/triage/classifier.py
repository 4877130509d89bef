"""Issue labels learned from a repository's own labelled history, with calibrated abstention.

Features are TF-IDF blocks plus sentence embeddings of the title and of the whole report; the
model is a regularised logistic regression. Per-label thresholds come from held-out folds of the
training data: a label is applied only when, on past issues, predictions scoring that high were
right at least `target_precision` of the time. Below that the classifier abstains and a human
decides. The labels it can ever return are the ones it was trained on, nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from devrel.ports import Embedder
from devrel.triage.calibration import stratified_folds, threshold_for_precision
from devrel.triage.linear import Features, LinearClassifier
from devrel.triage.text import Issue, analyze
from devrel.triage.vectorize import Analyzed, TfidfVectorizer

FORMAT_VERSION = 1
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
# What gets embedded per issue: the title alone (the densest statement of intent) and the prose.
EMBEDDING_VIEWS = ("title", "prose")


@dataclass(frozen=True)
class TrainingConfig:
    target_precision: float = 0.9
    calibration_folds: int = 5
    l2: float = 3e-4
    # Scale of the embedding block relative to the (unit-norm) TF-IDF blocks.
    embedding_weight: float = 0.5
    multi_label: bool = False
    min_support: int = 3
    seed: int = 0


@dataclass(frozen=True)
class Prediction:
    labels: tuple[str, ...]  # labels to apply; empty when abstaining
    best: str  # the most likely label, applied or not
    scores: dict[str, float]
    reason: str

    @property
    def abstained(self) -> bool:
        return not self.labels

    @property
    def label(self) -> str | None:
        return self.labels[0] if self.labels else None


@dataclass(frozen=True)
class EmbeddingSpec:
    name: str
    dimension: int
    views: tuple[str, ...] = EMBEDDING_VIEWS


@dataclass
class Prepared:
    """Issues turned into model inputs once, reused by every fold."""

    analyzed: list[Analyzed]
    dense: np.ndarray
    label_sets: list[tuple[str, ...]] = field(default_factory=list)

    def take(self, rows: np.ndarray) -> Prepared:
        return Prepared([self.analyzed[i] for i in rows], self.dense[rows], [self.label_sets[i] for i in rows])


def embedder_name(embedder: Embedder) -> str:
    """The model's class name, looking through wrappers such as a cache."""
    inner = getattr(embedder, "inner", None)
    return embedder_name(inner) if inner is not None else type(embedder).__name__


def embed_issues(issues: Sequence[Issue], embedder: Embedder | None,
                 views: Sequence[str] = EMBEDDING_VIEWS) -> np.ndarray:
    """(issues, dimension * views) embeddings, or an empty (issues, 0) block without an embedder."""
    if embedder is None:
        return np.zeros((len(issues), 0), dtype=np.float32)
    texts = {
        "title": [issue.title for issue in issues],
        "text": [issue.text for issue in issues],
        "prose": [issue.prose for issue in issues],
    }
    blocks = [np.asarray(embedder.embed(texts[view]), dtype=np.float32) for view in views]
    return np.hstack(blocks) if blocks else np.zeros((len(issues), 0), dtype=np.float32)


def prepare(issues: Sequence[Issue], embedder: Embedder | None,
            views: Sequence[str] = EMBEDDING_VIEWS) -> Prepared:
    return Prepared([analyze(issue) for issue in issues], embed_issues(issues, embedder, views),
                    [issue.labels for issue in issues])


class IssueClassifier:
    def __init__(self, labels: Sequence[str], vectorizer: TfidfVectorizer, model: LinearClassifier,
                 thresholds: dict[str, float | None], config: TrainingConfig,
                 embedding: EmbeddingSpec | None) -> None:
        self.labels = tuple(labels)
        self.vectorizer = vectorizer
        self.model = model
        self.thresholds = thresholds
        self.config = config
        self.embedding = embedding

    # --- training ------------------------------------------------------------------------------

    @classmethod
    def train(cls, issues: Sequence[Issue], embedder: Embedder | None = None,
              config: TrainingConfig | None = None) -> IssueClassifier:
        spec = EmbeddingSpec(embedder_name(embedder), embedder.dimension) if embedder is not None else None
        return cls.train_prepared(prepare(issues, embedder), config or TrainingConfig(), spec)

    @classmethod
    def train_prepared(cls, prepared: Prepared, config: TrainingConfig,
                       embedding: EmbeddingSpec | None) -> IssueClassifier:
        if not config.multi_label and any(len(labels) != 1 for labels in prepared.label_sets):
            raise ValueError("single-label training needs exactly one label per issue")
        labels = sorted({label for label_set in prepared.label_sets for label in label_set})
        if len(labels) < 2:
            raise ValueError(f"need at least two labels to learn from, got {labels}")
        targets = _targets(prepared.label_sets, labels)
        # IDF and vocabulary use no labels, so every fold can share the full training set's.
        vectorizer = TfidfVectorizer().fit(prepared.analyzed)
        features = _features(vectorizer, prepared, config)
        strata = [label_set[0] if label_set else "" for label_set in prepared.label_sets]
        held_out = held_out_scores(features, targets, strata, config)
        thresholds = calibrate_thresholds(held_out, targets, labels, config)
        model = _fit_model(features, targets, config)
        return cls(labels, vectorizer, model, thresholds, config, embedding)

    # --- prediction ----------------------------------------------------------------------------

    def scores(self, issues: Sequence[Issue], embedder: Embedder | None = None) -> np.ndarray:
        views = self.embedding.views if self.embedding else ()
        return self.scores_prepared(prepare(issues, self._checked(embedder), views))

    def scores_prepared(self, prepared: Prepared) -> np.ndarray:
        return self.model.predict_proba(_features(self.vectorizer, prepared, self.config))

    def predict(self, issues: Sequence[Issue], embedder: Embedder | None = None) -> list[Prediction]:
        return [self.decide(row) for row in self.scores(issues, embedder)]

    def decide(self, scores: np.ndarray) -> Prediction:
        """Turn one row of label scores into labels to apply, or an abstention with its reason."""
        raw = {label: float(score) for label, score in zip(self.labels, scores, strict=True)}
        by_label = {label: round(score, 4) for label, score in raw.items()}
        best = self.labels[int(np.argmax(scores))]
        candidates = self.labels if self.config.multi_label else (best,)
        applied = tuple(label for label in candidates if self._clears(label, raw[label]))
        if applied:
            reason = ", ".join(f"{label} {by_label[label]:.2f} >= {self.thresholds[label]:.2f}" for label in applied)
            return Prediction(applied, best, by_label, f"confident: {reason}")
        threshold = self.thresholds.get(best)
        if threshold is None:
            reason = (f"most likely {best} ({by_label[best]:.2f}), but {best} never reached "
                      f"{self.config.target_precision:.0%} precision on past issues")
        else:
            reason = (f"most likely {best} ({by_label[best]:.2f}), below the {threshold:.2f} needed for "
                      f"{self.config.target_precision:.0%} precision on past issues")
        return Prediction((), best, by_label, reason)

    def _clears(self, label: str, score: float) -> bool:
        threshold = self.thresholds.get(label)
        return threshold is not None and score >= threshold

    def _checked(self, embedder: Embedder | None) -> Embedder | None:
        if self.embedding is None:
            return None
        if embedder is None:
            raise ValueError(f"this model was trained with {self.embedding.name} embeddings: pass that embedder")
        if embedder.dimension != self.embedding.dimension:
            raise ValueError(f"embedder gives {embedder.dimension}-d vectors; the model expects "
                             f"{self.embedding.dimension}-d ({self.embedding.name})")
        return embedder

    # --- persistence: JSON + an npz of plain arrays (no pickle, so loading runs no code) --------

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        vectorizer_meta, arrays = self.vectorizer.state()
        meta = {
            "format": FORMAT_VERSION,
            "labels": list(self.labels),
            "thresholds": self.thresholds,
            "config": asdict(self.config),
            "embedding": asdict(self.embedding) if self.embedding else None,
            "vectorizer": vectorizer_meta,
        }
        arrays = {**arrays, "sparse_weights": self.model.sparse_weights, "dense_weights": self.model.dense_weights,
                  "bias": self.model.bias}
        with (folder / WEIGHTS_FILE).open("wb") as file:
            np.savez_compressed(file, **arrays)
        (folder / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> IssueClassifier:
        meta: dict[str, Any] = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{folder}: unsupported model format {meta.get('format')!r}")
        with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        config = TrainingConfig(**meta["config"])
        vectorizer = TfidfVectorizer.from_state(meta["vectorizer"], arrays)
        model = LinearClassifier(l2=config.l2, multi_label=config.multi_label)
        model.sparse_weights, model.dense_weights, model.bias = (
            arrays["sparse_weights"], arrays["dense_weights"], arrays["bias"])
        labels = meta["labels"]
        if model.sparse_weights.shape != (vectorizer.n_features, len(labels)):
            raise ValueError(f"{folder}: weights do not match the vocabulary and labels")
        embedding = meta["embedding"]
        spec = (EmbeddingSpec(embedding["name"], embedding["dimension"], tuple(embedding["views"]))
                if embedding else None)
        thresholds = {label: meta["thresholds"].get(label) for label in labels}
        return cls(labels, vectorizer, model, thresholds, config, spec)


def calibrate_thresholds(scores: np.ndarray, targets: np.ndarray, labels: Sequence[str],
                         config: TrainingConfig) -> dict[str, float | None]:
    """Per label, the lowest score whose held-out precision meets the target (None: never)."""
    thresholds: dict[str, float | None] = {}
    best = scores.argmax(axis=1)
    for column, label in enumerate(labels):
        # Single-label: only issues where this label won are candidates for it.
        rows = np.arange(len(scores)) if config.multi_label else np.flatnonzero(best == column)
        thresholds[label] = threshold_for_precision(scores[rows, column], targets[rows, column] > 0,
                                                    config.target_precision, config.min_support)
    return thresholds


def _targets(label_sets: Sequence[tuple[str, ...]], labels: Sequence[str]) -> np.ndarray:
    column = {label: i for i, label in enumerate(labels)}
    targets = np.zeros((len(label_sets), len(labels)))
    for row, label_set in enumerate(label_sets):
        for label in label_set:
            targets[row, column[label]] = 1.0
    return targets


def held_out_scores(features: Features, targets: np.ndarray, strata: Sequence[str],
                    config: TrainingConfig) -> np.ndarray:
    """Scores of every training issue from a model that did not see it (k-fold)."""
    scores = np.zeros(targets.shape)
    for fold in stratified_folds(strata, min(config.calibration_folds, len(strata)), config.seed):
        train_rows = np.setdiff1d(np.arange(len(strata)), fold)
        model = _fit_model(features.take(train_rows), targets[train_rows], config)
        scores[fold] = model.predict_proba(features.take(fold))
    return scores


def _features(vectorizer: TfidfVectorizer, prepared: Prepared, config: TrainingConfig) -> Features:
    return Features(vectorizer.transform(prepared.analyzed), prepared.dense * config.embedding_weight)


def _fit_model(features: Features, targets: np.ndarray, config: TrainingConfig) -> LinearClassifier:
    return LinearClassifier(l2=config.l2, multi_label=config.multi_label).fit(features, targets)
