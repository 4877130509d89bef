"""Where an approved release's blog post draft is written as a Markdown file (`release.blog` in the
repository's `.github/devrel.yml`): a pull request or a branch on GitHub through PyGithub, or the edge's
local checkout of the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devrel.adapters.outbound_github import call_github
from devrel.adapters.repository_config import CONFIG_PATH, parse_config
from devrel.platforms.outbound import PlatformError
from devrel.ports import IssueTracker, PortError
from devrel.release.blog import BlogFile


def _release_section(config: dict[str, Any]) -> dict[str, Any]:
    section = config.get("release")
    return section if isinstance(section, dict) else {}


class GithubBlogDrafts:
    """Commits the file to its branch (made from the base when missing, the file updated when there) and
    opens one pull request from it; a retry finds the branch, the file and the open pull request."""

    def __init__(self, github: Any, tracker: IssueTracker) -> None:  # outbound_github.GithubPlatform
        self._github = github
        self._tracker = tracker

    def release_config(self, repository: str, installation_id: int | None) -> dict[str, Any]:
        # The tracker's reader of .github/devrel.yml: one fetch, cached and revalidated like triage's.
        return _release_section(self._tracker.repository_config(repository))

    def save(self, repository: str, draft: BlogFile, installation_id: int | None) -> str:
        client = self._github.client(repository, installation_id)
        repo = client.get_repo(repository, lazy=True)
        base = draft.base or str(call_github(lambda: client.get_repo(repository).default_branch))
        if draft.branch != base:
            self._ensure_branch(repo, draft.branch, base)
        written = self._put_file(repo, draft)
        if not draft.pull_request or draft.branch == base:
            return written
        owner = repository.split("/", 1)[0]
        open_pull = call_github(lambda: next(iter(repo.get_pulls(state="open", head=f"{owner}:{draft.branch}",
                                                                 base=base)), None))
        if open_pull is not None:
            return str(open_pull.html_url)
        pull = call_github(lambda: repo.create_pull(
            base=base, head=draft.branch, title=draft.title,
            body=f"A draft of the blog post for the release, made from the notes a maintainer approved: "
                 f"`{draft.path}`. Edit it here before merging."))
        return str(pull.html_url)

    @staticmethod
    def _ensure_branch(repo: Any, branch: str, base: str) -> None:
        try:
            call_github(lambda: repo.get_git_ref(f"heads/{branch}").object.sha)
            return
        except PlatformError as error:
            if error.status != 404:
                raise
        sha = call_github(lambda: repo.get_git_ref(f"heads/{base}").object.sha)
        call_github(lambda: repo.create_git_ref(ref=f"refs/heads/{branch}", sha=sha))

    @staticmethod
    def _put_file(repo: Any, draft: BlogFile) -> str:
        try:
            existing = call_github(lambda: repo.get_contents(draft.path, ref=draft.branch))
        except PlatformError as error:
            if error.status != 404:
                raise
            existing = None
        if isinstance(existing, list):
            raise PortError(f"{draft.path} is a folder on {draft.branch}")
        if existing is None:
            result = call_github(lambda: repo.create_file(draft.path, draft.message, draft.content,
                                                          branch=draft.branch))
        else:
            result = call_github(lambda: repo.update_file(draft.path, draft.message, draft.content, existing.sha,
                                                          branch=draft.branch))
        content = result.get("content") if isinstance(result, dict) else None
        return str(getattr(content, "html_url", "") or draft.path)


class LocalBlogDrafts:
    """The edge's checkout of the repository: the file is written into the working tree for a maintainer
    to look at and commit; nothing is committed or pushed for them."""

    def __init__(self, checkout: Path) -> None:
        self._checkout = checkout.resolve()

    def release_config(self, repository: str, installation_id: int | None) -> dict[str, Any]:
        path = self._checkout / CONFIG_PATH
        text = path.read_text(encoding="utf-8") if path.is_file() else None
        return _release_section(parse_config(text, f"in {self._checkout}"))

    def save(self, repository: str, draft: BlogFile, installation_id: int | None) -> str:
        target = (self._checkout / draft.path).resolve()
        # The path is checked already; a symbolic link inside the checkout must not lead out of it either.
        if not target.is_relative_to(self._checkout):
            raise PortError(f"{draft.path} leads outside the checkout")
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.devrel-tmp")
        temporary.write_text(draft.content, encoding="utf-8")
        temporary.replace(target)  # whole or not at all
        return str(target)
