"""Retrieval evaluation on SWE-QA-style data: questions whose reference answers name evidence files.

Gold files of a question are the corpus files its reference answer mentions: a mention matches a
file whose path equals it or ends with "/" + mention; a bare file name that matches several files
is ambiguous and ignored. Questions without any gold file in the corpus are skipped (and counted).
Metrics are file-level: a file's rank is the rank of its best chunk.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devrel.knowledge.index import Hit
from devrel.knowledge.retrieval import rank_files

CUTOFFS = (1, 5, 10)

_FILE_MENTION = re.compile(
    r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*"
    r"\.(?:py|pyi|pyx|rst|md|txt|cfg|toml|ini|ya?ml|json|c|h|js|ts|html|css|sql|jinja|j2))\b"
)


@dataclass(frozen=True)
class Question:
    question: str
    answer: str
    gold: frozenset[str]


def load_questions(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class FileResolver:
    """Resolve file mentions in prose to paths of a corpus."""

    def __init__(self, corpus_paths: Iterable[str]) -> None:
        self.paths = set(corpus_paths)
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for path in self.paths:
            self._by_name[path.rsplit("/", 1)[-1]].append(path)

    def resolve(self, mention: str) -> list[str]:
        mention = mention.lstrip("./")
        if mention in self.paths:
            return [mention]
        candidates = self._by_name.get(mention.rsplit("/", 1)[-1], [])
        matches = [p for p in candidates if p.endswith("/" + mention)]
        if "/" not in mention and len(matches) > 1:
            return []  # a bare name of several files: which one the answer meant is unknown
        return matches

    def gold_files(self, answer: str) -> frozenset[str]:
        found: set[str] = set()
        for mention in _FILE_MENTION.findall(answer):
            found.update(self.resolve(mention))
        return frozenset(found)


def questions_with_gold(records: Sequence[dict[str, Any]], resolver: FileResolver) -> list[Question]:
    out = []
    for record in records:
        gold = resolver.gold_files(str(record.get("answer", "")))
        if gold:
            out.append(Question(str(record["question"]), str(record.get("answer", "")), gold))
    return out


@dataclass
class RankingScores:
    """Running recall@k and reciprocal rank over questions, for one retrieval method."""

    recalls: dict[int, list[float]] = field(default_factory=lambda: {k: [] for k in CUTOFFS})
    reciprocal_ranks: list[float] = field(default_factory=list)

    def add(self, ranked_files: Sequence[str], gold: frozenset[str]) -> None:
        for k in CUTOFFS:
            self.recalls[k].append(len(gold.intersection(ranked_files[:k])) / len(gold))
        first = next((rank for rank, path in enumerate(ranked_files, start=1) if path in gold), None)
        self.reciprocal_ranks.append(1.0 / first if first else 0.0)

    def merge(self, other: RankingScores) -> None:
        for k, values in other.recalls.items():
            self.recalls[k] += values
        self.reciprocal_ranks += other.reciprocal_ranks

    def summary(self, prefix: str = "") -> dict[str, float]:
        out = {f"{prefix}recall@{k}": _mean(values) for k, values in self.recalls.items()}
        out[f"{prefix}mrr"] = _mean(self.reciprocal_ranks)
        return out


def _mean(values: Sequence[float]) -> float:
    return round(statistics.fmean(values), 4) if values else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 < fraction <= 1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered) - 1e-9)))
    return ordered[rank - 1]


@dataclass
class EvalResult:
    questions: int
    skipped: int
    hybrid: RankingScores
    bm25: RankingScores
    latencies_ms: list[float]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"questions": self.questions, "skipped_no_gold": self.skipped}
        out.update(self.hybrid.summary())
        out.update(self.bm25.summary("bm25_"))
        if self.latencies_ms:
            out["answer_latency_p50_ms"] = round(percentile(self.latencies_ms, 0.50), 1)
            out["answer_latency_p95_ms"] = round(percentile(self.latencies_ms, 0.95), 1)
        return out


def evaluate(
    questions: Sequence[Question],
    hybrid_files: Callable[[str], Sequence[Hit]],
    bm25_files: Callable[[str], Sequence[Hit]],
    answer: Callable[[str], object] | None = None,
    skipped: int = 0,
) -> EvalResult:
    """Score both retrieval methods on every question; time `answer` (the full answering path).

    `hybrid_files` / `bm25_files` return ranked Hits for a question.
    """
    hybrid, bm25 = RankingScores(), RankingScores()
    latencies: list[float] = []
    for question in questions:
        hybrid.add(rank_files(hybrid_files(question.question)), question.gold)
        bm25.add(rank_files(bm25_files(question.question)), question.gold)
        if answer is not None:
            started = time.perf_counter()
            answer(question.question)
            latencies.append((time.perf_counter() - started) * 1000)
    return EvalResult(len(questions), skipped, hybrid, bm25, latencies)


def format_table(rows: dict[str, dict[str, Any]]) -> str:
    """A plain-text table: one row per data set, hybrid and BM25 columns side by side."""
    columns = [
        "questions",
        *(f"recall@{k}" for k in CUTOFFS),
        "mrr",
        *(f"bm25_recall@{k}" for k in CUTOFFS),
        "bm25_mrr",
        "answer_latency_p50_ms",
        "answer_latency_p95_ms",
    ]
    headers = [
        "data",
        "n",
        "R@1",
        "R@5",
        "R@10",
        "MRR",
        "bm25 R@1",
        "bm25 R@5",
        "bm25 R@10",
        "bm25 MRR",
        "p50 ms",
        "p95 ms",
    ]
    table = [headers] + [[name, *(str(row.get(c, "")) for c in columns)] for name, row in rows.items()]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    return "\n".join("  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)) for r in table)


# --- Calibrating the "confident" gate ------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """Confident when the best passage is this close in meaning (cosine) or holds this share of the
    question's words (the rule of AnswerOptions.min_similarity / min_coverage)."""

    min_similarity: float
    min_coverage: float

    def confident(self, similarity: float, coverage: float) -> bool:
        return similarity >= self.min_similarity or coverage >= self.min_coverage


NEVER = Gate(math.inf, math.inf)


def calibrate_gate(samples: Sequence[tuple[float, float, bool]], target: float, min_confident: int = 5) -> Gate:
    """The gate that marks the most answers confident while their precision stays >= target.

    Samples are (best cosine, best coverage, whether the answer cited a gold file). Thresholds are
    tried at the samples' own values (cosines rounded down to 0.01); fewer than `min_confident`
    confident answers is no evidence (NEVER then, rather than a gate fitted to a handful).
    """
    # Cosines on a 0.01 grid: finer only fits the training questions.
    similarities = [*sorted({math.floor(s * 100) / 100 for s, _, _ in samples}), math.inf]
    coverages = [*sorted({c for _, c, _ in samples}), math.inf]
    best, best_key = NEVER, (0, 0.0)
    for min_similarity in similarities:
        for min_coverage in coverages:
            gate = Gate(min_similarity, min_coverage)
            picked = [good for s, c, good in samples if gate.confident(s, c)]
            if len(picked) < min_confident:
                continue
            precision = sum(picked) / len(picked)
            key = (len(picked), precision)
            # Ties go to the later, stricter thresholds: the widest margin for questions unlike these.
            if precision >= target and key >= best_key:
                best, best_key = gate, key
    return best
