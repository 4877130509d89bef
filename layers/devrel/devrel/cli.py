"""`devrel` command line: the edge runner and local tools."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

import devrel
from devrel.logs import configure_logging
from devrel.settings import SettingsInvalid

log = logging.getLogger("devrel")


def find_template(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "template.yaml").is_file():
            return folder / "template.yaml"
    # An editable install of the project: the checkout that holds this package.
    checkout = Path(devrel.__file__).resolve().parents[3] / "template.yaml"
    if checkout.is_file():
        return checkout
    raise SystemExit("template.yaml not found: run from the project folder or pass --template")


def _settings(args: argparse.Namespace) -> Any:
    from devrel.commands.common import command_settings

    return command_settings(getattr(args, "data_dir", None), mode="edge")


def resolve_function(template: Any, name: str) -> str:
    """Accept a logical id (GithubWebhookFunction) or a folder name (github_webhook)."""
    if name in template.functions:
        return name
    for logical_id, spec in template.functions.items():
        if spec.code_dir.name == name:
            return logical_id
    known = ", ".join(sorted(template.functions))
    raise SystemExit(f"unknown function {name!r}; known: {known}")


def cmd_serve(args: argparse.Namespace) -> int:
    from devrel.edge.runner import EdgeRunner, RunnerOptions

    options = RunnerOptions(host=args.host, port=args.port, schedules=not args.no_schedules,
                            visibility_timeout=args.visibility_timeout, local_llm=not args.no_llm,
                            workers=args.workers)
    runner = EdgeRunner(find_template(args.template), _settings(args), options)
    runner.start()
    host, port = runner.address
    print(f"devrel edge runner on http://{host}:{port}  (data: {runner.settings.data_dir})", flush=True)
    for route in runner.template.routes:
        print(f"  {route.method:6} http://{host}:{port}{route.path} -> {route.function_id}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    runner.wait()
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    from devrel.edge.runner import EdgeRunner

    runner = EdgeRunner(find_template(args.template), _settings(args))
    function_id = resolve_function(runner.template, args.function)
    event = json.loads(Path(args.event).read_text(encoding="utf-8")) if args.event else {}
    # Like `sam local invoke`: the function's logs go to stderr, only its result to stdout.
    with contextlib.redirect_stdout(sys.stderr):
        result = runner.invoke(function_id, event)
    print(json.dumps(result, indent=2, default=str))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from devrel.models.doctor import doctor_report, format_report

    report = doctor_report(_settings(args), measure=not args.no_measure)
    print(json.dumps(report, indent=2, default=str) if args.json else format_report(report))
    return 0


# Subcommands that live with their feature; each module exposes `register(subparsers)`.
COMMAND_MODULES = (
    "devrel.commands.backfill",
    "devrel.commands.ingest",
    "devrel.commands.ask",
    "devrel.commands.discord_register",
    "devrel.commands.telegram_register",
    "devrel.commands.train",
    "devrel.commands.release_notes",
    "devrel.commands.review",
    "devrel.commands.people",
)
# Modules adding `devrel eval <kind>`; each exposes `register_eval(eval_subparsers)`.
EVAL_MODULES = (
    "devrel.commands.eval_qa",
    "devrel.commands.eval_language",
    "devrel.commands.eval_sentiment",
    "devrel.commands.eval_triage",
    "devrel.commands.eval_release",
    "devrel.commands.eval_review",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devrel", description=__doc__)
    parser.add_argument("--version", action="version", version=devrel.__version__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run every function of template.yaml locally (edge mode)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    serve.add_argument("--data-dir", help="where edge state lives (default: DEVREL_DATA_DIR or ./.devrel)")
    serve.add_argument("--template", help="path to template.yaml")
    serve.add_argument("--no-schedules", action="store_true", help="do not run EventBridge schedules")
    serve.add_argument("--visibility-timeout", type=int, help="seconds before a failed message is retried")
    serve.add_argument("--no-llm", action="store_true", help="do not start the local model server")
    serve.add_argument("--workers", type=int,
                       help="queue messages (and workflows) processed at once (default: DEVREL_EDGE_WORKERS, 4)")
    serve.set_defaults(func=cmd_serve)

    invoke = commands.add_parser("invoke", help="run one function once with an event (like sam local invoke)")
    invoke.add_argument("function", help="logical id or folder name, e.g. github_webhook")
    invoke.add_argument("--event", "-e", help="JSON event file")
    invoke.add_argument("--data-dir")
    invoke.add_argument("--template")
    invoke.set_defaults(func=cmd_invoke)

    doctor = commands.add_parser("doctor", help="what is installed, which models are selected, tokens/s")
    doctor.add_argument("--data-dir")
    doctor.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    doctor.add_argument("--no-measure", action="store_true", help="skip the speed measurements")
    doctor.set_defaults(func=cmd_doctor)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    evaluate = commands.add_parser("eval", help="measure the assistant on labelled data")
    eval_kinds = evaluate.add_subparsers(dest="eval_kind", required=True)
    for module_name in EVAL_MODULES:
        importlib.import_module(module_name).register_eval(eval_kinds)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)  # stderr, with capabilities redacted from every line
    try:
        return int(args.func(args))
    except SettingsInvalid as exc:
        print(f"devrel: invalid settings: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
