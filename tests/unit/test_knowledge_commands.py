"""`devrel ingest`, `devrel ask` and `devrel eval qa` end to end, with a fake embedder."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devrel.cli import main
from devrel.commands import ask, eval_qa, ingest


class WordEmbedder:
    dimension = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture(autouse=True)
def fake_models(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (ingest, ask, eval_qa):
        monkeypatch.setattr(module, "build_embedder", lambda settings, secrets=None, cache_dir=None: WordEmbedder())
    monkeypatch.delenv("DEVREL_LLM_BASE_URL", raising=False)


def run(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "retry.py").write_text(
        'def backoff(attempt):\n    """Seconds to wait before retry number attempt."""\n    return 2 ** attempt\n'
    )
    (root / "README.md").write_text("# Proj\n\nInstall with pip install proj.\n")
    return root


def last_json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_ingest_then_ask(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "data")
    assert run("ingest", str(project), "--data-dir", data, "--json") == 0
    report = last_json(capsys)
    assert report["source"] == "proj" and report["chunks_embedded"] == report["chunks_total"] >= 2

    assert run("ingest", str(project), "--data-dir", data, "--json") == 0
    assert last_json(capsys)["chunks_embedded"] == 0

    assert run("ask", "how long is the retry backoff wait?", "--data-dir", data, "--json") == 0
    answer = last_json(capsys)
    assert answer["citations"][0]["url"].startswith("src/retry.py:")
    assert "2 ** attempt" in answer["answer"]
    # No model configured: the lead is the docstring's own sentence, and the plain output says so.
    assert answer["lead"] == "sentences"
    assert "`backoff`: Seconds to wait before retry number attempt. [1]" in answer["answer"]
    assert run("ask", "how long is the retry backoff wait?", "--data-dir", data) == 0
    assert capsys.readouterr().out.rstrip().endswith("(lead made of sentences from the cited passages, word for word)")


def test_ask_before_ingest_explains_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="devrel ingest"):
        run("ask", "anything", "--data-dir", str(tmp_path / "empty"))


def test_eval_qa_reports_hybrid_and_bm25(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "qa.jsonl"
    rows = [
        {"question": "How long to wait before a retry?", "answer": "See `src/retry.py`, function backoff."},
        {"question": "How to install?", "answer": "README.md says pip install."},
        {"question": "Unrelated", "answer": "No file named."},
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    assert (
        run("eval", "qa", "--data", str(data), "--repo", str(project), "--data-dir", str(tmp_path / "d"), "--json") == 0
    )
    result = last_json(capsys)
    assert result["questions"] == 2 and result["skipped_no_gold"] == 1
    for key in (
        "recall@1",
        "recall@5",
        "recall@10",
        "mrr",
        "bm25_recall@10",
        "bm25_mrr",
        "answer_latency_p50_ms",
        "answer_latency_p95_ms",
        "ingest_chunks_per_s",
        "embedder_texts_per_s",
    ):
        assert key in result
    assert result["recall@10"] == 1.0

    assert run("eval", "qa", "--data", str(data), "--repo", str(project), "--data-dir", str(tmp_path / "d")) == 0
    table = capsys.readouterr().out
    assert "bm25 R@10" in table and "proj" in table
