"""Ingest throughput: the full ingest of a folder against the raw embedder on the same chunks, same run.

    .venv/bin/python tests/bench/bench_ingest.py [--root DIR] [--threads N] [--limit N] [--all-files]

Three timings, all with the shipped ONNX model: (1) a full ingest of DIR (default: this repository)
into a fresh embedded index, through the embedding cache as edge mode runs it; (2) the bare
embedder on exactly the chunks that ingest embedded; (3) a second ingest of the same tree with the
files' hashes forgotten, so every chunk is re-chunked but its vector must come from the cache.
Prints chunks/s for each and the ratios; it asserts nothing (two shared cores make timings noisy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from devrel.adapters.embedding_cache import CachedEmbedder
from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.documents import Origin
from devrel.knowledge.ingest import ingest, list_files
from devrel.models.onnx_embedder import OnnxEmbedder

REPO_ROOT = Path(__file__).resolve().parents[2]


class _Recording:
    """Passes embed() through and keeps the texts, so the raw run embeds the very same passages."""

    def __init__(self, inner: OnnxEmbedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: list[str]) -> object:
        self.texts += texts
        return self.inner.embed(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=REPO_ROOT)
    parser.add_argument("--threads", type=int, default=None, help="embedder threads (default: the ingest default)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N files")
    parser.add_argument("--all-files", action="store_true", help="include vendored/generated/fixture files")
    args = parser.parse_args()

    root = args.root.resolve()
    files = list_files(root, include_skipped=args.all_files)
    if args.limit:
        files = files[: args.limit]
    print(f"{root}: {len(files)} files ({len(list_files(root, include_skipped=True))} without the skip list)")
    embedder = OnnxEmbedder.from_packages(threads=args.threads)
    print(f"embedder: {embedder.threads} thread(s) x {embedder.workers} worker(s), max {embedder.max_tokens} tokens, "
          f"batches of {embedder.batch_size}")
    origin = Origin(source="bench", root=str(root))

    with tempfile.TemporaryDirectory() as scratch:
        recording = _Recording(embedder)
        cached = CachedEmbedder(recording, Path(scratch) / "embeddings.sqlite", namespace="bench")  # type: ignore[arg-type]
        index = EdgeIndex(Path(scratch) / "index.sqlite", embedder.dimension)
        report = ingest(root, origin, index, cached, files=files)
        full = report.chunks / report.seconds

        started = time.perf_counter()
        embedder.embed(recording.texts)
        raw = len(recording.texts) / (time.perf_counter() - started)

        # Forget the file hashes only: every file counts as changed, every vector is a cache hit.
        index.delete_paths("bench", list(index.file_hashes("bench")))
        hits_before = cached.hits
        again = ingest(root, origin, index, cached, files=files)
        hits = cached.hits - hits_before

    print(f"chunks: {report.chunks} ingested, {len(recording.texts)} embedded")
    print(f"full ingest:      {full:7.1f} chunks/s  ({report.seconds:.1f} s, {report.embed_seconds:.1f} s embedding)")
    print(f"raw embedder:     {raw:7.1f} chunks/s")
    print(f"ingest / raw:     {full / raw:7.2f}")
    print(f"cached re-ingest: {again.chunks / again.seconds:7.1f} chunks/s  ({hits} of {again.chunks} from the cache)")


if __name__ == "__main__":
    main()
