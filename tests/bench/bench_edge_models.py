"""Edge model speed: our stack (local server subprocess + HTTP + openai SDK + OpenAiLlm) against the
raw xllamacpp binding called in-process on the same GGUF with the same parameters, in the same run;
then the ONNX embedder's throughput.

    .venv/bin/python tests/bench/bench_edge_models.py [--model NAME|PATH] [--threads N] [--repeats 3]

Generation is greedy (temperature 0), so both paths produce the same tokens for the same request.
The prompt benchmark starts each request with a fresh nonce, so no prompt cache is reused.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai

from devrel.models.catalog import default_threads, resolve_gguf
from devrel.models.local_server import LocalLlmServer
from devrel.models.onnx_embedder import OnnxEmbedder
from devrel.models.openai_llm import OpenAiLlm
from devrel.ports import ChatMessage

STORY = "Write a long, detailed story about a developer who maintains an open-source library."
QUESTION = "What is a webhook? Answer in one sentence."
FILLER = (
    "The project accepts contributions through pull requests. Every change needs a test, a changelog "
    "entry and a review from a maintainer. Continuous integration runs the linters and the test suite. "
)

# (prompt, completion tokens, seconds)
Sample = tuple[int, int, float]
Runner = Callable[[str, int], Sample]


def stack_runner(llm: OpenAiLlm) -> Runner:
    def run(prompt: str, max_tokens: int) -> Sample:
        generation = llm.generate([ChatMessage("user", prompt)], max_tokens=max_tokens)
        return generation.prompt_tokens, generation.completion_tokens, generation.seconds

    return run


def raw_runner(server: Any) -> Runner:
    def run(prompt: str, max_tokens: int) -> Sample:
        started = time.perf_counter()
        result = server.handle_chat_completions(
            {
                "messages": [{"role": "user", "content": prompt}],
                "max_tokens": max_tokens,
                "temperature": 0.0,
            }
        )
        seconds = time.perf_counter() - started
        usage = result["usage"]
        return usage["prompt_tokens"], usage["completion_tokens"], seconds

    return run


def measure(run: Runner, repeats: int, prompt_words: int) -> dict[str, float]:
    run("Hello", 4)  # first request: thread pool and page cache warm-up, not measured
    generation = [run(STORY, 64) for _ in range(repeats)]
    long_prompt = " ".join((FILLER * (prompt_words // len(FILLER.split()) + 1)).split()[:prompt_words])
    prompts = [run(f"[{uuid.uuid4().hex}] {long_prompt}\nSummarise the rules above.", 1) for _ in range(repeats)]
    answers = [run(QUESTION, 48) for _ in range(repeats)]
    return {
        "generation_tokens": statistics.median(sample[1] for sample in generation),
        "generation_tok_s": statistics.median(sample[1] / sample[2] for sample in generation),
        "prompt_tokens": statistics.median(sample[0] for sample in prompts),
        "prompt_tok_s": statistics.median(sample[0] / sample[2] for sample in prompts),
        "answer_seconds": statistics.median(sample[2] for sample in answers),
        "answer_tokens": statistics.median(sample[1] for sample in answers),
    }


def bench_stack(gguf: Path, threads: int, repeats: int, prompt_words: int) -> dict[str, float]:
    started = time.perf_counter()
    with LocalLlmServer(gguf, threads=threads) as server:
        startup = time.perf_counter() - started
        client = openai.OpenAI(base_url=server.base_url, api_key="local", max_retries=0, timeout=300)
        numbers = measure(stack_runner(OpenAiLlm(client, server.model)), repeats, prompt_words)
    return {"startup_seconds": startup, **numbers}


def bench_raw(gguf: Path, threads: int, repeats: int, prompt_words: int) -> dict[str, float]:
    import xllamacpp

    from devrel.models.serve_llm import build_params, parse_args

    # The very parameters the server subprocess gets, so only the transport differs.
    args = parse_args(["--model", str(gguf), "--threads", str(threads)])
    started = time.perf_counter()
    server = xllamacpp.Server(build_params(args))
    startup = time.perf_counter() - started
    try:
        numbers = measure(raw_runner(server), repeats, prompt_words)
    finally:
        del server
    return {"startup_seconds": startup, **numbers}


def bench_embedder(threads: int, texts: int) -> dict[str, float]:
    started = time.perf_counter()
    embedder = OnnxEmbedder.from_packages(threads=threads)
    load = time.perf_counter() - started
    sentences = [
        f"Issue {index}: the webhook delivery for repository {index % 7} times out after retries; "
        "how do I raise the limit or replay the failed events?"
        for index in range(texts)
    ]
    embedder.embed(sentences[:8])
    started = time.perf_counter()
    embedder.embed(sentences)
    return {"load_seconds": load, "texts_per_second": texts / (time.perf_counter() - started)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="catalog name or GGUF path (default: this machine's choice)")
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--prompt-words", type=int, default=300)
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()

    given = Path(args.model) if args.model and Path(args.model).is_file() else None
    cache = Path(tempfile.gettempdir()) / "devrel-bench-models"
    gguf = resolve_gguf(given, None if given else args.model, cache).path
    print(f"model: {gguf} ({gguf.stat().st_size / 1e6:.0f} MB), threads: {args.threads}")

    stack = bench_stack(gguf, args.threads, args.repeats, args.prompt_words)
    raw = bench_raw(gguf, args.threads, args.repeats, args.prompt_words)
    print(f"{'':28}{'our stack':>12}{'raw binding':>14}{'ratio':>8}")
    for key, label in [
        ("startup_seconds", "startup (s)"),
        ("generation_tok_s", "generation (tok/s)"),
        ("prompt_tok_s", "prompt (tok/s)"),
        ("answer_seconds", "short answer latency (s)"),
    ]:
        print(f"{label:28}{stack[key]:>12.2f}{raw[key]:>14.2f}{stack[key] / raw[key]:>8.2f}")
    print(
        f"(generation {stack['generation_tokens']:.0f} tokens, prompt {stack['prompt_tokens']:.0f} tokens, "
        f"answer {stack['answer_tokens']:.0f} tokens; medians of {args.repeats})"
    )

    embed = bench_embedder(args.threads, args.texts)
    print(
        f"embedder minilm-l6-int8: load {embed['load_seconds']:.2f} s, "
        f"{embed['texts_per_second']:.1f} texts/s ({args.texts} texts, {args.threads} threads)"
    )


if __name__ == "__main__":
    main()
