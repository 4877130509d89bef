"""`devrel eval qa --data FILE.jsonl --repo PATH`: retrieval quality on SWE-QA-style questions.

Ingests the repository (incrementally) into the index, then reports file-level recall@1/5/10 and
MRR for hybrid retrieval and for BM25 alone in the same run, answer latency p50/p95, and ingest
throughput next to the raw embedder's throughput.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from devrel.adapters.embedding_cache import CachedEmbedder
from devrel.commands.common import add_index_arguments, command_settings, knowledge_dir
from devrel.knowledge.answering import Answerer
from devrel.knowledge.chunkers import chunk_file
from devrel.knowledge.evaluation import (
    FileResolver,
    evaluate,
    format_table,
    load_questions,
    questions_with_gold,
)
from devrel.knowledge.ingest import ProgressBar, detect_origin, ingest, list_files
from devrel.knowledge.retrieval import Retriever
from devrel.ports import Embedder
from devrel.runtime import build_embedder, build_llm, open_index

# Hits fetched per question: deep enough that MRR sees files beyond the top 10.
_DEPTH = 100


def register_eval(kinds: Any) -> None:
    """Add `devrel eval qa` to the `eval` group's subparsers."""
    qa = kinds.add_parser("qa", help="retrieval recall/MRR on questions whose answers name files", description=__doc__)
    qa.add_argument("--data", required=True, type=Path, help="JSON lines with question and answer")
    qa.add_argument("--repo", required=True, type=Path, help="the repository checkout the answers refer to")
    qa.add_argument("--source", help="collection name in the index (default: the folder name)")
    qa.add_argument("--limit", type=int, help="only the first N questions")
    qa.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    qa.add_argument("--llm", action="store_true", help="time answers with the configured model's lead paragraph too")
    add_index_arguments(qa)
    qa.set_defaults(func=run)


def embedder_throughput(embedder: Embedder, texts: list[str], batch_size: int = 32) -> float:
    """Texts per second of the bare embedder on these texts (no cache)."""
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        embedder.embed(texts[start : start + batch_size])
    return len(texts) / max(time.perf_counter() - started, 1e-9)


def _sample_texts(root: Path, files: list[str], count: int) -> list[str]:
    texts: list[str] = []
    for rel in files[:: max(1, len(files) // 50)]:
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        texts += [chunk.embedding_text() for chunk in chunk_file(rel, text)]
        if len(texts) >= count:
            break
    return texts[:count]


def run(args: argparse.Namespace) -> int:
    settings = command_settings(args.data_dir)
    embedder = build_embedder(settings, cache_dir=knowledge_dir(settings))
    index = open_index(settings, embedder.dimension, args.opensearch, args.index_name)
    root: Path = args.repo
    origin = detect_origin(root, args.source or root.resolve().name)
    report = ingest(root, origin, index, embedder, progress=ProgressBar(f"ingest {origin.source}"))
    files = list_files(root)

    raw = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    row: dict[str, Any] = {"source": origin.source, "chunks_indexed": index.count(origin.source)}
    if report.chunks:
        row["ingest_chunks"] = report.chunks
        row["ingest_chunks_per_s"] = round(report.chunks_per_second, 1)
        if isinstance(embedder, CachedEmbedder):
            # Vectors served from the cache make ingestion look faster than the embedder.
            row["ingest_cache_hits"] = embedder.hits
        row["embedder_texts_per_s"] = round(embedder_throughput(raw, _sample_texts(root, files, 256)), 1)

    records = load_questions(args.data)[: args.limit]
    questions = questions_with_gold(records, FileResolver(files))
    retriever = Retriever(index, embedder)
    # Answers are timed without the embedding cache: the retrieval runs above have cached the
    # questions' vectors, and a real question's first answer pays for embedding it.
    answerer = Answerer(Retriever(index, raw), llm=build_llm(settings) if args.llm else None, source=origin.source)
    result = evaluate(
        questions,
        hybrid_files=lambda q: retriever.search(q, _DEPTH, origin.source).hits,
        bm25_files=lambda q: retriever.lexical_only(q, _DEPTH, origin.source),
        answer=lambda q: answerer.answer(q),
        skipped=len(records) - len(questions),
    )
    row.update(result.as_dict())
    if args.json:
        print(json.dumps(row))
    else:
        print(format_table({origin.source: row}))
        if "ingest_chunks_per_s" in row:
            print(
                f"\ningest: {row['ingest_chunks']} chunks at {row['ingest_chunks_per_s']} chunks/s; "
                f"raw embedder: {row['embedder_texts_per_s']} texts/s",
                file=sys.stdout,
            )
    return 0
