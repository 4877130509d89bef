"""SWE-QA-style evaluation: gold files from reference answers, file-level recall and MRR."""

from __future__ import annotations

import pytest

from devrel.knowledge.documents import Chunk
from devrel.knowledge.evaluation import (
    FileResolver,
    RankingScores,
    evaluate,
    format_table,
    percentile,
    questions_with_gold,
)
from devrel.knowledge.index import Hit

CORPUS = ["src/flask/app.py", "src/flask/sansio/app.py", "src/flask/json/provider.py", "tests/test_json.py"]


def test_gold_files_resolve_paths_suffixes_and_unique_names() -> None:
    resolver = FileResolver(CORPUS)
    answer = (
        "In `src/flask/json/provider.py` (lines 144-148) ... shown in test_json.py; "
        "see flask/sansio/app.py and app.py; docs/missing.rst is not in the corpus."
    )
    # app.py alone names two files: ambiguous, so it does not count.
    assert resolver.gold_files(answer) == {
        "src/flask/json/provider.py",
        "tests/test_json.py",
        "src/flask/sansio/app.py",
    }


def test_questions_without_gold_are_skipped() -> None:
    records = [{"question": "q1", "answer": "see provider.py"}, {"question": "q2", "answer": "no files"}]
    questions = questions_with_gold(records, FileResolver(CORPUS))
    assert [q.question for q in questions] == ["q1"]


def test_recall_and_mrr() -> None:
    scores = RankingScores()
    gold = frozenset({"a.py", "b.py"})
    scores.add(["x.py", "a.py", "y.py", "z.py", "w.py", "b.py"], gold)
    scores.add(["b.py"], frozenset({"b.py"}))
    summary = scores.summary()
    assert summary["recall@1"] == pytest.approx((0 + 1) / 2)
    assert summary["recall@5"] == pytest.approx((0.5 + 1) / 2)
    assert summary["recall@10"] == pytest.approx(1.0)
    assert summary["mrr"] == pytest.approx((1 / 2 + 1) / 2)


def test_evaluate_reports_both_methods_and_latency() -> None:
    def hits(*paths: str) -> list[Hit]:
        return [Hit(Chunk(source="s", path=p, start_line=1, end_line=1, text=p), 1.0) for p in paths]

    questions = questions_with_gold([{"question": "q", "answer": "tests/test_json.py"}], FileResolver(CORPUS))
    result = evaluate(
        questions,
        hybrid_files=lambda q: hits("tests/test_json.py"),
        bm25_files=lambda q: hits("src/flask/app.py", "tests/test_json.py"),
        answer=lambda q: None,
    ).as_dict()
    assert result["recall@1"] == 1.0 and result["bm25_recall@1"] == 0.0 and result["bm25_mrr"] == 0.5
    assert result["answer_latency_p50_ms"] >= 0
    assert "bm25 R@10" in format_table({"flask": result})


def test_percentile_nearest_rank() -> None:
    samples = [float(v) for v in range(1, 101)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.95) == 95.0
    assert percentile([3.0], 0.99) == 3.0


def test_the_gate_is_calibrated_for_the_most_confident_answers_at_the_target_precision() -> None:
    from devrel.knowledge.evaluation import NEVER, calibrate_gate

    # Close passages (cosine >= 0.6) cite the gold file; far ones mostly do not, unless most of the
    # question's words are in the passage.
    samples = [(0.7, 0.2, True)] * 8 + [(0.62, 0.3, True)] * 4 + [(0.35, 0.2, False)] * 6 + [(0.3, 0.9, True)] * 3
    gate = calibrate_gate(samples, target=0.95)
    assert [gate.confident(s, c) for s, c, _ in samples] == [good for _, _, good in samples]
    assert gate.confident(0.75, 0.0) and gate.confident(0.1, 0.95) and not gate.confident(0.5, 0.25)
    looser = calibrate_gate(samples, target=0.6)
    assert looser.confident(0.35, 0.2)  # 15 of 21 right is enough for 0.6: everything passes
    assert calibrate_gate(samples[:4], target=0.9) is NEVER  # too few answers to say anything
