"""An Embedder that remembers vectors by content hash in one SQLite file.

Training, cross-validation and re-training embed the same issues again and again; with the cache
only new or edited texts reach the model.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np

from devrel.ports import Embedder
from devrel.triage.text import content_hash


class CachedEmbedder:
    def __init__(self, inner: Embedder, path: Path, model_key: str, batch_size: int = 256) -> None:
        """`model_key` names the model: vectors of different models never mix."""
        self.inner = inner
        self.model_key = model_key
        self.batch_size = batch_size
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self.hits = 0
        self.misses = 0

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: list[str]) -> Any:
        keys = [content_hash(f"{self.model_key}\0{text}") for text in texts]
        found = self._lookup(sorted(set(keys)))
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            for start in range(0, len(missing), self.batch_size):
                batch = missing[start:start + self.batch_size]
                vectors = np.asarray(self.inner.embed([text_of[key] for key in batch]), dtype=np.float32)
                found.update(zip(batch, vectors, strict=True))
                self._store(batch, vectors)
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[key] for key in keys])

    def close(self) -> None:
        self._db.close()

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):  # SQLite caps bound parameters per statement
                batch = keys[start:start + 500]
                marks = ",".join("?" * len(batch))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch):
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if len(vector) == self.dimension:
                        found[key] = vector
        return found

    def _store(self, keys: list[str], vectors: np.ndarray) -> None:
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(key, vector.astype(np.float32).tobytes()) for key, vector in
                                  zip(keys, vectors, strict=True)])
