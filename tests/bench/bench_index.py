"""Edge index benchmark: ingest throughput against the bare embedder, and query latency at scale.

    .venv/bin/python tests/bench/bench_index.py --corpus DIR [--chunks 50000] [--questions FILE.jsonl ...]

DIR holds source trees (e.g. unpacked release sdists). Part one ingests a sample of their files with
the real ONNX embedder and, in the same run, times the embedder alone on the same passages. Part
two builds an index of at least --chunks real passages (re-using the trees under other collection
names if they hold fewer) and times lexical, vector and full hybrid queries, the hybrid ones
including the query's embedding. The large index gets random unit vectors instead of model
vectors: exact search costs the same whatever the values, and embedding 50k passages on two cores
would take most of an hour.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.chunkers import chunk_file
from devrel.knowledge.documents import Chunk, Origin
from devrel.knowledge.evaluation import percentile
from devrel.knowledge.ingest import ingest, list_files
from devrel.knowledge.retrieval import Retriever
from devrel.models.onnx_embedder import OnnxEmbedder


def corpus_chunks(trees: list[Path]) -> list[Chunk]:
    chunks = []
    for tree in trees:
        for rel in list_files(tree):
            try:
                text = (tree / rel).read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            chunks += [c.with_origin(Origin(tree.name), "bench") for c in chunk_file(rel, text)]
    return chunks


def ingest_vs_embedder(tree: Path, embedder: OnnxEmbedder, sample_files: int, workdir: Path) -> dict[str, float]:
    files = list_files(tree)[:sample_files]
    index = EdgeIndex(workdir / "ingest.sqlite", embedder.dimension)
    report = ingest(tree, Origin(tree.name), index, embedder, files=files)
    texts = [c.embedding_text() for c in corpus_chunks_of(tree, files)]
    started = time.perf_counter()
    for start in range(0, len(texts), 32):
        embedder.embed(texts[start : start + 32])
    raw_seconds = time.perf_counter() - started
    return {
        "ingest_chunks": report.chunks,
        "ingest_chunks_per_s": round(report.chunks_per_second, 1),
        "embedder_texts_per_s": round(len(texts) / raw_seconds, 1),
        "ingest_share_in_embedder": round(report.embed_seconds / report.seconds, 3),
    }


def corpus_chunks_of(tree: Path, files: list[str]) -> list[Chunk]:
    out = []
    for rel in files:
        try:
            out += chunk_file(rel, (tree / rel).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
    return out


def timed(samples: list[float], call: Callable[[], object]) -> None:
    started = time.perf_counter()
    call()
    samples.append((time.perf_counter() - started) * 1000)


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="folder of source trees")
    parser.add_argument("--chunks", type=int, default=50_000, help="minimum index size for the latency part")
    parser.add_argument("--questions", type=Path, nargs="*", default=[], help="JSON lines with a question field")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--sample-files", type=int, default=60, help="files ingested for the throughput part")
    args = parser.parse_args()

    trees = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    embedder = OnnxEmbedder.from_packages(threads=2)
    embedder.embed(["warm up"])
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        results["throughput"] = ingest_vs_embedder(trees[0], embedder, args.sample_files, workdir)
        print(json.dumps({"throughput": results["throughput"]}), flush=True)

        chunks = corpus_chunks(trees)
        base = list(chunks)
        copy = 1
        while len(chunks) < args.chunks:
            # More passages than the trees hold: the same text again under another collection name.
            chunks += [Chunk(**{**c.__dict__, "source": f"{c.source}-copy{copy}"}) for c in base]
            copy += 1
        chunks = chunks[: max(args.chunks, len(base))]
        index = EdgeIndex(workdir / "large.sqlite", embedder.dimension)
        rng = np.random.default_rng(0)
        started = time.perf_counter()
        for start in range(0, len(chunks), 2000):
            batch = chunks[start : start + 2000]
            vectors = rng.normal(size=(len(batch), embedder.dimension)).astype(np.float32)
            index.upsert(batch, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
        build_seconds = time.perf_counter() - started
        results["index"] = {"chunks": index.count(), "write_chunks_per_s": round(len(chunks) / build_seconds, 1)}

        questions = [
            json.loads(line)["question"]
            for path in args.questions
            for line in path.read_text().splitlines()
            if line.strip()
        ]
        questions = questions or [c.title or c.text[:80] for c in base[:: max(1, len(base) // 500)]]
        questions = questions[: args.queries]
        retriever = Retriever(index, embedder)
        index.nearest(np.ones(embedder.dimension, dtype=np.float32), 1)  # load the matrix once
        lexical: list[float] = []
        vector: list[float] = []
        embed: list[float] = []
        hybrid: list[float] = []
        for question in questions:
            query_vector = embedder.embed([question])[0]
            timed(lexical, lambda q=question: index.lexical(q, 100))
            timed(vector, lambda v=query_vector: index.nearest(v, 100))
            timed(embed, lambda q=question: embedder.embed([q]))
            timed(hybrid, lambda q=question: retriever.search(q, 10))
        results["latency"] = {
            "queries": len(questions),
            "bm25_top100": summary(lexical),
            "vector_top100": summary(vector),
            "query_embedding": summary(embed),
            "hybrid_top10_with_embedding": summary(hybrid),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
