"""The dependency rules of the package, checked on its source: one composition root builds every
adapter and model client; the domain (use cases, knowledge, triage) depends on ports and value
types only."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devrel.python_source import parse_python

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "devrel" / "devrel"
DOMAIN = ("usecases", "knowledge", "triage", "health", "review", "release")
COMPOSITION_ROOT = PACKAGE / "runtime.py"
# Clients of the outside world that are not in devrel/adapters but are built like adapters.
OTHER_CLIENTS = {"OpenAiLlm", "OpenAiEmbedder", "OnnxEmbedder", "LocalLlmServer", "GithubThreads", "OpenSearch",
                 "Github", "WebClient"}
# The functions on the slim layer: their cold start is on every platform's request path.
WEBHOOK_FUNCTIONS = ("github_webhook", "slack_events", "discord_interactions", "discourse_webhook",
                     "telegram_webhook")


def modules(*folders: str) -> Iterator[Path]:
    for folder in folders or (".",):
        yield from sorted((PACKAGE / folder).rglob("*.py"))


def imported(path: Path) -> Iterator[str]:
    for node in ast.walk(parse_python(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def adapter_classes() -> set[str]:
    names = set(OTHER_CLIENTS)
    for path in modules("adapters"):
        tree = parse_python(path.read_text(encoding="utf-8"))
        names |= {node.name for node in tree.body if isinstance(node, ast.ClassDef) and not node.name.startswith("_")}
    return names


def constructions(path: Path, classes: set[str]) -> list[str]:
    found = []
    for node in ast.walk(parse_python(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in classes or (name in ("client", "resource") and "boto" in ast.unparse(node.func)):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {ast.unparse(node.func)}")
    return found


def test_the_domain_imports_no_runtime_adapters_or_aws_sdk() -> None:
    offending = [f"{path.relative_to(PACKAGE)} imports {name}" for path in modules(*DOMAIN) for name in imported(path)
                 if name == "devrel.runtime" or name.startswith(("devrel.adapters", "devrel.handlers", "boto3",
                                                                   "botocore", "devrel.edge"))]
    assert offending == []


def test_the_domain_builds_no_paths_of_the_data_directory() -> None:
    offending = [str(path.relative_to(PACKAGE)) for path in modules(*DOMAIN)
                 if "data_dir" in path.read_text(encoding="utf-8")]
    assert offending == []


def test_adapters_and_model_clients_are_built_only_in_the_composition_root() -> None:
    classes = adapter_classes()
    assert {"SqliteStore", "DynamoDbStore", "SqsQueue", "GithubPlatform", "EdgeIndex"} <= classes  # the scan sees them
    offending = [found for path in modules() if path != COMPOSITION_ROOT and "adapters" not in path.parts
                 for found in constructions(path, classes)]
    assert offending == []


@pytest.mark.parametrize("function", sorted(p.name for p in (PACKAGE.parents[2] / "functions").iterdir()))
def test_each_function_is_one_line_of_wiring(function: str) -> None:
    app = PACKAGE.parents[2] / "functions" / function / "app.py"
    tree = parse_python(app.read_text(encoding="utf-8"))
    statements = [node for node in tree.body if not isinstance(node, ast.Import | ast.ImportFrom | ast.Expr)]
    assert len(statements) == 1 and isinstance(statements[0], ast.Assign)


@pytest.mark.parametrize("function", WEBHOOK_FUNCTIONS)
def test_a_webhook_cold_start_imports_no_pydantic(function: str) -> None:
    """Importing pydantic was ~60 ms of a webhook's ~150 ms Lambda init (tests/bench/bench_init.py):
    events, settings and payloads are msgspec Structs on this path (devrel/structs.py)."""
    root = PACKAGE.parents[2]
    probe = "import app, sys; print('pydantic' in sys.modules, 'msgspec' in sys.modules)"
    # As Lambda runs it: the function's folder, then the layer's package (this checkout's).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "functions" / function), str(PACKAGE.parent)])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False,
                          cwd=root / "functions" / function, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]
