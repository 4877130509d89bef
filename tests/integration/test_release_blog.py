"""The approved release's blog post draft as a file: on GitHub (PyGithub over HTTP against a stand-in of
the refs, contents and pulls APIs, `.github/devrel.yml` read through the issue tracker), and in the edge's
local checkout; the configuration comes from `release.blog` and bad values name what to fix."""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devrel.adapters.blog_drafts import GithubBlogDrafts, LocalBlogDrafts
from devrel.adapters.issues_github import GithubIssueTracker
from devrel.adapters.outbound_github import GithubPlatform
from devrel.ports import PortError
from devrel.release.blog import BlogSettings, blog_file, blog_settings
from devrel.release.changes import ReleaseError
from support.stand_in import Received

REPO = "acme/widget"
CONFIG = "release:\n  blog:\n    path: blog/_drafts/{version}.md\n    branch: devrel/blog-{version}\n"
POST = "---\ntitle: \"acme/widget v2.0 is out\"\n---\n\nThanks @everyone\n"


@dataclass
class Github:
    """Refs, files per branch and pull requests of one repository, as GitHub's REST API answers them."""

    config: str = CONFIG
    refs: dict[str, str] = field(default_factory=lambda: {"main": "a" * 40})
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (branch, path) -> text
    pulls: list[dict[str, Any]] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, got: Received) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            return self._answer(got)

    def _file(self, path: str, text: str, branch: str) -> dict[str, Any]:
        return {"type": "file", "encoding": "base64", "content": base64.b64encode(text.encode()).decode(),
                "name": path.rsplit("/", 1)[-1], "path": path, "sha": f"sha-{branch}-{len(text)}", "size": len(text),
                "html_url": f"https://github.com/{REPO}/blob/{branch}/{path}"}

    def _answer(self, got: Received) -> tuple[int, Any, dict[str, str]]:
        repo, method = f"/repos/{REPO}", got.method
        if got.path == repo:
            return 200, {"full_name": REPO, "name": "widget", "default_branch": "main",
                         "owner": {"login": "acme"}}, {}
        if got.path == f"{repo}/contents/.github/devrel.yml":
            return (200, self._file(".github/devrel.yml", self.config, "main"), {}) if self.config \
                else (404, {"message": "Not Found"}, {})
        if got.path.endswith("CODEOWNERS"):
            return 404, {"message": "Not Found"}, {}
        if got.path.startswith(f"{repo}/git/ref/heads/") and method == "GET":
            branch = got.path.removeprefix(f"{repo}/git/ref/heads/")
            if branch not in self.refs:
                return 404, {"message": "Not Found"}, {}
            return 200, {"ref": f"refs/heads/{branch}", "object": {"sha": self.refs[branch], "type": "commit"}}, {}
        if got.path == f"{repo}/git/refs" and method == "POST":
            sent = got.json()
            branch = sent["ref"].removeprefix("refs/heads/")
            self.refs[branch] = sent["sha"]
            self.writes.append(("ref", branch))
            return 201, {"ref": sent["ref"], "object": {"sha": sent["sha"], "type": "commit"}}, {}
        if got.path.startswith(f"{repo}/contents/"):
            path = got.path.removeprefix(f"{repo}/contents/")
            if method == "GET":
                branch = got.query.get("ref", ["main"])[-1]
                text = self.files.get((branch, path))
                return (200, self._file(path, text, branch), {}) if text is not None \
                    else (404, {"message": "Not Found"}, {})
            sent = got.json()
            branch = sent["branch"]
            if (branch, path) in self.files and sent.get("sha") is None:
                return 422, {"message": "sha wasn't supplied"}, {}
            self.files[(branch, path)] = base64.b64decode(sent["content"]).decode()
            self.writes.append(("file", f"{branch}:{path}"))
            return 200, {"content": self._file(path, self.files[(branch, path)], branch),
                         "commit": {"sha": "c" * 40}}, {}
        if got.path == f"{repo}/pulls" and method == "GET":
            head, base = got.query.get("head", [""])[-1], got.query.get("base", [""])[-1]
            return 200, [p for p in self.pulls if f"acme:{p['head']['ref']}" == head and p["base"]["ref"] == base], {}
        if got.path == f"{repo}/pulls" and method == "POST":
            sent = got.json()
            number = len(self.pulls) + 1
            self.pulls.append({"number": number, "title": sent["title"], "body": sent["body"], "state": "open",
                               "head": {"ref": sent["head"]}, "base": {"ref": sent["base"]},
                               "html_url": f"https://github.com/{REPO}/pull/{number}"})
            self.writes.append(("pull", sent["head"]))
            return 201, self.pulls[-1], {}
        return 404, {"message": "Not Found"}, {}


@pytest.fixture
def github(stand_in_server: Any) -> tuple[Github, GithubBlogDrafts]:
    stand_in = Github()
    url = stand_in_server(stand_in.answer)
    platform = GithubPlatform(url, token="ghp_blog_test", seconds_between_writes=0)
    return stand_in, GithubBlogDrafts(platform, GithubIssueTracker(platform, cache_seconds=0))


def test_a_pull_request_with_the_draft_on_its_own_branch_once(github: tuple[Github, GithubBlogDrafts]) -> None:
    stand_in, drafts = github
    config = drafts.release_config(REPO, None)
    draft = blog_file(blog_settings(config), REPO, "v2.0", POST)
    assert draft is not None and (draft.path, draft.branch) == ("blog/_drafts/2.0.md", "devrel/blog-2.0")
    assert drafts.save(REPO, draft, None) == f"https://github.com/{REPO}/pull/1"
    assert stand_in.files == {("devrel/blog-2.0", "blog/_drafts/2.0.md"): POST}  # as approved, nothing on main
    assert stand_in.refs["devrel/blog-2.0"] == "a" * 40  # made from the base's head
    [pull] = stand_in.pulls
    assert (pull["base"]["ref"], pull["head"]["ref"]) == ("main", "devrel/blog-2.0")
    assert "@everyone" not in pull["body"]  # the notes stay in the file, not in the pull request's text
    # Again (a retried step, or a second approval's draft): the file is updated, no second pull request.
    assert drafts.save(REPO, draft, None) == f"https://github.com/{REPO}/pull/1"
    assert len(stand_in.pulls) == 1 and [w for w in stand_in.writes if w[0] == "ref"] == [("ref", "devrel/blog-2.0")]


def test_without_a_pull_request_it_is_committed_to_the_branch(github: tuple[Github, GithubBlogDrafts]) -> None:
    stand_in, drafts = github
    draft = blog_file(BlogSettings(path="blog/{tag}.md", pull_request=False, branch="main"), REPO, "v2.0", POST)
    assert draft is not None
    assert drafts.save(REPO, draft, None) == f"https://github.com/{REPO}/blob/main/blog/v2.0.md"
    assert stand_in.pulls == [] and list(stand_in.files) == [("main", "blog/v2.0.md")]


def test_no_blog_section_means_no_file(github: tuple[Github, GithubBlogDrafts]) -> None:
    stand_in, drafts = github
    stand_in.config = "triage:\n  labels: [bug]\n"
    assert blog_file(blog_settings(drafts.release_config(REPO, None)), REPO, "v2.0", POST) is None


@pytest.mark.parametrize(("section", "says"), [
    ({"blog": {"path": "../outside/{version}.md"}}, "inside the repository"),
    ({"blog": {"path": "/etc/{version}.md"}}, "inside the repository"),
    ({"blog": {"path": ".git/hooks/post-checkout"}}, "inside the repository"),
    ({"blog": {"path": "blog/{title}.md"}}, "unknown placeholder {title}"),
    ({"blog": {"path": "blog/{version}.md", "branch": "-x"}}, "branch"),
    ({"blog": {"path": "blog/{version}.md", "pull_requests": True}}, "release.blog.pull_requests"),
    ({"blog": "blog/_drafts"}, "must be a mapping"),
])
def test_bad_settings_name_what_to_fix(section: dict[str, Any], says: str) -> None:
    with pytest.raises(ReleaseError, match=r"release\.blog") as error:
        blog_file(blog_settings(section), REPO, "v2.0", POST)
    assert says in str(error.value)


def test_a_tag_cannot_lead_the_path_astray() -> None:
    draft = blog_file(BlogSettings(path="blog/{tag}.md"), REPO, "../../v2.0", POST)
    assert draft is not None and draft.path == "blog/v2.0.md"


def test_the_edge_writes_into_its_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "widget"
    (checkout / ".github").mkdir(parents=True)
    (checkout / ".github" / "devrel.yml").write_text(CONFIG)
    drafts = LocalBlogDrafts(checkout)
    draft = blog_file(blog_settings(drafts.release_config(REPO, None)), REPO, "v2.0", POST)
    assert draft is not None
    written = Path(drafts.save(REPO, draft, None))
    assert written == (checkout / "blog" / "_drafts" / "2.0.md").resolve() and written.read_text() == POST
    # A link inside the checkout that points out of it is not followed.
    outside = tmp_path / "outside"
    outside.mkdir()
    (checkout / "blog" / "_drafts").rename(tmp_path / "gone")
    (checkout / "blog" / "_drafts").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PortError, match="outside the checkout"):
        drafts.save(REPO, draft, None)
    assert list(outside.iterdir()) == []
    (checkout / ".github" / "devrel.yml").write_text("release: [unclosed")
    with pytest.raises(PortError, match="not valid YAML"):
        drafts.release_config(REPO, None)

