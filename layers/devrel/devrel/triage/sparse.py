"""A minimal compressed-sparse-row matrix on numpy, enough for TF-IDF features and a linear model.

Only the operations triage needs: products with dense matrices in both directions, row slicing and
horizontal stacking. Keeping it numpy-only keeps the Lambda layer small (no scipy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CsrMatrix:
    data: np.ndarray  # float32, one value per stored entry
    indices: np.ndarray  # int64 column of each entry
    indptr: np.ndarray  # int64, row i spans data[indptr[i]:indptr[i+1]]
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_rows, self.n_cols

    @classmethod
    def from_rows(cls, rows: Sequence[dict[int, float]], n_cols: int) -> CsrMatrix:
        lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
        indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        indices = np.fromiter((col for row in rows for col in row), dtype=np.int64, count=int(indptr[-1]))
        data = np.fromiter((v for row in rows for v in row.values()), dtype=np.float32, count=int(indptr[-1]))
        return cls(data, indices, indptr, n_cols)

    def row_ids(self) -> np.ndarray:
        """The row of every stored entry (computed once: products need it on every call)."""
        cached = self.__dict__.get("_row_ids")
        if cached is None:
            cached = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
            object.__setattr__(self, "_row_ids", cached)
        return cached

    def take_rows(self, rows: Sequence[int] | np.ndarray) -> CsrMatrix:
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        # Positions of the selected entries: each row's start plus 0..length-1.
        offsets = np.arange(int(indptr[-1])) - np.repeat(indptr[:-1], lengths)
        positions = np.repeat(starts, lengths) + offsets
        return CsrMatrix(self.data[positions], self.indices[positions], indptr, self.n_cols)

    def scale_rows(self, factors: np.ndarray) -> CsrMatrix:
        return CsrMatrix(self.data * np.repeat(factors, np.diff(self.indptr)).astype(np.float32),
                         self.indices, self.indptr, self.n_cols)

    def row_norms(self) -> np.ndarray:
        squares = np.bincount(self.row_ids(), weights=self.data.astype(np.float64) ** 2, minlength=self.n_rows)
        return np.sqrt(squares)

    def normalized(self) -> CsrMatrix:
        """Rows scaled to unit L2 norm (empty rows stay empty)."""
        norms = self.row_norms()
        return self.scale_rows(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0))

    def dot(self, dense: np.ndarray) -> np.ndarray:
        """self @ dense, for dense of shape (n_cols, k)."""
        rows = self.row_ids()
        columns = np.asarray(dense, dtype=np.float64).T  # contiguous per output column
        out = np.empty((self.n_rows, columns.shape[0]), dtype=np.float64)
        for j, column in enumerate(columns):
            out[:, j] = np.bincount(rows, weights=self.data * column[self.indices], minlength=self.n_rows)
        return out

    def transpose_dot(self, dense: np.ndarray) -> np.ndarray:
        """self.T @ dense, for dense of shape (n_rows, k)."""
        rows = self.row_ids()
        columns = np.asarray(dense, dtype=np.float64).T
        out = np.empty((self.n_cols, columns.shape[0]), dtype=np.float64)
        for j, column in enumerate(columns):
            out[:, j] = np.bincount(self.indices, weights=self.data * column[rows], minlength=self.n_cols)
        return out


def hstack(blocks: Sequence[CsrMatrix]) -> CsrMatrix:
    """Blocks side by side (all with the same rows); columns are offset block by block."""
    if not blocks:
        raise ValueError("nothing to stack")
    offsets = np.cumsum([0] + [block.n_cols for block in blocks])
    lengths = sum(np.diff(block.indptr) for block in blocks)
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int64)
    cursor = indptr[:-1].copy()
    for block, offset in zip(blocks, offsets, strict=False):
        block_lengths = np.diff(block.indptr)
        positions = np.repeat(cursor, block_lengths) + (
            np.arange(len(block.data)) - np.repeat(block.indptr[:-1], block_lengths))
        data[positions] = block.data
        indices[positions] = block.indices + offset
        cursor += block_lengths
    return CsrMatrix(data, indices, indptr, int(offsets[-1]))
