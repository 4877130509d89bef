"""`devrel invoke`: one function, one event, no server (our `sam local invoke` without Docker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVREL = Path(sys.executable).with_name("devrel")


def invoke(function: str, event: str, data_dir: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    completed = subprocess.run(
        [str(DEVREL), "invoke", function, "--event", str(ROOT / "shared/events" / event),
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, env={**clean, **env}, cwd=ROOT, timeout=120, check=True,
    )
    return json.loads(completed.stdout)  # logs go to stderr; stdout is the result alone


def test_invoke_the_github_webhook_with_the_sample_ping(tmp_path: Path) -> None:
    result = invoke("github_webhook", "github_ping.json", tmp_path, DEVREL_GITHUB_WEBHOOK_SECRET="sample-secret")
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["ok"] is True


def test_invoke_with_the_wrong_secret_is_refused(tmp_path: Path) -> None:
    result = invoke("GithubWebhookFunction", "github_ping.json", tmp_path, DEVREL_GITHUB_WEBHOOK_SECRET="other")
    assert result["statusCode"] == 401


def test_invoke_the_hourly_rollup(tmp_path: Path) -> None:
    result = invoke("analytics_rollup", "schedule.json", tmp_path)
    assert set(result) == {"hour", "counts"}
