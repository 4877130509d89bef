"""The lead paragraph of answers on SWE-QA questions.

    python tests/bench/bench_lead.py --data-dir DIR --repo CHECKOUT QUESTIONS.jsonl [--limit 20]
    python tests/bench/bench_lead.py --sentences --data-dir DIR --repo CHECKOUT QUESTIONS.jsonl [--limit 0]

Uses the index `devrel eval qa` built in DIR. The first form asks the edge model (`build_llm`: the
bundled GGUF unless DEVREL_LLM_BASE_URL points elsewhere) and prints how often its lead survives the
citation check and the seconds per call. With --sentences no model is used: it prints how often a
confident answer gets a lead of the sources' own sentences, and how close that lead is to the
reference answer (ROUGE-L F1, share of the reference's code identifiers it names) next to a naive
lead, the first prose sentence of the first cited passage, on the same answers.
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
from devrel.knowledge.lead import candidates
from devrel.knowledge.retrieval import Retriever
from devrel.runtime import build_embedder, build_llm, open_index


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--limit", type=int, default=20, help="questions (0: all)")
    parser.add_argument("--sentences", action="store_true", help="the model-free lead against the references")
    args = parser.parse_args()
    settings = command_settings(args.data_dir)
    embedder = build_embedder(settings, cache_dir=knowledge_dir(settings))
    index = open_index(settings, embedder.dimension)
    if args.sentences:
        return sentences_lead(Answerer(Retriever(index, embedder), source=args.repo.resolve().name),
                              load_questions(args.data)[: args.limit or None])
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


def sentences_lead(answerer: Answerer, records: list[dict[str, object]]) -> int:
    from bench_answers import reference_identifiers  # type: ignore[import-not-found]
    from rouge_score import rouge_scorer  # the release-notes eval's dependency

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    confident = with_lead = 0
    ours: list[tuple[float, float]] = []
    naive: list[tuple[float, float]] = []
    for record in records:
        reference = str(record["answer"])
        answer = answerer.answer(str(record["question"]))
        if not answer.confident:
            continue
        confident += 1
        if answer.lead != "sentences":
            continue
        with_lead += 1
        lead = answer.text.split("\n\n")[1]
        by_id = {hit.chunk.chunk_id: hit.chunk for hit in answer.retrieved}
        first = candidates([by_id[answer.citations[0].chunk_id]])
        idents = {i.lower() for i in reference_identifiers(reference)}
        for text, out in ((lead, ours), (first[0].text if first else "", naive)):
            named = sum(i in text.lower() for i in idents) / len(idents) if idents else 0.0
            out.append((scorer.score(reference, text)["rougeL"].fmeasure, named))
    print(f"confident answers {confident}, with a sentences lead {with_lead} ({with_lead / max(confident, 1):.0%})")
    for name, rows in (("sentences lead", ours), ("first sentence", naive)):
        if rows:
            print(f"{name:15} ROUGE-L F1 {statistics.fmean(r[0] for r in rows):.3f}   "
                  f"reference identifiers named {statistics.fmean(r[1] for r in rows):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
