"""The scheduled re-index job, run once through `devrel invoke` with the real embedder and index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVREL = Path(sys.executable).with_name("devrel")


def invoke_reindex(data_dir: Path, targets: list[str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    env["DEVREL_REINDEX_TARGETS"] = json.dumps(targets)
    completed = subprocess.run(
        [str(DEVREL), "invoke", "reindex", "--event", str(ROOT / "shared/events/schedule.json"),
         "--data-dir", str(data_dir)], capture_output=True, text=True, env=env, timeout=300, check=True)
    return json.loads(completed.stdout)


def test_reindex_is_incremental(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "guide.md").write_text("# Guide\n\n## Install\n\nRun `pip install widget`.\n")
    data_dir = tmp_path / "data"
    first = invoke_reindex(data_dir, [str(project)])["reindexed"][0]
    assert first["files_changed"] == 1 and first["chunks"] >= 1
    second = invoke_reindex(data_dir, [str(project)])["reindexed"][0]
    assert second["files_changed"] == 0 and second["chunks"] == 0
    (project / "guide.md").write_text("# Guide\n\n## Install\n\nRun `pip install widget[all]`.\n")
    third = invoke_reindex(data_dir, [str(project)])["reindexed"][0]
    assert third["files_changed"] == 1
