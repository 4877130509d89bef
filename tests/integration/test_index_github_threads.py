"""GitHub issues export over real HTTP (a local server playing the REST API), then ingestion."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from devrel.adapters.index_embedded import EdgeIndex
from devrel.knowledge.documents import Origin
from devrel.knowledge.github_threads import GithubThreads, export_issues
from devrel.knowledge.ingest import ingest
from devrel.ports import PortError


class FakeGithub(BaseHTTPRequestHandler):
    base = ""
    seen_auth: list[str] = []

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.seen_auth.append(self.headers.get("Authorization", ""))
        if url.path == "/repos/o/r/issues":
            page = int(parse_qs(url.query)["page"][0])
            body = self._issues() if page == 1 else []
        elif url.path == "/repos/o/r/issues/1/comments":
            body = [
                {
                    "user": {"login": "someone"},
                    "body": "Same for me",
                    "author_association": "NONE",
                    "html_url": "https://github.com/o/r/issues/1#issuecomment-10",
                },
                {
                    "user": {"login": "lead"},
                    "body": "Set TIMEOUT=60 in the config file.",
                    "author_association": "MEMBER",
                    "html_url": "https://github.com/o/r/issues/1#issuecomment-11",
                },
            ]
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _issues(self) -> list[dict[str, object]]:
        return [
            {
                "number": 1,
                "title": "Requests time out",
                "body": "After 30 s it fails.",
                "comments": 2,
                "html_url": "https://github.com/o/r/issues/1",
                "comments_url": f"{self.base}/repos/o/r/issues/1/comments",
            },
            {"number": 2, "title": "A pull request", "pull_request": {}, "comments": 0, "comments_url": ""},
            {
                "number": 3,
                "title": "Typo in docs",
                "body": None,
                "comments": 0,
                "html_url": "https://github.com/o/r/issues/3",
                "comments_url": "",
            },
        ]

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGithub)
    FakeGithub.base = f"http://127.0.0.1:{server.server_address[1]}"
    FakeGithub.seen_auth = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FakeGithub.base
    server.shutdown()
    server.server_close()


class WordCount:
    dimension = 8

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.ones((len(texts), self.dimension), dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_issues_become_threads_with_maintainer_answers(api: str, tmp_path: Path) -> None:
    path = tmp_path / "o+r.threads.jsonl"
    assert export_issues(GithubThreads(api, token="t0k"), "o/r", 10, path) == 2
    threads = [json.loads(line) for line in path.read_text().splitlines()]
    assert [t["number"] for t in threads] == [1, 3]
    assert [c["answer"] for c in threads[0]["comments"]] == [False, True]
    assert set(FakeGithub.seen_auth) == {"Bearer t0k"}

    (tmp_path / "proj").mkdir()
    index = EdgeIndex(tmp_path / "index.sqlite", WordCount.dimension)
    ingest(tmp_path / "proj", Origin("o/r"), index, WordCount(), extra_files=[path])
    hit = index.lexical("TIMEOUT config", 1)[0]
    assert hit.chunk.title == "Requests time out (answer)"
    assert hit.chunk.url == "https://github.com/o/r/issues/1#issuecomment-11"


def test_limit_stops_early(api: str, tmp_path: Path) -> None:
    assert export_issues(GithubThreads(api), "o/r", 1, tmp_path / "t.jsonl") == 1


def test_api_errors_are_port_errors(api: str, tmp_path: Path) -> None:
    with pytest.raises(PortError):
        export_issues(GithubThreads(api), "missing/repo", 5, tmp_path / "t.jsonl")
