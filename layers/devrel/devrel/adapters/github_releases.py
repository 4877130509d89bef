"""What GitHub knows of a release range (PyGithub, paginated; the client's retry waits out rate
limits): the pull requests behind a clone's commits, or the whole range of a repository without a
clone (the compare API)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from github import Github, GithubException

from devrel.adapters.outbound_github import call_github
from devrel.platforms.outbound import PlatformError
from devrel.ports import PortError
from devrel.release.changes import PullRequest, ReleaseError, ReleaseRange, SourceCommit
from devrel.release.extract import squash_pull

# "Closes #12", "fixes owner/repo#3", "resolved #4": GitHub's closing keywords.
_CLOSES = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:[\w.-]+/[\w.-]+)?#(\d+)", re.I)
_FIRST_TIME = frozenset({"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER"})
# Pull requests updated this long before the range's first commit cannot have been merged in it.
SLACK_SECONDS = 86400
# A bound on the listing, so a repository with years of pull requests costs a few pages at most.
MAX_PULLS = 1000


def _at(moment: datetime | None) -> float:
    return moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() if moment else 0.0


def linked_issues(body: str) -> tuple[int, ...]:
    return tuple(dict.fromkeys(int(n) for n in _CLOSES.findall(body or "")))


def _pull(pull: Any, commits: tuple[str, ...]) -> PullRequest:
    user = pull.user
    return PullRequest(
        number=int(pull.number), title=str(pull.title or ""), body=str(pull.body or ""),
        labels=tuple(str(label.name) for label in pull.labels), author=str(user.login) if user else "",
        author_is_bot=bool(user and str(getattr(user, "type", "")) == "Bot"),
        # The attribute, not raw_data: raw_data fetches each listed pull request again.
        first_time=str(pull.author_association or "") in _FIRST_TIME,
        linked_issues=linked_issues(str(pull.body or "")), url=str(pull.html_url or ""), commits=commits)


class GithubPullRequests:
    """The merged pull requests behind a range's commits: found by their merge commit in the listing
    of recently updated pull requests, or by the number a merge or squash commit names."""

    def __init__(self, client: Github) -> None:
        self._client = client

    def pulls_for(self, repository: str, commits: list[SourceCommit]) -> dict[int, PullRequest]:
        if not commits:
            return {}
        repo = self._client.get_repo(repository, lazy=True)
        shas = {c.sha for c in commits}
        oldest = min(c.at for c in commits) - SLACK_SECONDS
        found: dict[int, PullRequest] = {}
        listing = call_github(lambda: repo.get_pulls(state="closed", sort="updated", direction="desc"))
        try:
            for count, pull in enumerate(listing):
                if count >= MAX_PULLS or _at(pull.updated_at) < oldest:
                    break
                merged = pull.merge_commit_sha
                if pull.merged_at is not None and merged in shas:
                    found[int(pull.number)] = _pull(pull, (merged,))
        except GithubException as error:
            raise PortError(f"GitHub pull requests of {repository}: HTTP {error.status}") from error
        # The numbers each commit names (its merge's, its squash suffix's), read once for every lookup below.
        named = [(c.sha, (c.pull, squash_pull(c.subject))) for c in commits]
        wanted = {n for _, numbers in named for n in numbers if n is not None} - set(found)
        for number in sorted(wanted)[:200]:
            def fetch(number: int = number) -> Any:
                fetched = repo.get_pull(number)
                _ = fetched.user  # a lazy client fetches here, where a 404 is still caught
                return fetched

            try:
                pull = call_github(fetch)
            except PlatformError:
                continue  # a number in a message that is not a pull request here
            members = tuple(sha for sha, numbers in named if number in numbers)
            found[number] = _pull(pull, members)
        return found


class GithubReleaseSource:
    """A repository's range from GitHub alone (no clone): commits from the compare API, the previous
    release from its tags. No file contents, so no public API comparison."""

    def __init__(self, client: Github, repository: str, web_url: str = "") -> None:
        self._client = client
        self._repository = repository
        self._web_url = web_url or f"https://github.com/{repository}"

    def _repo(self) -> Any:
        return self._client.get_repo(self._repository, lazy=True)

    def _compare(self, base: str, head: str) -> Any:
        try:
            def compare() -> Any:
                comparison = self._repo().compare(base, head)
                _ = comparison.status  # a lazy comparison is fetched here, where its errors are caught
                return comparison

            return call_github(compare)
        except PlatformError as error:
            if error.status in (404, 422):
                raise ReleaseError(f"unknown ref {base!r} or {head!r} in {self._repository}") from error
            raise

    def _previous_tag(self, to_ref: str) -> str:
        tags = call_github(lambda: list(self._repo().get_tags()[:30]))
        if not tags:
            raise ReleaseError(f"{self._repository} has no tags: give --from (the previous release)")
        for tag in tags:
            comparison = self._compare(tag.name, to_ref)
            if comparison.status == "ahead" and comparison.ahead_by > 0:
                return str(tag.name)
        raise ReleaseError(f"no tag before {to_ref!r} in {self._repository}: give --from")

    def release_range(self, from_ref: str | None, to_ref: str) -> ReleaseRange:
        from_ref = from_ref or self._previous_tag(to_ref)
        comparison = self._compare(from_ref, to_ref)
        if comparison.status in ("diverged", "behind"):
            raise ReleaseError(f"{from_ref!r} is not an ancestor of {to_ref!r} in {self._repository} "
                               "(a force-pushed tag, or refs of different branches?)")
        if not comparison.ahead_by:
            raise ReleaseError(f"no commits between {from_ref!r} and {to_ref!r}")
        commits = list(self._commits(call_github(lambda: list(comparison.commits))))
        return ReleaseRange(repository=self._repository, from_ref=from_ref, to_ref=to_ref, commits=commits,
                            web_url=self._web_url)

    @staticmethod
    def _commits(listed: Iterable[Any]) -> Iterable[SourceCommit]:
        # Attributes the compare answer carries, never raw_data: that fetches every commit again.
        for item in listed:
            data = item.commit
            author = data.author
            user = item.author
            subject, _, body = str(data.message or "").strip().partition("\n")
            when = author.date if author is not None else None
            yield SourceCommit(sha=str(item.sha), subject=subject.strip(), body=body.strip(),
                               author=str((user.login if user is not None else None) or (author and author.name) or ""),
                               email=str((author and author.email) or ""), at=_at(when),
                               parents=len(item.parents or []) or 1,
                               author_is_bot=user is not None and str(user.type or "") == "Bot")


class GithubReleasePublisher:
    """Publishes an approved draft release: its body becomes the notes and it stops being a draft."""

    def __init__(self, github: Any) -> None:  # devrel.adapters.outbound_github.GithubPlatform
        self._github = github

    def publish(self, repository: str, release_id: int, body: str, installation_id: int | None) -> str:
        repo = self._github.client(repository, installation_id).get_repo(repository, lazy=True)
        release = call_github(lambda: repo.get_release(release_id))
        # Name and tag as the maintainer set them; only the body and the draft flag change.
        published = call_github(lambda: release.update_release(
            name=release.title or release.tag_name, message=body, draft=False, prerelease=release.prerelease,
            tag_name=release.tag_name))
        # A draft's page is an "untagged-..." URL; the published one is under the tag.
        return str(published.html_url or release.html_url or "")

    def create(self, repository: str, tag: str, body: str, installation_id: int | None) -> str:
        """A new, published release of an existing tag (`/devrel release`). GitHub would make a missing tag
        from the default branch's head: a branch name or a typo must publish nothing instead."""
        repo = self._github.client(repository, installation_id).get_repo(repository, lazy=True)
        try:
            # get_git_ref is lazy: reading its object makes the GET (the exact-match /git/ref/ endpoint).
            call_github(lambda: repo.get_git_ref(f"tags/{tag}").object.sha)
        except PlatformError as error:
            if error.status == 404:
                raise ReleaseError(f"{tag!r} is not a tag of {repository}: push the tag first") from error
            raise
        created = call_github(lambda: repo.create_git_release(tag=tag, name=tag, message=body, draft=False))
        return str(created.html_url or "")
