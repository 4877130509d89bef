"""Learn and check the re-ranker (devrel/knowledge/rerank.py) on SWE-QA v1, leave one repository out.

Build each repository's index first (`devrel eval qa --data REPO.jsonl --repo CHECKOUT --data-dir DIR`),
then

    python tests/bench/bench_rerank.py --repo flask.jsonl CHECKOUT DIR --repo ... [--cache rows.npz]

For every question with gold files, the fused top 30 of the hybrid retriever (without re-ranking) and
their features are collected (cached in --cache). Each repository is then re-ranked by weights fitted
on the other repositories only, and file recall@1/5/10 and MRR are printed for the fused order and the
re-ranked order of the same 30 passages, per repository and over all. Last, the weights fitted on all
repositories, to be copied into devrel/knowledge/rerank.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from devrel.commands.common import command_settings, knowledge_dir
from devrel.knowledge.evaluation import FileResolver, RankingScores, load_questions, questions_with_gold
from devrel.knowledge.ingest import list_files
from devrel.knowledge.rerank import DEPTH, FEATURES, Reranker, features, fit_reranker
from devrel.knowledge.retrieval import Retriever
from devrel.runtime import build_embedder, open_index


def collect(data: Path, checkout: Path, data_dir: str) -> list[dict[str, object]]:
    settings = command_settings(data_dir)
    embedder = build_embedder(settings, cache_dir=knowledge_dir(settings))
    index = open_index(settings, embedder.dimension)
    source = checkout.resolve().name
    retriever = Retriever(index, embedder, reranker=None)
    out = []
    for question in questions_with_gold(load_questions(data), FileResolver(list_files(checkout))):
        retrieved = retriever.search(question.question, DEPTH, source)
        rows = features(question.question, retrieved.hits, retrieved.lexical, retrieved.vector)
        paths = [hit.chunk.path for hit in retrieved.hits]
        out.append({"repo": source, "rows": rows.tolist(), "paths": paths, "gold": sorted(question.gold)})
    return out


def scores_of(questions: list[dict[str, object]], reranker: Reranker | None) -> RankingScores:
    scores = RankingScores()
    for q in questions:
        paths = list(q["paths"])  # type: ignore[call-overload]
        if reranker is not None and paths:
            values = np.asarray(q["rows"]) @ np.asarray(reranker.weights) + reranker.bias
            paths = [paths[i] for i in sorted(range(len(paths)), key=lambda i: (-values[i], i))]
        scores.add(rank_files_from_paths(paths), frozenset(q["gold"]))  # type: ignore[arg-type]
    return scores


def rank_files_from_paths(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def labelled(questions: list[dict[str, object]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rows, labels = [], []
    for q in questions:
        gold = set(q["gold"])  # type: ignore[call-overload]
        if not q["paths"]:
            continue
        rows.append(np.asarray(q["rows"]))
        labels.append(np.asarray([path in gold for path in q["paths"]], dtype=np.float64))  # type: ignore[attr-defined]
    return rows, labels


def line(name: str, scores: RankingScores) -> str:
    summary = scores.summary()
    return (f"{name:28} R@1 {summary['recall@1']:.3f}  R@5 {summary['recall@5']:.3f}  "
            f"R@10 {summary['recall@10']:.3f}  MRR {summary['mrr']:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", nargs=3, action="append", metavar=("QUESTIONS", "CHECKOUT", "DATA_DIR"),
                        required=True)
    parser.add_argument("--cache", type=Path, help="JSON file keeping the collected rows between runs")
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--without", default="", help="features left out (comma-separated names)")
    args = parser.parse_args()
    left_out = [FEATURES.index(name) for name in args.without.split(",") if name]
    cached = json.loads(args.cache.read_text()) if args.cache and args.cache.exists() else {}
    for data, checkout, data_dir in args.repo:
        name = Path(checkout).resolve().name
        if name not in cached:
            cached[name] = collect(Path(data), Path(checkout), data_dir)
            if args.cache:
                args.cache.write_text(json.dumps(cached))
    names = [Path(checkout).resolve().name for _, checkout, _ in args.repo]
    for questions in cached.values():
        for q in questions:
            for row in q["rows"]:
                for column in left_out:
                    row[column] = 0.0  # a constant column: its weight stays 0 under L2
    fused_all, reranked_all = RankingScores(), RankingScores()
    for held_out in names:
        train = [q for name in names if name != held_out for q in cached[name]]
        reranker = fit_reranker(*labelled(train), l2=args.l2)
        fused, reranked = scores_of(cached[held_out], None), scores_of(cached[held_out], reranker)
        print(line(f"{held_out} fused", fused))
        print(line(f"{held_out} re-ranked (LORO)", reranked))
        fused_all.merge(fused)
        reranked_all.merge(reranked)
    print(line("all fused", fused_all))
    print(line("all re-ranked (LORO)", reranked_all))
    final = fit_reranker(*labelled([q for name in names for q in cached[name]]), l2=args.l2)
    print("weights fitted on all:", dict(zip(FEATURES, (round(w, 3) for w in final.weights), strict=True)),
          "bias", round(final.bias, 3))
    print(f"Reranker(weights=({', '.join(f'{w:.3f}' for w in final.weights)}), bias={final.bias:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
