"""L2-regularised logistic regression over sparse TF-IDF plus dense embedding features, numpy only.

Single-label mode is multinomial (softmax: one type label per issue); multi-label mode is one
sigmoid per label (area labels, several per issue). Both are convex, fitted with L-BFGS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from devrel.triage.sparse import CsrMatrix


@dataclass(frozen=True)
class Features:
    """Rows of one batch of issues: lexical (sparse) and semantic (dense, may be empty) parts."""

    sparse: CsrMatrix
    dense: np.ndarray  # (rows, dimension); dimension 0 when no embedder is used

    @property
    def n_rows(self) -> int:
        return self.sparse.n_rows

    def take(self, rows: np.ndarray) -> Features:
        return Features(self.sparse.take_rows(rows), self.dense[rows])


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * logits))  # overflow-free form


class LinearClassifier:
    def __init__(self, l2: float = 1e-4, multi_label: bool = False, max_iter: int = 200,
                 balanced: bool = True, tolerance: float = 1e-5) -> None:
        self.l2 = l2
        self.tolerance = tolerance
        self.multi_label = multi_label
        self.max_iter = max_iter
        self.balanced = balanced
        self.sparse_weights = np.zeros((0, 0))
        self.dense_weights = np.zeros((0, 0))
        self.bias = np.zeros(0)

    def decision(self, features: Features) -> np.ndarray:
        logits = features.sparse.dot(self.sparse_weights) + self.bias
        if features.dense.shape[1]:
            logits += features.dense @ self.dense_weights
        return logits

    def predict_proba(self, features: Features) -> np.ndarray:
        logits = self.decision(features)
        return sigmoid(logits) if self.multi_label else softmax(logits)

    def fit(self, features: Features, targets: np.ndarray) -> LinearClassifier:
        """`targets` is (rows, labels) of 0/1; in single-label mode exactly one 1 per row."""
        targets = np.asarray(targets, dtype=np.float64)
        n_labels = targets.shape[1]
        n_sparse, n_dense = features.sparse.n_cols, features.dense.shape[1]
        dense = features.dense.astype(np.float64)
        sample_weights = self._sample_weights(targets)

        def unpack(params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            sparse_w = params[: n_sparse * n_labels].reshape(n_sparse, n_labels)
            dense_w = params[n_sparse * n_labels: (n_sparse + n_dense) * n_labels].reshape(n_dense, n_labels)
            return sparse_w, dense_w, params[(n_sparse + n_dense) * n_labels:]

        def loss_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
            sparse_w, dense_w, bias = unpack(params)
            logits = features.sparse.dot(sparse_w) + bias
            if n_dense:
                logits += dense @ dense_w
            if self.multi_label:
                # log(1 + e^z) - y z, computed stably
                losses = np.logaddexp(0.0, logits) - targets * logits
                residual = sigmoid(logits) - targets
                per_row = losses.sum(axis=1)
            else:
                log_norm = np.logaddexp.reduce(logits, axis=1, keepdims=True)
                per_row = -(targets * (logits - log_norm)).sum(axis=1)
                residual = np.exp(logits - log_norm) - targets
            residual *= sample_weights[:, None]
            weight_sum = sample_weights.sum()
            loss = float((per_row * sample_weights).sum() / weight_sum)
            loss += 0.5 * self.l2 * float((sparse_w**2).sum() + (dense_w**2).sum())
            grad_sparse = features.sparse.transpose_dot(residual) / weight_sum + self.l2 * sparse_w
            grad_dense = (dense.T @ residual) / weight_sum + self.l2 * dense_w
            grad_bias = residual.sum(axis=0) / weight_sum
            return loss, np.concatenate([grad_sparse.ravel(), grad_dense.ravel(), grad_bias])

        start = np.zeros((n_sparse + n_dense + 1) * n_labels)
        params = minimize_lbfgs(loss_and_gradient, start, self.max_iter, tolerance=self.tolerance)
        self.sparse_weights, self.dense_weights, self.bias = unpack(params)
        return self

    def _sample_weights(self, targets: np.ndarray) -> np.ndarray:
        """Balanced mode weights each row by the inverse frequency of its label (single-label)."""
        if not self.balanced or self.multi_label:
            return np.ones(len(targets))
        counts = targets.sum(axis=0)
        per_label = np.divide(len(targets) / max(1, np.count_nonzero(counts)), counts,
                              out=np.zeros_like(counts), where=counts > 0)
        return targets @ per_label


def minimize_lbfgs(loss_and_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]], start: np.ndarray,
                   max_iter: int, memory: int = 10, tolerance: float = 1e-7) -> np.ndarray:
    """Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex losses."""
    x = start
    loss, gradient = loss_and_gradient(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(max_iter):
        if float(np.abs(gradient).max(initial=0.0)) < tolerance:
            break
        direction = -_two_loop(gradient, history)
        slope = float(gradient @ direction)
        if slope >= 0:  # not a descent direction: forget the curvature pairs
            history.clear()
            direction, slope = -gradient, -float(gradient @ gradient)
        step = 1.0
        while True:
            candidate = x + step * direction
            new_loss, new_gradient = loss_and_gradient(candidate)
            if new_loss <= loss + 1e-4 * step * slope:
                break
            step *= 0.5
            if step < 1e-12:
                return x
        s, y = candidate - x, new_gradient - gradient
        curvature = float(s @ y)
        if curvature > 1e-12:
            history.append((s, y, 1.0 / curvature))
            del history[:-memory]
        converged = loss - new_loss < tolerance * max(1.0, abs(loss))
        x, loss, gradient = candidate, new_loss, new_gradient
        if converged:
            break
    return x


def _two_loop(gradient: np.ndarray, history: list[tuple[np.ndarray, np.ndarray, float]]) -> np.ndarray:
    q = gradient.copy()
    alphas = []
    for s, y, rho in reversed(history):
        alpha = rho * float(s @ q)
        q -= alpha * y
        alphas.append(alpha)
    if history:
        s, y, _ = history[-1]
        q *= float(s @ y) / float(y @ y)
    for (s, y, rho), alpha in zip(history, reversed(alphas), strict=True):
        beta = rho * float(y @ q)
        q += s * (alpha - beta)
    return q
