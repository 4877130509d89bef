"""Cold init of every function as Lambda's python3.11 runtime runs it from the `sam build` output,
next to a handler that only sets up Powertools' Logger, Metrics and an HTTP resolver, measured the
same way in the same run.

Each sample is a fresh interpreter whose sys.path is what Lambda gives a function: its code folder,
its layers' python/ folders, then the runtime's own boto3 (boto3, botocore, s3transfer, jmespath,
dateutil, six, urllib3, linked from this virtualenv, without awscrt, which the runtime lacks). No
site-packages, and no byte-code written (-B), as /var/task and /opt are read-only: modules without a
.pyc in the build output are compiled again in every sample, as on every Lambda cold start.

Printed per function (medians of --runs, samples interleaved so machine load hits all alike):
- init: importing app.py, i.e. Lambda's Init phase; the ratio is against the Powertools baseline,
  which uses the webhook layer's own Powertools;
- first request: what the first invocation sets up before any I/O: the X-Ray tracer
  (`lambda_tracer`, with tracing on as in Lambda) and the cloud services (boto3 clients);
- the size of the function's layers.

    .venv/bin/python tests/bench/bench_init.py [--build-dir DIR] [--runs 7]

Without --build-dir, `sam build` runs first into a temporary folder (a minute or more).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SAM = Path(sys.executable).with_name("sam")
WEBHOOKS = ["GithubWebhookFunction", "SlackEventsFunction", "DiscordInteractionsFunction",
            "DiscourseWebhookFunction", "TelegramWebhookFunction", "ApiFunction"]
BASELINE = "PowertoolsBaseline"
# What the python3.11 runtime ships besides the standard library.
RUNTIME_DISTRIBUTIONS = ["boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"]
BASELINE_APP = """
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

logger = Logger()
metrics = Metrics()
app = APIGatewayHttpResolver()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event, context):
    return app.resolve(event, context)
"""
# Runs in the fresh interpreter: argv = [paths json, app.py, service, "first-request" or ""].
PROBE = """
import importlib.util, json, sys, time
paths, app, service, first_request = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sys.path[:0] = paths[:-1]
sys.path.append(paths[-1])
timings = {}
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", app)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
timings["init"] = time.perf_counter() - started
if first_request:
    try:
        from devrel.handlers.lambda_support import lambda_tracer
    except ImportError:
        lambda_tracer = None  # a build from before the tracer was made lazily: init already made it
    started = time.perf_counter()
    if lambda_tracer is not None:
        lambda_tracer(service)
    timings["tracer"] = time.perf_counter() - started
    started = time.perf_counter()
    from devrel.runtime import services
    services()
    timings["services"] = time.perf_counter() - started
print(json.dumps(timings))
"""


class _CfnLoader(yaml.SafeLoader):
    """Reads !Ref, !GetAtt, !Sub... as plain values: only folder names and layer refs matter here."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: (
    {"Ref": loader.construct_scalar(node)} if suffix == "Ref" and isinstance(node, yaml.ScalarNode) else None))


def built_functions(build_dir: Path) -> dict[str, list[Path]]:
    """Function id -> [its code folder, then its layers' python/ folders], from the built template."""
    template = yaml.load((build_dir / "template.yaml").read_text(encoding="utf-8"), Loader=_CfnLoader)
    resources: dict[str, Any] = template["Resources"]
    global_layers = ((template.get("Globals") or {}).get("Function") or {}).get("Layers") or []
    functions: dict[str, list[Path]] = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        layers = [*global_layers, *(props.get("Layers") or [])]
        folders = [build_dir / resources[layer["Ref"]]["Properties"]["ContentUri"] / "python" for layer in layers]
        functions[name] = [build_dir / props["CodeUri"], *folders]
    return functions


def runtime_boto3(into: Path) -> Path:
    """A folder holding boto3 and its dependencies as the Lambda runtime provides them."""
    for name in RUNTIME_DISTRIBUTIONS:
        dist = importlib.metadata.distribution(name)
        tops = {Path(str(file)).parts[0] for file in dist.files or []}
        for top in tops:
            source = Path(str(dist.locate_file(top)))
            if top.endswith(".dist-info") or top in {"..", "__pycache__"} or not source.exists():
                continue
            (into / top).symlink_to(source)
    return into


def size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def sample(paths: list[Path], runtime: Path, app: Path, service: str, env: dict[str, str],
           first_request: bool) -> dict[str, float] | str:
    """Milliseconds by phase, or the error that stopped the interpreter."""
    args = [json.dumps([str(path) for path in [*paths, runtime]]), str(app), service, "1" if first_request else ""]
    out = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", PROBE, *args], capture_output=True, text=True,
                         env={**env, "LAMBDA_TASK_ROOT": str(paths[0])}, check=False)
    if out.returncode != 0:
        return (out.stderr.strip().splitlines() or ["no output"])[-1]
    timings: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return {key: value * 1000 for key, value in timings.items()}


def lambda_environment() -> dict[str, str]:
    """Lambda's variables for a cloud-mode function; resource names are placeholders (no call is made)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EC2_METADATA_DISABLED": "true",
        "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=1",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "DevRel",
        "DEVREL_MODE": "cloud",
        "DEVREL_REGION": "us-east-1",
        "DEVREL_TABLE_NAME": "bench-table",
        "DEVREL_SECRETS_ID": "bench-secrets",
    }


def sam_build(into: Path) -> Path:
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run([str(SAM), "build", "--template-file", str(ROOT / "template.yaml"), "--base-dir",
                             str(ROOT), "--build-dir", str(into / "build"), "--cache-dir", str(into / "cache"),
                             "--parallel"], cwd=into, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"sam build failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return into / "build"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", type=Path, help="an existing `sam build` output (default: build one)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--all", action="store_true", help="every function, not only the HTTP ones")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-init-") as scratch:
        work = Path(scratch)
        build_dir = args.build_dir.resolve() if args.build_dir else sam_build(work)
        functions = built_functions(build_dir)
        runtime = runtime_boto3(_mkdir(work / "runtime"))
        baseline_dir = _mkdir(work / BASELINE)
        (baseline_dir / "app.py").write_text(BASELINE_APP, encoding="utf-8")
        # The baseline gets the webhooks' Powertools, compiled (or not) exactly as theirs is.
        functions = {BASELINE: [baseline_dir, *functions[WEBHOOKS[0]][1:]],
                     **{name: paths for name, paths in functions.items() if args.all or name in WEBHOOKS}}
        env = lambda_environment()
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in functions}
        failures: dict[str, str] = {}
        for _ in range(args.runs):
            for name, paths in functions.items():
                if name in failures:
                    continue
                result = sample(paths, runtime, paths[0] / "app.py", name.removesuffix("Function"), env,
                                first_request=name != BASELINE)
                if isinstance(result, str):
                    failures[name] = result
                else:
                    samples[name].append(result)
        report(functions, samples, failures)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def report(functions: dict[str, list[Path]], samples: dict[str, list[dict[str, float]]],
           failures: dict[str, str]) -> None:
    def median(name: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[name]) if key in samples[name][0] else 0.0

    baseline = median(BASELINE, "init")
    print(f"{'function':<30}{'init ms':>9}{'x base':>8}{'tracer ms':>11}{'services ms':>13}{'layers MB':>11}")
    rows = {}
    for name, paths in functions.items():
        if name in failures:
            print(f"{name:<30}failed: {failures[name]}")
            continue
        init = median(name, "init")
        layers = sum(size_mb(folder) for folder in paths[1:])
        rows[name] = {"init_ms": round(init, 1), "ratio": round(init / baseline, 2),
                      "first_request_tracer_ms": round(median(name, "tracer"), 1),
                      "first_request_services_ms": round(median(name, "services"), 1),
                      "layers_mb": round(layers, 1)}
        print(f"{name:<30}{init:>9.1f}{init / baseline:>8.2f}{median(name, 'tracer'):>11.1f}"
              f"{median(name, 'services'):>13.1f}{layers:>11.1f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
