"""The Embedder port over any OpenAI-compatible embeddings endpoint."""

from __future__ import annotations

from typing import Any

import numpy as np
import openai
from openai.types import CreateEmbeddingResponse

from devrel.models.retry import call_with_retries
from devrel.ports import PortError

# Lengths of well-known models, so the dimension is known before the first request.
KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAiEmbedder:
    """Batched embeddings; rows are re-normalised because not every provider normalises.

    With `shorten=True` the dimension is sent as `dimensions` (OpenAI's text-embedding-3 models
    can return shortened vectors); otherwise the server's length must equal `dimension`.
    """

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        dimension: int,
        batch_size: int = 64,
        shorten: bool = False,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self.client = client
        self.model = model
        self._dimension = dimension
        self.batch_size = batch_size
        self.shorten = shorten
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: list[str]) -> Any:
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            vectors[start : start + len(batch)] = self._embed_batch(batch)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        extra: dict[str, Any] = {"dimensions": self._dimension} if self.shorten else {}

        def call() -> CreateEmbeddingResponse:
            # Empty strings are rejected by some providers; a space embeds as "nothing".
            inputs = [text if text.strip() else " " for text in texts]
            return self.client.embeddings.create(model=self.model, input=inputs, **extra)

        response = call_with_retries(call, self.attempts, self.backoff_seconds, f"embeddings ({self.model})")
        rows = sorted(response.data, key=lambda item: item.index)
        if len(rows) != len(texts):
            raise PortError(f"embeddings ({self.model}): asked for {len(texts)} vectors, got {len(rows)}")
        matrix = np.asarray([row.embedding for row in rows], dtype=np.float32)
        if matrix.shape[1] != self._dimension:
            raise PortError(
                f"embeddings ({self.model}): vectors have {matrix.shape[1]} dimensions, "
                f"expected {self._dimension}"
            )
        return matrix
