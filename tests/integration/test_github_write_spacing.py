"""GitHub asks for a second between writes from one account. The edge worker runs several messages
at once, so the spacing must hold across threads sharing one client, not only within one."""

from __future__ import annotations

import threading
import time
from typing import Any

from devrel.adapters.outbound_github import GithubPlatform, call_github
from support.stand_in import Received

REPO = "acme/widget"
SPACING = 0.3


class IssuesApi:
    """An issue to read and comment on; keeps when each write arrived."""

    def __init__(self) -> None:
        self.writes: list[float] = []
        self.reads = 0
        self.lock = threading.Lock()

    def answer(self, received: Received) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if received.method == "GET":
                self.reads += 1
            else:
                self.writes.append(time.monotonic())
        if received.method == "GET" and received.path == f"/repos/{REPO}":
            return 200, {"full_name": REPO, "name": "widget", "owner": {"login": "acme"},
                         "url": f"/repos/{REPO}"}, {}
        if received.method == "GET" and received.path.startswith(f"/repos/{REPO}/issues/"):
            number = int(received.path.rsplit("/", 1)[1])
            return 200, {"number": number, "title": "t", "state": "open",
                         "url": f"/repos/{REPO}/issues/{number}"}, {}
        if received.method == "POST" and received.path.endswith("/comments"):
            return 201, {"id": len(self.writes), "body": "ok"}, {}
        return 404, {"message": "Not Found"}, {}


def test_writes_from_threads_sharing_a_client_keep_the_spacing(stand_in_server: Any) -> None:
    api = IssuesApi()
    platform = GithubPlatform(stand_in_server(api.answer), token="ghp_spacing", seconds_between_writes=SPACING)
    client = platform.client(REPO, None)
    issues = [call_github(lambda n=n: client.get_repo(REPO).get_issue(n)) for n in range(1, 5)]
    start = threading.Barrier(len(issues))

    def comment(issue: Any) -> None:
        start.wait()  # every thread writes at the same moment, as busy workers do
        call_github(lambda: issue.create_comment("thanks"))

    threads = [threading.Thread(target=comment, args=(issue,)) for issue in issues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gaps = [later - earlier for earlier, later in zip(api.writes, api.writes[1:], strict=False)]
    print(f"\ngaps between writes: {[round(gap, 3) for gap in gaps]} s")
    assert len(api.writes) == len(issues)
    assert min(gaps) >= SPACING * 0.9  # PyGithub waits from the end of the previous write: at least this

