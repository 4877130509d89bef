"""A repository's past issues and pull requests from GitHub's REST API (PyGithub, paginated), as the
events the event log keeps: opened, commented, closed or merged, at their original times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from devrel.adapters.outbound_github import GithubPlatform, call_github
from devrel.events import Activity, Actor, GithubAddress, InboundEvent, IssueOpened, PullRequestOpened
from devrel.ports import PastIssue


def _at(moment: datetime | None) -> float:
    return moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() if moment else 0.0


def _actor(user: Any) -> Actor | None:
    if user is None:
        return None
    return Actor(id=str(user.id), name=str(user.login or ""), is_bot=str(getattr(user, "type", "")) == "Bot")


class GithubHistory:
    def __init__(self, platform: GithubPlatform) -> None:
        self._platform = platform

    def events(self, repository: str, since: float, limit: int = 500) -> Iterator[InboundEvent]:
        """The most recently updated `limit` issues and pull requests changed since `since`."""
        repo = self._platform.client(repository, None).get_repo(repository, lazy=True)
        moment = datetime.fromtimestamp(since, UTC)
        issues = call_github(lambda: repo.get_issues(state="all", since=moment, sort="updated", direction="desc"))
        for count, issue in enumerate(issues):
            if count >= limit:
                return
            yield from self._issue_events(repository, issue, since)

    def past_issues(self, repository: str, limit: int = 500) -> Iterator[PastIssue]:
        """The newest `limit` issues, open and closed (pull requests left out), for the duplicate index."""
        repo = self._platform.client(repository, None).get_repo(repository, lazy=True)
        issues = call_github(lambda: repo.get_issues(state="all", sort="created", direction="desc"))
        count = 0
        for issue in issues:
            if issue.pull_request is not None:
                continue
            if count >= limit:
                return
            count += 1
            yield PastIssue(number=issue.number, title=issue.title or "", body=issue.body or "",
                            author=issue.user.login if issue.user else "", created_at=_at(issue.created_at),
                            is_open=issue.state == "open", labels=tuple(label.name for label in issue.labels),
                            state_reason=issue.state_reason, html_url=issue.html_url)

    def _issue_events(self, repository: str, issue: Any, since: float) -> Iterator[InboundEvent]:
        is_pr = issue.pull_request is not None
        thread = f"{repository}#{issue.number}"
        address = GithubAddress(repository=repository, number=issue.number)
        name = "pull_request" if is_pr else "issues"
        opened = (PullRequestOpened(repository=repository, number=issue.number, title=issue.title or "",
                                    html_url=issue.html_url)
                  if is_pr else IssueOpened(repository=repository, number=issue.number, title=issue.title or "",
                                            body=issue.body or "", html_url=issue.html_url))
        yield InboundEvent(platform="github", kind=f"github.{name}.opened", delivery_id=f"backfill:{thread}:opened",
                           intent=opened, reply_to=address, thread=thread, actor=_actor(issue.user),
                           text=issue.title or "", received_at=_at(issue.created_at))
        if issue.comments:
            for comment in call_github(lambda: list(issue.get_comments())):
                if _at(comment.created_at) >= since:
                    yield InboundEvent(platform="github", kind="github.issue_comment.created",
                                       delivery_id=f"backfill:{thread}:comment:{comment.id}", intent=Activity(),
                                       reply_to=address, thread=thread, actor=_actor(comment.user),
                                       text=comment.body or "", received_at=_at(comment.created_at))
        if issue.closed_at is not None:
            merged = is_pr and getattr(issue.pull_request, "merged_at", None) is not None
            kind = "github.pull_request.merged" if merged else f"github.{name}.closed"
            # A merge counts for the pull request's author (the leaderboard). Who closed an issue is not
            # in the listing (one more request per issue), and no metric needs it.
            yield InboundEvent(platform="github", kind=kind, delivery_id=f"backfill:{thread}:closed",
                               intent=Activity(), reply_to=address, thread=thread,
                               actor=_actor(issue.user) if merged else None, received_at=_at(issue.closed_at))
