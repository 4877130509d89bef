"""A stand-in of GitHub's REST API for pull requests over a real git repository made in the test:
a pull request is a branch against `main`, its files and patches come from `git diff`, its files from
`git show`; reviews and comments are recorded. Shared by the edge review test (through `devrel serve`)
and the cloud rehearsal (from the `sam build` output)."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from devrel.review.diff import parse_unified
from support.git_repo import commit, git

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
REPO = "Codertocat/Hello-World"
AWS_KEY = "AKIA" + "Q3EGRTZ7VBNM4PLX"  # made up, in the provider's format

BASE_MODULE = '''"""Reading and writing notes."""


def load(path):
    try:
        return open(path).read()
    except:
        return None
'''
# The pull request: an unused import, a swallowed error and a credential, all on added lines.
HEAD_MODULE = f'''"""Reading and writing notes."""
import json


def load(path):
    try:
        return open(path).read()
    except:
        return None


def save(path, text):
    try:
        with open(path, "w") as handle:
            handle.write(text)
    except Exception:
        pass


AWS_ACCESS_KEY_ID = "{AWS_KEY}"
'''


@dataclass
class Pull:
    number: int
    branch: str
    body: str = ""


@dataclass
class GitPullsStandIn:
    """GitHub's REST API over a local git repository: pull requests are branches against `main`."""

    repo: Path
    url: str = ""
    pulls: dict[int, Pull] = field(default_factory=dict)
    # What the assistant did: reviews (as sent), comments (id -> body), edits of comments.
    reviews: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)
    edits: list[int] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _sha(self, ref: str) -> str:
        return git(self.repo, "rev-parse", ref).strip()

    def _contents(self, path: str, ref: str) -> tuple[int, Any]:
        """The contents API: a file (base64) or a folder's entries, as git has them at `ref`."""
        spec = f"{ref}:{path}"
        try:
            kind = git(self.repo, "cat-file", "-t", spec).strip()
        except subprocess.CalledProcessError:
            return 404, {"message": "Not Found"}
        if kind == "tree":
            entries = []
            for row in git(self.repo, "ls-tree", spec).splitlines():
                meta, _, name = row.partition("\t")
                entries.append({"type": "dir" if meta.split()[1] == "tree" else "file", "name": name,
                                "path": f"{path}/{name}" if path else name, "sha": meta.split()[2], "size": 0})
            return 200, entries
        raw = subprocess.run(["git", "-C", str(self.repo), "show", spec], check=True, capture_output=True).stdout
        return 200, {"type": "file", "encoding": "base64", "size": len(raw), "name": path.rsplit("/", 1)[-1],
                     "path": path, "sha": "0" * 40, "content": base64.b64encode(raw).decode()}

    def _pull(self, pull: Pull) -> dict[str, Any]:
        repo = {"full_name": REPO, "name": "Hello-World", "owner": {"login": "Codertocat"}}
        head, base = self._sha(pull.branch), self._sha("main")
        files = git(self.repo, "diff", "--name-only", f"{base}...{head}").split()
        return {"number": pull.number, "title": "feat: save notes", "body": pull.body, "state": "open",
                "draft": False, "user": {"login": "contributor"}, "changed_files": len(files),
                "url": f"{self.url}/repos/{REPO}/pulls/{pull.number}",
                "head": {"sha": head, "ref": pull.branch, "repo": repo},
                "base": {"sha": base, "ref": "main", "repo": repo}}

    def _files(self, pull: Pull) -> list[dict[str, Any]]:
        base, head = self._sha("main"), self._sha(pull.branch)
        statuses = {"A": "added", "M": "modified", "D": "removed", "R": "renamed"}
        listed = []
        for row in git(self.repo, "diff", "-M", "--name-status", f"{base}...{head}").splitlines():
            status, *paths = row.split("\t")
            path = paths[-1]
            patch = git(self.repo, "diff", "-M", f"{base}...{head}", "--", *paths)
            # GitHub's `patch` is the hunks alone, without the diff's header lines.
            hunks = patch[patch.index("@@"):] if "@@" in patch else None
            numbers = git(self.repo, "diff", "-M", "--numstat", f"{base}...{head}", "--", *paths).split()
            added, deleted = int(numbers[0]), int(numbers[1])
            listed.append({"filename": path, "status": statuses[status[0]], "patch": hunks, "additions": added,
                           "deletions": deleted, "changes": added + deleted, "sha": "0" * 40,
                           **({"previous_filename": paths[0]} if status.startswith("R") else {})})
        return listed

    def added_lines(self, number: int) -> dict[str, set[int]]:
        """The lines the pull request adds, by path, from git itself."""
        pull = self.pulls[number]
        diff = git(self.repo, "diff", "-M", f"{self._sha('main')}...{self._sha(pull.branch)}")
        return {f.path: set(f.added) for f in parse_unified(diff)}

    def claims(self, path: str) -> bool:
        """Whether a request (its path below the API root) is this stand-in's: the repository's files
        and commits, its pull requests, and their conversations and comments. Anything else of the
        repository (issues triage works on) is left to another stand-in sharing the API's address."""
        prefix = f"/repos/{REPO}/"
        if not path.startswith(prefix):
            return False
        parts = unquote(path[len(prefix):]).split("/")
        with self.lock:
            if parts[0] in ("contents", "commits", "pulls"):
                return True
            if parts[0] == "issues" and parts[1:2] == ["comments"]:
                return len(parts) > 2 and parts[2].isdigit() and int(parts[2]) in self.comments
            return parts[0] == "issues" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) in self.pulls

    def answer(self, method: str, path: str, body: bytes, query: dict[str, list[str]]) -> tuple[int, Any]:
        prefix = f"/repos/{REPO}"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}
        rest = unquote(path[len(prefix):])
        ref = query.get("ref", ["main"])[0]
        with self.lock:
            if method != "GET":
                self.writes.append(f"{method} {rest}")
            if method == "GET" and rest.startswith("/contents"):
                return self._contents(rest[len("/contents"):].strip("/"), ref)
            parts = rest.strip("/").split("/")
            if parts[0] == "pulls" and len(parts) >= 2 and int(parts[1]) in self.pulls:
                pull = self.pulls[int(parts[1])]
                if method == "GET" and len(parts) == 2:
                    return 200, self._pull(pull)
                if method == "GET" and parts[2:] == ["files"]:
                    return 200, self._files(pull)
                if method == "GET" and parts[2:] == ["commits"]:
                    shas = git(self.repo, "rev-list", "--reverse", f"main..{pull.branch}").split()
                    return 200, [{"sha": sha, "commit": {"message": git(self.repo, "log", "-1", "--format=%B", sha)}}
                                 for sha in shas]
                if method == "POST" and parts[2:] == ["reviews"]:
                    review = json.loads(body)
                    self.reviews.append({"number": pull.number, **review})
                    return 200, {"id": len(self.reviews), "state": "COMMENTED", "body": review.get("body", ""),
                                 "user": {"login": "devrel-bot"}, "commit_id": review.get("commit_id")}
            if method == "GET" and parts[0] == "commits" and len(parts) == 2:
                return 200, {"sha": self._sha(parts[1]), "url": f"{self.url}{prefix}/commits/{parts[1]}"}
            if parts[0] == "issues" and parts[1] == "comments" and len(parts) == 3:
                comment_id = int(parts[2])
                if comment_id not in self.comments:
                    return 404, {"message": "Not Found"}
                if method == "PATCH":
                    self.comments[comment_id] = json.loads(body)["body"]
                    self.edits.append(comment_id)
                return 200, self._comment(comment_id)
            if parts[0] == "issues" and len(parts) >= 2 and int(parts[1]) in self.pulls:
                number = int(parts[1])
                if method == "GET" and len(parts) == 2:
                    return 200, {"number": number, "title": "t", "state": "open", "user": {"login": "contributor"},
                                 "url": f"{self.url}{prefix}/issues/{number}", "labels": []}
                if method == "POST" and parts[2:] == ["comments"]:
                    comment_id = 100 + len(self.comments)
                    self.comments[comment_id] = json.loads(body)["body"]
                    return 201, self._comment(comment_id)
        return 404, {"message": "Not Found"}

    def _comment(self, comment_id: int) -> dict[str, Any]:
        return {"id": comment_id, "body": self.comments[comment_id], "user": {"login": "devrel-bot"},
                "url": f"{self.url}/repos/{REPO}/issues/comments/{comment_id}"}


def new_repository(path: Path, files: dict[str, str] | None = None) -> GitPullsStandIn:
    """A repository with `notes/io.py` at BASE_MODULE on `main` (`files` added to that commit), and
    its stand-in (set `url` once it is served)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "ann@example.org")
    git(path, "config", "user.name", "Ann")
    commit(path, {"notes/io.py": BASE_MODULE, "README.md": "Notes.\n", **(files or {})}, "init")
    return GitPullsStandIn(path)


def open_pull(github: GitPullsStandIn, number: int, files: dict[str, str | None], body: str = "") -> str:
    """A branch with the change, as a pull request; returns its head commit."""
    branch = f"pr-{number}"
    git(github.repo, "checkout", "-q", "-b", branch, "main")
    head = commit(github.repo, files, "feat: save notes")
    git(github.repo, "checkout", "-q", "main")
    github.pulls[number] = Pull(number, branch, body)
    return head


def push(github: GitPullsStandIn, number: int, files: dict[str, str | None]) -> str:
    branch = github.pulls[number].branch
    git(github.repo, "checkout", "-q", branch)
    head = commit(github.repo, files, "fix: more")
    git(github.repo, "checkout", "-q", "main")
    return head


def pull_request_payload(github: GitPullsStandIn, number: int, action: str, head: str) -> dict[str, Any]:
    """The `pull_request` webhook payload GitHub sends for a push to pull request `number`."""
    payload = json.loads((FIXTURES / "pull_request.opened.0.json").read_text())
    payload["action"] = action
    payload["number"] = number
    payload["sender"]["login"] = "contributor"
    payload["pull_request"].update({"number": number, "body": github.pulls[number].body,
                                    "author_association": "CONTRIBUTOR", "draft": False,
                                    "html_url": f"https://github.com/{REPO}/pull/{number}"})
    payload["pull_request"]["head"]["sha"] = head
    return dict(payload)


def summary_of(github: GitPullsStandIn) -> str:
    [summary] = [body for body in github.comments.values() if "devrel:review-summary" in body]
    return summary


def assert_on_added_lines(github: GitPullsStandIn, review: dict[str, Any]) -> None:
    added = github.added_lines(review["number"])
    for comment in review["comments"]:
        assert comment["side"] == "RIGHT" and comment["line"] in added[comment["path"]], comment
