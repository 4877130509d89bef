"""Chat questions matched against the project's issues: the duplicate index fitted for every question
(as the first version of the cross-platform match did) against one index per process kept current
from the store, on a few thousand GitBugs Hadoop reports in a SQLite store, in the same run.

    .venv/bin/python tests/bench/bench_related.py [--issues 2400] [--questions 40] [--lexical]

Embeddings come from the edge model behind its on-disk cache (a second run skips the model);
--lexical measures without them. The questions are titles of reports left out of the index.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from devrel.adapters.store_sqlite import SqliteStore
from devrel.commands.common import command_settings, knowledge_dir
from devrel.ports import Embedder, Item
from devrel.runtime import build_embedder
from devrel.triage.datasets import read_reports
from devrel.usecases.related_issues import RelatedIssues
from devrel.usecases.triage_models import duplicate_scorer
from devrel.usecases.triage_steps import IssueFacts, TriageConfig, duplicate_threshold

REPOSITORY = "apache/hadoop"


def fitted_per_question(store: SqliteStore, embedder: Embedder | None, question: str) -> str | None:
    """The previous path: read the partition, fit the index, score, for every question."""
    def vectors() -> Embedder:
        if embedder is None:
            raise RuntimeError("lexical only")
        return embedder

    past = [IssueFacts.model_validate(item.data) for item in store.query(f"issues#{REPOSITORY}", limit=100_000)]
    threshold, _ = duplicate_threshold(past, TriageConfig())
    probe = IssueFacts(repository=REPOSITORY, number=0, title=question[:200], body=question)
    found = duplicate_scorer(vectors)(probe, past)
    return str(found[0].number) if found and found[0].score >= threshold else None


def timed(call: object, questions: list[str]) -> tuple[list[float], list[str | None]]:
    seconds, answers = [], []
    for question in questions:
        started = time.perf_counter()
        answers.append(call(question))  # type: ignore[operator]
        seconds.append(time.perf_counter() - started)
    return seconds, answers


def summary(name: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"{name}: mean {statistics.mean(seconds) * 1000:.0f} ms, p50 {statistics.median(seconds) * 1000:.0f} ms,"
            f" p95 {p95 * 1000:.0f} ms over {len(seconds)} questions")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--issues", type=int, default=2400)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--lexical", action="store_true", help="no embeddings")
    args = parser.parse_args()
    reports = read_reports(args.datasets / "gitbugs-hadoop" / "hadoop_bugs.csv")
    asked, pool = reports[-args.questions:], reports[:-args.questions]
    # Past the data set's size the reports are used again (timing only: copies match each other).
    indexed = [pool[n % len(pool)] for n in range(args.issues)]
    if args.issues > len(pool):
        print(f"{len(pool)} distinct reports, used again up to {args.issues}")
    questions = [f"{report.title}: {report.body[:300]}" for report in asked]
    settings = command_settings(None)
    embedder = None if args.lexical else build_embedder(settings, cache_dir=knowledge_dir(settings))
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "store.sqlite")
        for number, report in enumerate(indexed, start=1):
            facts = IssueFacts(repository=REPOSITORY, number=number, title=report.title, body=report.body)
            store.put(Item(f"issues#{REPOSITORY}", f"{number:010d}", facts.model_dump()))
        if embedder is not None:  # warm the embedding cache, as a deployment that triaged these has it
            started = time.perf_counter()
            embedder.embed([report.text for report in indexed])
            print(f"embedding cache warmed for {len(indexed)} issues in {time.perf_counter() - started:.1f} s")

        def engine() -> Embedder:
            if embedder is None:
                raise RuntimeError("lexical only")
            return embedder

        related = RelatedIssues(store, REPOSITORY, engine, refresh_seconds=60)
        started = time.perf_counter()
        related.line("warm up")
        first = time.perf_counter() - started
        after, after_found = timed(related.line, questions)

        # The worst case: the store read again before every question, one issue changed in between.
        always = RelatedIssues(store, REPOSITORY, engine, refresh_seconds=0)
        always.line("warm up")
        changing = []
        for n, question in enumerate(questions):
            report = asked[n]
            number = args.issues + 1 + n
            store.put(Item(f"issues#{REPOSITORY}", f"{number:010d}", IssueFacts(
                repository=REPOSITORY, number=number, title=report.title + " (reported again)",
                body=report.body).model_dump()))
            started = time.perf_counter()
            always.line(question)
            changing.append(time.perf_counter() - started)

        # Last, so the questions' own embeddings are cached for it and not for the process's index:
        # the comparison leans toward the old path, not away from it.
        for n in range(len(questions)):
            store.delete(f"issues#{REPOSITORY}", f"{args.issues + 1 + n:010d}")
        before, before_found = timed(lambda q: fitted_per_question(store, embedder, q), questions)

    kind = "lexical only" if embedder is None else "TF-IDF + MiniLM embeddings (cached)"
    print(f"{len(indexed)} issues in the index, {kind}")
    print(summary("before, index fitted per question", before))
    print(f"after, first question (builds the process's index): {first * 1000:.0f} ms")
    print(summary("after, the process's index", after))
    print(summary("after, store re-read and one issue added before each question", changing))
    agree = sum(a == b for a, b in zip(before_found, [_number(line) for line in after_found], strict=True))
    print(f"same match (or none) before and after: {agree}/{len(questions)}; "
          f"speed-up {statistics.mean(before) / statistics.mean(after):.0f}x (mean)")


def _number(line: str | None) -> str | None:
    if line is None:
        return None
    return line.split("/issues/", 1)[1].split(" ", 1)[0]


if __name__ == "__main__":
    main()
