"""How the duplicate score's weights were chosen without scoring on what chose them: nested
cross-validation over GitBugs Hadoop's labelled pairs.

    .venv/bin/python tests/bench/bench_duplicate_weights.py --corpus hadoop_bugs.csv --pairs hadoop_bugs-train.csv

Pairs are split into 5 folds, the two directions of one pair (and pairs sharing a report) kept in
the same fold. For each fold, the lexical weight, the time penalty and its scale that do best on
the other four folds (recall@5 + MRR) rank the fold's pairs; the pooled held-out ranks are printed
next to the text-only score and the shipped defaults, all from the product's DuplicateIndex.
Embeddings come from the edge model behind its on-disk cache.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from devrel.commands.common import command_settings, knowledge_dir
from devrel.runtime import build_embedder
from devrel.triage.datasets import read_pairs, read_reports
from devrel.triage.duplicates import (
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_RECENCY_DAYS,
    DEFAULT_RECENCY_WEIGHT,
    DuplicateIndex,
    created_times,
    recency_penalty,
)

LEXICAL_WEIGHTS = (0.5, 0.6, 0.7, 0.8)
RECENCY_DAYS = (14.0, 30.0, 60.0, 90.0, 180.0, 365.0)
RECENCY_WEIGHTS = (0.0, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3)


def metrics(ranks: np.ndarray) -> str:
    return (f"R@1 {np.mean(ranks <= 1):.3f}  R@5 {np.mean(ranks <= 5):.3f}  R@10 {np.mean(ranks <= 10):.3f}  "
            f"MRR {np.mean(1.0 / ranks):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, help="embedding cache (default: the edge data directory's)")
    args = parser.parse_args()
    corpus = read_reports(args.corpus)
    settings = command_settings(None)
    embedder = build_embedder(settings, cache_dir=args.cache_dir or knowledge_dir(settings))
    index = DuplicateIndex(corpus, embedder, recency_weight=0.0)
    position = {issue.issue_id: row for row, issue in enumerate(corpus)}
    pairs = [(query, original) for query, original in read_pairs(args.pairs)
             if query in position and original in position]
    queries = [corpus[position[query]] for query, _ in pairs]
    _, lexical, semantic = index.score_matrix(queries)
    apart = {days: recency_penalty(created_times(queries), index.times, 1.0, days) for days in RECENCY_DAYS}

    def ranks(scores: np.ndarray) -> np.ndarray:
        return np.array([index.rank_of(scores[row], query, original) for row, (query, original) in enumerate(pairs)],
                        dtype=np.float64)

    grid = {}
    for weight, days, penalty in itertools.product(LEXICAL_WEIGHTS, RECENCY_DAYS, RECENCY_WEIGHTS):
        if penalty == 0.0 and days != RECENCY_DAYS[0]:
            continue  # no penalty: the scale does not matter
        fused = weight * lexical + (1 - weight) * semantic - penalty * apart[days]
        grid[(weight, days, penalty)] = ranks(fused)

    # Pairs that share a report stay in one fold (A->B and B->A are listed separately).
    group: dict[str, str] = {}

    def root(node: str) -> str:
        while group.setdefault(node, node) != node:
            node = group[node]
        return node

    for query, original in pairs:
        group[root(query)] = root(original)
    roots = sorted({root(query) for query, _ in pairs})
    shuffled = np.random.default_rng(args.seed).permutation(len(roots))
    fold_of_root = {name: int(shuffled[i]) % args.folds for i, name in enumerate(roots)}
    fold = np.array([fold_of_root[root(query)] for query, _ in pairs])

    def objective(found: np.ndarray) -> float:
        return float(np.mean(found <= 5) + np.mean(1.0 / found))

    held_out = np.zeros(len(pairs))
    chosen = []
    for k in range(args.folds):
        train = fold != k
        best = max(grid, key=lambda key: objective(grid[key][train]))
        chosen.append(best)
        held_out[~train] = grid[best][~train]
    print(f"{len(pairs)} pairs over {len(corpus)} reports, {args.folds} folds")
    text_only = grid[(DEFAULT_LEXICAL_WEIGHT, RECENCY_DAYS[0], 0.0)]
    print(f"text only, lexical {DEFAULT_LEXICAL_WEIGHT}:      {metrics(text_only)}")
    print(f"text only, previous lexical 0.6:  {metrics(grid[(0.6, RECENCY_DAYS[0], 0.0)])}")
    shipped = (DEFAULT_LEXICAL_WEIGHT, DEFAULT_RECENCY_DAYS, DEFAULT_RECENCY_WEIGHT)
    print(f"shipped defaults {shipped}: {metrics(grid[shipped])} (chosen on all pairs)")
    print(f"nested CV, held out:              {metrics(held_out)}")
    print("chosen per fold (lexical weight, days, penalty):", chosen)


if __name__ == "__main__":
    main()
