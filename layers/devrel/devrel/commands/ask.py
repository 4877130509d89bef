"""`devrel ask "question"`: answer from the indexed sources, with checked citations."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from devrel.commands.common import add_index_arguments, command_settings, knowledge_dir
from devrel.knowledge.answering import Answer, Answerer, AnswerOptions
from devrel.knowledge.retrieval import Retriever
from devrel.ports import LLM
from devrel.runtime import build_embedder, build_llm, build_store, open_index
from devrel.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("ask", help="answer a question from the indexed sources", description=__doc__)
    parser.add_argument("question")
    parser.add_argument("--repo", dest="source", help="only this collection (as named at ingest)")
    parser.add_argument("--thread", help="conversation id: follow-ups use the thread's earlier turns")
    parser.add_argument(
        "--llm",
        choices=("auto", "on", "off"),
        default="auto",
        help="phrase a lead paragraph with the configured model (auto: when llm_base_url is set)",
    )
    parser.add_argument("--escalation", help="who to offer when unsure (e.g. @org/maintainers)")
    parser.add_argument("--json", action="store_true", help="print the answer and its citations as JSON")
    add_index_arguments(parser)
    parser.set_defaults(func=run)


def _llm(settings: Settings, choice: str) -> LLM | None:
    wanted = choice == "on" or (choice == "auto" and bool(getattr(settings, "llm_base_url", None)))
    return build_llm(settings) if wanted else None


def run(args: argparse.Namespace) -> int:
    settings = command_settings(args.data_dir)
    embedder = build_embedder(settings, cache_dir=knowledge_dir(settings))
    index = open_index(settings, embedder.dimension, args.opensearch, args.index_name)
    if index.count(args.source) == 0:
        raise SystemExit(
            "nothing indexed yet" + (f" for {args.source}" if args.source else "") + ": run `devrel ingest PATH` first"
        )
    answerer = Answerer(
        Retriever(index, embedder),
        llm=_llm(settings, args.llm),
        store=build_store(settings) if args.thread else None,
        options=AnswerOptions(escalation=args.escalation),
        source=args.source,
    )
    answer = answerer.answer(args.question, thread=args.thread)
    if args.json:
        print(
            json.dumps(
                {
                    "answer": answer.text,
                    "confident": answer.confident,
                    "escalate": answer.escalate,
                    "language": answer.language,
                    "citations": [dataclasses.asdict(c) for c in answer.citations],
                    "dropped": answer.dropped,
                    "lead": answer.lead,
                },
                ensure_ascii=False,
            )
        )
    else:
        print(answer.text)
        print(f"\n({_whose(answer)})")
    return 0


def _whose(answer: Answer) -> str:
    """Whose words the plain answer is: the model's lead (checked), or quotes only, and why."""
    if answer.lead == "model":
        return "lead written by the model, checked against the cited passages"
    if answer.lead == "sentences":
        return "lead made of sentences from the cited passages, word for word"
    reason = next((note for note in reversed(answer.dropped) if "model" in note), "")
    return "quoted passages only" + (f"; {reason}" if reason else "")
