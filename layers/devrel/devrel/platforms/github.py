"""GitHub webhooks: conversion of deliveries to typed events (the HMAC check is platforms/signatures.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from devrel.events import (
    Activity,
    Actor,
    GithubAddress,
    InboundEvent,
    Intent,
    IssueChanged,
    IssueOpened,
    PersonRequest,
    PullRequestMerged,
    PullRequestOpened,
    PullRequestUpdated,
    Question,
    ReleaseDrafted,
    Reply,
    RepositoriesInstalled,
)
from devrel.platforms import person_commands
from devrel.platforms.text import break_mentions, looks_like_question
from devrel.structs import Struct

# event -> actions the assistant acts on (None: every action).
HANDLED_EVENTS: dict[str, frozenset[str] | None] = {
    "issues": frozenset({"opened", "edited", "closed", "reopened", "labeled", "assigned", "unassigned", "deleted",
                         "transferred"}),
    "issue_comment": frozenset({"created"}),
    "pull_request": frozenset({"opened", "synchronize", "ready_for_review", "closed", "reopened"}),
    "pull_request_review_comment": frozenset({"created"}),
    # created: a draft saved by a maintainer starts the release state machine; published is counted.
    "release": frozenset({"created", "published"}),
    "discussion": frozenset({"created", "answered"}),
    "discussion_comment": frozenset({"created"}),
    "member": frozenset({"added"}),
    "installation": None,
    "installation_repositories": None,
}
# Issue actions that change who holds an open issue, how it ended (a duplicate label) or what the
# duplicate index knows of it.
ISSUE_CHANGES = frozenset({"assigned", "unassigned", "closed", "reopened", "labeled", "edited", "deleted",
                           "transferred"})
# Contributors GitHub marks as new to the repository: their first issue or PR starts onboarding.
FIRST_TIMER_ASSOCIATIONS = frozenset({"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER"})


# --- the fields of a delivery the converter reads, validated before it reads them -------------------


class _Fields(Struct, frozen=True, kw_only=True):
    """Every other field GitHub sends is ignored; those read must have GitHub's types (checked on decoding)."""


# Issue, pull request and discussion numbers and installation ids: positive integers, never strings.
Number = Annotated[int, msgspec.Meta(ge=0, lt=2**53)]


class _User(_Fields, frozen=True, kw_only=True):
    login: str = ""
    id: Number | None = None
    type: str | None = None


class _Label(_Fields, frozen=True, kw_only=True):
    name: str


class _Repository(_Fields, frozen=True, kw_only=True):
    full_name: str = ""


class _Branch(_Fields, frozen=True, kw_only=True):
    """A pull request's head or base: the commit, and the repository it lives in (None: deleted fork)."""

    sha: str = ""
    repo: _Repository | None = None


class _Reactions(_Fields, frozen=True, kw_only=True):
    total_count: Annotated[int, msgspec.Meta(ge=0)] = 0


class _Subject(_Fields, frozen=True, kw_only=True):
    """An issue, pull request, discussion or release: the fields they share."""

    number: Number | None = None
    title: str | None = None
    name: str | None = None
    body: str | None = None
    labels: list[_Label] = msgspec.field(default_factory=list)
    html_url: str | None = None
    state: str | None = None
    state_reason: str | None = None
    assignees: list[_User] = msgspec.field(default_factory=list)
    reactions: _Reactions | None = None
    author_association: str | None = None
    # Pull requests: closed by a merge (the community-health leaderboard counts merges), and who wrote it.
    merged: bool | None = None
    user: _User | None = None
    # Pull requests: a draft is not reviewed unless the repository asks; head and base say which
    # commit was pushed and whether it comes from a fork.
    draft: bool | None = None
    head: _Branch | None = None
    base: _Branch | None = None
    # Releases: their id, tag and the branch or commit the tag is (or will be) made from.
    id: Number | None = None
    tag_name: str | None = None
    target_commitish: str | None = None


class _Comment(_Fields, frozen=True, kw_only=True):
    body: str | None = None
    author_association: str | None = None


class _Installation(_Fields, frozen=True, kw_only=True):
    id: Number | None = None


class Delivery(_Fields, frozen=True, kw_only=True):
    """A webhook delivery of one of HANDLED_EVENTS, as far as the assistant reads it."""

    action: str = ""
    repository: _Repository | None = None
    issue: _Subject | None = None
    pull_request: _Subject | None = None
    discussion: _Subject | None = None
    release: _Subject | None = None
    comment: _Comment | None = None
    sender: _User | None = None
    installation: _Installation | None = None
    # installation.created and installation_repositories.added: the repositories it now covers.
    repositories: list[_Repository] = msgspec.field(default_factory=list)
    repositories_added: list[_Repository] = msgspec.field(default_factory=list)

    @property
    def subject(self) -> _Subject:
        return self.issue or self.pull_request or self.discussion or self.release or _Subject()


def _actor(user: _User | None) -> Actor | None:
    if user is None:
        return None
    is_bot = user.type == "Bot" or user.login.endswith("[bot]")
    return Actor(id=str(user.id if user.id is not None else user.login), name=user.login, is_bot=is_bot)


def mentions(text: str, login: str | None) -> bool:
    return bool(login) and re.search(rf"@{re.escape(login or '')}\b", text, re.IGNORECASE) is not None


def _intent(event_name: str, delivery: Delivery, actor: Actor | None, text: str, bot_login: str | None) -> Intent:
    action, subject = delivery.action, delivery.subject
    repository = delivery.repository.full_name if delivery.repository else ""
    association = (delivery.comment or subject).author_association
    first_time = association in FIRST_TIMER_ASSOCIATIONS
    # Triage and onboarding act on the number: an opened issue without one is no issue at all.
    opened = (event_name in ("issues", "pull_request") and action == "opened") or \
        (event_name == "pull_request" and action in ("synchronize", "ready_for_review"))
    if opened and (subject.number is None or not repository):
        raise ValueError(f"{event_name}.{action} without a repository and a number")
    own = bool(bot_login) and actor is not None and actor.name.lower() == (bot_login or "").lower()
    if event_name == "issues" and action == "opened":
        assert subject.number is not None
        return IssueOpened(
            repository=repository,
            number=subject.number,
            title=subject.title or "",
            body=subject.body or "",
            labels=[label.name for label in subject.labels],
            html_url=subject.html_url,
            first_time=first_time,
            reactions=subject.reactions.total_count if subject.reactions else 0,
        )
    if event_name == "pull_request" and action in ("opened", "synchronize", "ready_for_review"):
        assert subject.number is not None
        head, base = subject.head, subject.base
        head_repo = head.repo.full_name if head and head.repo else ""
        base_repo = base.repo.full_name if base and base.repo else repository
        fields: dict[str, Any] = {"repository": repository, "number": subject.number, "title": subject.title or "",
                                  "html_url": subject.html_url, "first_time": first_time,
                                  "head_sha": head.sha if head else "", "draft": bool(subject.draft),
                                  # A deleted fork has no head repository: still not the base's own branch.
                                  "fork": head is not None and head_repo.lower() != base_repo.lower()}
        if action == "opened":
            return PullRequestOpened(**fields)
        if own:
            return Activity()
        return PullRequestUpdated(**fields, action="synchronize" if action == "synchronize" else "ready_for_review")
    if event_name == "issues" and action in ISSUE_CHANGES and subject.number is not None and repository:
        # The assistant's own assignments count too: load is about who holds the issue, not who acted.
        removed = action in ("deleted", "transferred")
        edited = action == "edited"
        return IssueChanged(repository=repository, number=subject.number,
                            open=action != "closed" and subject.state != "closed" and not removed,
                            assignees=[user.login for user in subject.assignees if user.login][:100],
                            state_reason=subject.state_reason, labels=[label.name for label in subject.labels][:100],
                            title=subject.title if edited else None, body=(subject.body or "") if edited else None,
                            removed=removed)
    if event_name == "pull_request" and action == "closed" and subject.merged and subject.number is not None \
            and repository:
        author = _actor(subject.user)
        return PullRequestMerged(repository=repository, number=subject.number, title=subject.title or "",
                                 html_url=subject.html_url, first_time=first_time,
                                 author=author.name if author else "", author_id=author.id if author else "",
                                 author_is_bot=author.is_bot if author else False,
                                 association=subject.author_association or "")
    if (event_name, action) in (("installation", "created"), ("installation_repositories", "added")):
        added = delivery.repositories if event_name == "installation" else delivery.repositories_added
        return RepositoriesInstalled(repositories=[repo.full_name for repo in added if repo.full_name][:1000])
    if own:
        return Activity()
    if event_name == "release" and action == "created" and subject.draft and subject.id is not None \
            and subject.tag_name and repository:
        # Only a draft: a release published at once is already public, past approving.
        return ReleaseDrafted(repository=repository, release_id=subject.id, tag=subject.tag_name,
                              target=subject.target_commitish or "", html_url=subject.html_url)
    if event_name == "issue_comment" and action == "created":
        return person_commands.github_link(text) or \
            Question(addressed="directly" if mentions(text, bot_login) else "overheard")
    if event_name == "discussion" and action == "created":
        return Question() if looks_like_question(text) else Activity()
    if event_name in ("discussion_comment", "pull_request_review_comment") and action == "created":
        return Question() if mentions(text, bot_login) else Activity()
    return Activity()


def _kind(event_name: str, action: str, delivery: Delivery) -> str:
    if event_name == "pull_request" and action == "closed" and delivery.pull_request and delivery.pull_request.merged:
        return "github.pull_request.merged"
    return f"github.{event_name}.{action}" if action else f"github.{event_name}"


def to_inbound_event(
    event_name: str, delivery_id: str, payload: Mapping[str, Any], bot_login: str | None = None
) -> InboundEvent | None:
    """The typed event for a delivery, or None when the assistant ignores it.

    Raises ValueError (msgspec's ValidationError is one) when a field it reads has the wrong type, so
    a malformed delivery is refused at the edge instead of failing in the worker.
    """
    if event_name not in HANDLED_EVENTS:
        return None
    action = payload.get("action", "")
    if not isinstance(action, str):
        raise ValueError("action must be a string")
    allowed = HANDLED_EVENTS[event_name]
    if allowed is not None and action not in allowed:
        return None
    delivery = Delivery.model_validate(payload)
    repo = delivery.repository.full_name if delivery.repository else ""
    subject, comment = delivery.subject, delivery.comment
    number = subject.number
    thread = f"{repo}#{number}" if repo and number is not None else repo
    title = subject.title or subject.name or ""
    body = (comment.body if comment else None) or subject.body or ""
    text = body if comment else f"{title}\n\n{body}".strip()
    actor = _actor(delivery.sender)
    intent = _intent(event_name, delivery, actor, text, bot_login)
    if isinstance(intent, PersonRequest):
        text = ""  # a link code goes no further than the request
    return InboundEvent(
        platform="github",
        kind=_kind(event_name, action, delivery),
        delivery_id=delivery_id,
        intent=intent,
        reply_to=GithubAddress(
            repository=repo,
            number=number,
            installation_id=delivery.installation.id if delivery.installation else None,
            discussion=event_name.startswith("discussion"),
        ),
        thread=thread,
        actor=actor,
        text=text,
    )


# --- outbound ------------------------------------------------------------------------------------


def reply_body(reply: Reply) -> str:
    """The Markdown of an issue, pull request or discussion comment answering with `reply`: mentions in
    it are broken (the text is model output and quotes), sources listed after it."""
    body = break_mentions(reply.text)
    if reply.sources:
        body += "\n\n**Sources**\n" + "\n".join(f"- {url}" for url in reply.sources)
    return body
