"""An Embedder wrapper that remembers vectors by passage hash in SQLite, per model namespace.

Re-indexing an unchanged passage, or triaging an issue seen before, costs no model call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from devrel.adapters.sqlite_db import SqliteDb
from devrel.knowledge.documents import content_hash
from devrel.ports import Embedder


class CachedEmbedder:
    """An Embedder that remembers vectors by text hash in SQLite (per model `namespace`)."""

    def __init__(self, inner: Embedder, path: str | Path, namespace: str) -> None:
        self._inner = inner
        self._namespace = namespace
        self._db = SqliteDb(path)
        with self._db.connection() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (namespace TEXT, text_hash TEXT, vector BLOB, "
                "PRIMARY KEY (namespace, text_hash))"
            )
        self.hits = 0
        self.misses = 0

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    @property
    def inner(self) -> Embedder:
        return self._inner

    def embed(self, texts: list[str]) -> Any:
        keys = [content_hash(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._db.connection() as conn:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = conn.execute(
                    f"SELECT text_hash, vector FROM embeddings WHERE namespace = ? AND text_hash IN "
                    f"({','.join('?' * len(part))})",
                    [self._namespace, *part],
                )
                found.update({key: np.frombuffer(blob, dtype=np.float32) for key, blob in rows})
        missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if missing:
            vectors = np.asarray(self._inner.embed([t for _, t in missing]), dtype=np.float32)
            with self._db.transaction() as conn:
                for (key, _), vector in zip(missing, vectors, strict=True):
                    conn.execute(
                        "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                        (self._namespace, key, vector.tobytes()),
                    )
                    found[key] = vector
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[k] for k in keys])
