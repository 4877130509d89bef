"""Grounded answers through the running edge runner: `devrel ingest` a small project, then ask over
HTTP (`/api/ask`), with the real embedder and index, and get answers whose citations point into it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

DEVREL = Path(sys.executable).with_name("devrel")


ADMIN_TOKEN = "answers-admin-token-7c1d"


def call(url: str, method: str = "GET", payload: Any = None, token: str | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "widget"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "config.md").write_text(
        "# Configuration\n\n## Timeouts\n\nThe request timeout defaults to 30 seconds. "
        "Set `WIDGET_TIMEOUT` to change it.\n\n## Logging\n\nLogs go to stderr. Use `--verbose` for debug output.\n")
    (root / "client.py").write_text(
        "DEFAULT_TIMEOUT = 30\n\n\ndef fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:\n"
        '    """Download url, giving up after timeout seconds."""\n    raise NotImplementedError\n')
    return root


def test_ask_over_http_after_ingest(serve_factory: Any, project: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    app = serve_factory({"DEVREL_API_ADMIN_TOKEN": ADMIN_TOKEN}, "--no-schedules", data_dir=data_dir)
    status, reply = call(f"{app.url}/api/ask", "POST", {"question": "what is the default timeout?"})
    assert status == 503 and "ingest" in reply["error"]

    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    subprocess.run([str(DEVREL), "ingest", str(project), "--data-dir", str(data_dir)], env=env, check=True,
                   capture_output=True, timeout=300)
    assert call(f"{app.url}/api/health")[1]["knowledge"] is True

    status, reply = call(f"{app.url}/api/ask", "POST", {"question": "How do I change the request timeout?"})
    assert status == 200
    cited = {citation["url"].split(":")[0] for citation in reply["citations"]}
    assert "docs/config.md" in cited
    assert "WIDGET_TIMEOUT" in reply["answer"]

    assert call(f"{app.url}/api/ask", "POST", {"question": ""})[0] == 400
    assert call(f"{app.url}/api/ask", "POST", {"nothing": 1})[0] == 400
    assert call(f"{app.url}/api/nowhere")[0] == 404
    assert call(f"{app.url}/api/stats")[0] == 401  # maintainers only
    status, stats = call(f"{app.url}/api/stats", token=ADMIN_TOKEN)
    assert status == 200 and stats["unanswered"] == [] and isinstance(stats["hourly"], list)
