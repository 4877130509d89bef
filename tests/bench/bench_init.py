"""Cold-start init time of every function: importing its app.py in a fresh interpreter (median of N),
against a bare `import json` baseline measured the same way in the same run.

    .venv/bin/python tests/bench/bench_init.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import importlib.util, time
started = time.perf_counter()
{body}
print(time.perf_counter() - started)
"""
LOAD = ("spec = importlib.util.spec_from_file_location('app', {path!r})\n"
        "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)")


def measure(body: str, runs: int, env: dict[str, str]) -> float:
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], capture_output=True, text=True,
                             env=env, check=True, cwd=ROOT).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    baseline = measure("import json", args.runs, env)
    report: dict[str, object] = {"baseline_import_json_ms": round(baseline, 2)}
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        report[app.parent.name + "_ms"] = round(measure(LOAD.format(path=str(app)), args.runs, env), 1)
    untraced = {**env, "POWERTOOLS_TRACE_DISABLED": "true"}
    report["github_webhook_tracing_disabled_ms"] = round(
        measure(LOAD.format(path=str(ROOT / "functions/github_webhook/app.py")), args.runs, untraced), 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
