"""How often the local model's lead paragraph survives the citation check, on SWE-QA questions.

    python tests/bench/bench_lead.py --data-dir DIR --repo CHECKOUT QUESTIONS.jsonl [--limit 20]

Uses the index `devrel eval qa` built in DIR and the edge model (`build_llm`: the bundled GGUF
unless DEVREL_LLM_BASE_URL points elsewhere). Prints survived / asked and the seconds per call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from devrel.commands.common import command_settings, knowledge_dir
from devrel.knowledge.answering import Answerer
from devrel.knowledge.evaluation import load_questions
from devrel.knowledge.retrieval import Retriever
from devrel.runtime import build_embedder, build_llm, open_index


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()
    settings = command_settings(args.data_dir)
    embedder = build_embedder(settings, cache_dir=knowledge_dir(settings))
    index = open_index(settings, embedder.dimension)
    llm = build_llm(settings)
    answerer = Answerer(Retriever(index, embedder), llm=llm, source=args.repo.resolve().name)
    asked = survived = 0
    seconds: list[float] = []
    reasons: dict[str, int] = {}
    for record in load_questions(args.data)[: args.limit]:
        started = time.perf_counter()
        answer = answerer.answer(str(record["question"]))
        if not answer.confident:
            continue  # the model is not asked then
        asked += 1
        seconds.append(time.perf_counter() - started)
        survived += answer.lead == "model"
        for note in answer.dropped:
            if "model" in note:
                reasons[note] = reasons.get(note, 0) + 1
    print(f"lead survived {survived}/{asked}; {statistics.fmean(seconds) if seconds else 0:.1f} s an answer")
    print(reasons)
    return 0


if __name__ == "__main__":
    sys.exit(main())
