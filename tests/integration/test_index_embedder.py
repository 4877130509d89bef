"""Ingest and answer with the real quantized embedder (all-MiniLM-L6-v2 int8, ONNX) on a small corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from devrel.adapters.embedding_cache import CachedEmbedder
from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.answering import Answerer
from devrel.knowledge.documents import Origin
from devrel.knowledge.ingest import ingest
from devrel.knowledge.retrieval import Retriever, rank_files
from devrel.models.catalog import part_path
from devrel.models.onnx_embedder import MINILM_TOKENIZER, OnnxEmbedder, length_buckets

FILES = {
    "src/cache.py": (
        "class LruStore:\n"
        '    """Keeps at most `capacity` entries; evicts the least recently used one when full."""\n\n'
        "    def put(self, key, value):\n"
        "        if len(self._entries) >= self.capacity:\n"
        "            self._entries.popitem(last=False)\n"
        "        self._entries[key] = value\n"
    ),
    "src/auth.py": (
        "def rotate_credentials(account):\n"
        '    """Issue a fresh API token for the account and revoke the previous one."""\n'
        "    token = issue_token(account)\n"
        "    revoke(account.previous_token)\n"
        "    return token\n"
    ),
    "docs/deploy.md": (
        "# Deploying\n\nBuild the container image and push it to the registry.\n\n"
        "## Scaling\n\nRun more replicas behind the load balancer when traffic grows.\n"
    ),
    "docs/logging.rst": "Logging\n=======\n\nSet LOG_LEVEL=debug to print every request to standard error.\n",
}


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder.from_packages(threads=2)


@pytest.fixture
def retriever(embedder: OnnxEmbedder, tmp_path: Path) -> Retriever:
    root = tmp_path / "proj"
    for path, text in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    cached = CachedEmbedder(embedder, tmp_path / "cache.sqlite", "minilm/384")
    index = EdgeIndex(tmp_path / "index.sqlite", embedder.dimension)
    report = ingest(root, Origin("proj", repo="owner/proj", commit="abc1234"), index, cached)
    assert report.chunks == index.count() >= len(FILES)
    return Retriever(index, cached, pool=10)


def test_meaning_finds_the_passage_without_shared_words(retriever: Retriever) -> None:
    question = "What happens to old items once memory is exhausted?"
    found = retriever.search(question, 5)
    assert found.vector[0].chunk.path == "src/cache.py"
    assert rank_files(found.hits)[0] == "src/cache.py"


def test_answer_cites_checked_permalinks(retriever: Retriever) -> None:
    answer = Answerer(retriever).answer("How do I renew an API token?")
    assert answer.confident
    first = answer.citations[0]
    assert first.url.startswith("https://github.com/owner/proj/blob/abc1234/src/auth.py#L")
    retrieved = {h.chunk.chunk_id: h.chunk for h in answer.retrieved}
    assert first.quote in retrieved[first.chunk_id].text


def test_off_topic_question_is_not_confident(retriever: Retriever) -> None:
    assert not Answerer(retriever).answer("What is the boiling point of water on Mars?").confident


def test_length_buckets_keep_every_index_once_shortest_first() -> None:
    lengths = [30, 5, 200, 5, 90, 12, 256]
    batches = length_buckets(lengths, 3)
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert sorted(index for batch in batches for index in batch) == list(range(len(lengths)))
    flat = [lengths[index] for batch in batches for index in batch]
    assert flat == sorted(lengths)


def test_bucketed_batches_give_the_vectors_of_one_text_at_a_time_in_input_order(embedder: OnnxEmbedder) -> None:
    # Lengths from a word to past the 256-token limit, shuffled so that sorting must be undone.
    texts = [
        "x = 1",
        FILES["src/cache.py"] * 6,
        "How do I rotate my API token?",
        FILES["docs/deploy.md"],
        "word " * 400,
        FILES["src/auth.py"],
        "",
    ]
    tokenizer = part_path(MINILM_TOKENIZER)
    assert tokenizer is not None
    # Batches of 3 across 2 workers: several batches run side by side and must land in their rows.
    batched = OnnxEmbedder(embedder.model_path, tokenizer, threads=1, batch_size=3, workers=2).embed(texts)
    one_by_one = np.stack([embedder.embed([text])[0] for text in texts])
    assert batched.shape == (len(texts), embedder.dimension)
    # int8 kernels may round differently with padding present; the direction must not change.
    assert np.allclose(batched, one_by_one, atol=2e-3)
    assert np.all(np.sum(batched * one_by_one, axis=1) > 0.999)
    # Each row is its own text's vector: no two distinct texts swapped places.
    assert np.argmax(batched @ one_by_one.T, axis=1).tolist() == list(range(len(texts)))
    assert embedder.embed([]).shape == (0, embedder.dimension)
