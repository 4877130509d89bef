"""Serve one GGUF through llama.cpp's OpenAI-compatible HTTP server (the xllamacpp binding).

    python -m devrel.models.serve_llm --model PATH [--port 0] [--threads N] [--ctx-size N]

Prints one JSON line, {"url": "http://127.0.0.1:PORT"}, once the model is loaded and the port is
bound (port 0 lets the OS choose a free one), then serves until its standard input closes. The
parent keeps that pipe open, so the server also goes away when the parent dies, however it dies.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devrel.models.serve_llm", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--model", required=True, help="path of the GGUF file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ctx-size", type=int, default=4096)
    parser.add_argument("--parallel", type=int, default=1, help="concurrent request slots")
    parser.add_argument("--alias", default="local", help="model name the server answers to")
    parser.add_argument("--chat-template", default=None, help="llama.cpp template name; default: the GGUF's")
    parser.add_argument("--cache-ram-mib", type=int, default=256, help="prompt cache kept in RAM")
    parser.add_argument("--poll", type=int, default=50, help="0-100: how hard idle threads spin for work")
    parser.add_argument("--verbosity", type=int, default=1, help="llama.cpp log level (0 = errors only)")
    return parser.parse_args(argv)


def build_params(args: argparse.Namespace) -> Any:
    import xllamacpp  # heavy native module: only the server process loads it

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx_size
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.cpuparams.poll = args.poll
    params.cpuparams_batch.poll = args.poll
    params.cache_ram_mib = args.cache_ram_mib
    params.verbosity = args.verbosity
    if args.chat_template:
        params.chat_template = args.chat_template
    return params


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    import xllamacpp

    try:
        server = xllamacpp.Server(build_params(args))
    except RuntimeError as error:  # the binding's only signal that loading or binding failed
        print(f"serve_llm: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"url": server.listening_address}), flush=True)
    while sys.stdin.buffer.read(4096):
        pass
    del server  # stops the server loop and frees the model before the process exits
    return 0


if __name__ == "__main__":
    sys.exit(main())
