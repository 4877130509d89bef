"""Ports: the small interfaces domain code depends on. Adapters implement them per runtime.

Each port is deliberately narrow (a handful of primitives) so a cloud and an edge adapter can
share one contract test suite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable


class PortError(Exception):
    """Base class for adapter failures the domain may want to handle."""


# --- Store -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One record of the single-table store. `expires_at` is epoch seconds (TTL) or None."""

    pk: str
    sk: str
    data: dict[str, Any] = field(default_factory=dict)
    expires_at: int | None = None


@runtime_checkable
class Store(Protocol):
    """Key-value state with sorted keys per partition: threads, profiles, idempotency keys, logs.

    Expired items are invisible to every read, even before the backend physically deletes them
    (DynamoDB's TTL sweeper can lag by days).
    """

    def get(self, pk: str, sk: str) -> Item | None: ...

    def put(self, item: Item) -> None: ...

    def put_if_absent(self, item: Item) -> bool:
        """Write only if no live item has this key. True when written (the idempotency primitive)."""
        ...

    def delete(self, pk: str, sk: str) -> None: ...

    def query(self, pk: str, sk_prefix: str = "", limit: int = 100, newest_first: bool = False) -> list[Item]:
        """Items of one partition whose sort key starts with `sk_prefix`, ordered by sort key."""
        ...

    def scan(self) -> Iterator[Item]:
        """Every stored item, expired ones included (they stay on disk until the backend removes them):
        a full read, for the few jobs that must see everything (a person's export and forget-me)."""
        ...


# --- Queue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    message_id: str
    body: str
    receipt_handle: str
    receive_count: int


@runtime_checkable
class Queue(Protocol):
    """At-least-once work queue with SQS semantics.

    A received message is hidden for the visibility timeout; if not deleted it reappears, and once
    it has been received `max_receive_count` times the next receive moves it to the dead-letter
    queue instead of delivering it.
    """

    def send(self, body: str, delay_seconds: int = 0) -> str: ...

    def receive(self, max_messages: int = 10, wait_seconds: float = 0) -> list[Message]: ...

    def delete(self, receipt_handle: str) -> None: ...

    def change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None: ...

    def dead_letters(self, max_messages: int = 10) -> list[Message]:
        """Receive from the dead-letter queue (for inspection and redrive)."""
        ...


# --- Workflows ---------------------------------------------------------------------------------

ExecutionStatus = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]


@dataclass(frozen=True)
class Execution:
    execution_id: str
    state_machine: str
    status: ExecutionStatus
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None


@runtime_checkable
class Workflows(Protocol):
    """Start and inspect state machine executions (Step Functions or the local ASL executor)."""

    def start(self, state_machine: str, payload: Any, name: str) -> str:
        """Start an execution; `name` makes the start idempotent. Returns the execution id."""
        ...

    def describe(self, execution_id: str) -> Execution: ...


_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def execution_name(*parts: str) -> str:
    """An execution name Step Functions accepts: 1-80 characters of letters, digits, '-' and '_'."""
    return _NAME_UNSAFE.sub("-", "-".join(parts)).strip("-")[:80]


# --- Secrets -----------------------------------------------------------------------------------


@runtime_checkable
class Secrets(Protocol):
    """Named secrets (see devrel.settings.SECRET_NAMES). None when not configured."""

    def get(self, name: str) -> str | None: ...


# --- Artifacts -----------------------------------------------------------------------------------


@runtime_checkable
class Artifacts(Protocol):
    """Folders the assistant learns or produces (the trained triage model): S3 in the cloud, the
    data directory at the edge."""

    def fetch(self, name: str) -> Path | None:
        """A local folder with the newest published copy of `name`, or None when none was published."""
        ...

    def publish(self, name: str, folder: Path) -> None:
        """Make the files of `folder` the newest copy of `name`."""
        ...


# --- Models --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@runtime_checkable
class LLM(Protocol):
    """Chat completion plus structured output, on any OpenAI-compatible server."""

    def chat(self, messages: list[ChatMessage], max_tokens: int = 256, temperature: float = 0.0) -> str: ...

    def structured(self, messages: list[ChatMessage], schema: type[Any], max_tokens: int = 256) -> Any:
        """Return an instance of the pydantic model `schema`, or raise PortError."""
        ...


@runtime_checkable
class Embedder(Protocol):
    """Sentence embeddings; rows are L2-normalised float32 vectors of length `dimension`."""

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> Any:
        """A numpy array of shape (len(texts), dimension)."""
        ...


# --- Platforms -----------------------------------------------------------------------------------


@runtime_checkable
class ChatPlatform(Protocol):
    """Outbound side of one platform: post a reply in the thread an inbound event came from."""

    name: str

    def post_reply(self, event: Any, reply: Any) -> str:
        """Post `reply` (devrel.events.Reply) for `event` (devrel.events.InboundEvent); returns the message id."""
        ...


@dataclass(frozen=True)
class OpenItem:
    """An open issue or pull request as the stale sweep sees it (one listing call gives all of this)."""

    number: int
    is_pull_request: bool
    author: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    milestone: str | None = None
    reactions: int = 0
    updated_at: float = 0.0
    html_url: str | None = None
    # Filled by the labelled listing (good first issues matched to a newcomer's interests).
    title: str = ""
    body: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened on an issue: a comment, a label added or removed, a cross-reference."""

    kind: str  # "comment", "labeled", "unlabeled", "cross-referenced", "closed", "reopened", ...
    actor: str
    at: float
    # For comments: the author's relation to the repository (OWNER, MEMBER, COLLABORATOR, ...).
    association: str | None = None
    label: str | None = None
    # For cross-references: whether the reference is an open pull request.
    open_pull_request: bool = False


@dataclass(frozen=True)
class PastIssue:
    """An issue from the repository's history, open or closed, as the duplicate index keeps it."""

    number: int
    title: str
    body: str
    author: str
    created_at: float
    is_open: bool
    labels: tuple[str, ...] = ()
    # GitHub's reason for closing: "completed", "not_planned", "duplicate" (None while open).
    state_reason: str | None = None
    html_url: str | None = None


@runtime_checkable
class IssueTracker(Protocol):
    """The privileged actions triage may take on an issue. Only triage policy code calls these."""

    def comment(self, repository: str, number: int, body: str) -> str: ...

    def add_labels(self, repository: str, number: int, labels: list[str]) -> None: ...

    def comments_since(self, repository: str, number: int, since: float) -> list[dict[str, Any]]:
        """Comments newer than `since` (epoch seconds): dicts with `author`, `body`, `created_at`."""
        ...

    def repository_config(self, repository: str) -> dict[str, Any]:
        """The maintainers' triage policy kept in the repository ({} when there is none)."""
        ...

    def reactions(self, repository: str, number: int, comment_id: str) -> list[str]:
        """Reaction contents on one comment (e.g. "+1", "-1")."""
        ...

    def issue_reactions(self, repository: str, number: int) -> int:
        """How many reactions the issue itself has now (all kinds)."""
        ...

    def close(self, repository: str, number: int, reason: str) -> None:
        """Close the issue; `reason` is GitHub's state_reason (e.g. "not_planned")."""
        ...

    def open_items(self, repository: str) -> list[OpenItem]:
        """Every open issue and pull request of the repository."""
        ...

    def labelled_issues(self, repository: str, label: str, limit: int = 30) -> list[OpenItem]:
        """Open issues (no pull requests) carrying `label`, newest first, at most `limit`, with title and body."""
        ...

    def timeline(self, repository: str, number: int) -> list[TimelineEntry]:
        """What happened on one issue or pull request, oldest first."""
        ...

    def remove_label(self, repository: str, number: int, label: str) -> None: ...

    def reopen(self, repository: str, number: int) -> None: ...

    def path_authors(self, repository: str, paths: list[str], since: float) -> dict[str, int]:
        """Who committed to `paths` since `since` (epoch seconds): login -> commits (people with a
        GitHub account only; commits without one are left out)."""
        ...

    def can_be_assigned(self, repository: str, login: str) -> bool:
        """Whether the repository accepts `login` as an assignee (GitHub's own check)."""
        ...

    def assign(self, repository: str, number: int, logins: list[str]) -> None: ...


class PathAuthors(Protocol):
    """Who recently changed some files of a repository (a local clone's git log, or the commits API)."""

    def path_authors(self, repository: str, paths: list[str], since: float) -> dict[str, int]:
        """login -> commits to `paths` since `since` (epoch seconds); people with a GitHub login only."""
        ...


# --- Pull request review ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LintFinding:
    path: str
    line: int
    code: str
    message: str


@runtime_checkable
class Linter(Protocol):
    """A project's own linter over whole files (the review keeps what lands on added lines)."""

    name: str

    def lint(self, files: dict[str, str], config: dict[str, str], layout: list[str] | None = None
             ) -> list[LintFinding]:
        """Findings in `files` (path -> text) under the repository's `config` files (path -> text);
        `layout` names the repository's top-level packages (`src/pkg/`, `pkg.py`), which tells a
        linter what is first-party."""
        ...


@runtime_checkable
class PullRequestHost(Protocol):
    """Where pull requests live (GitHub): read one as a change set, post its review."""

    def review_config(self, repository: str) -> dict[str, Any]:
        """The `review:` section of the repository's `.github/devrel.yml` ({} when there is none)."""
        ...

    def change_set(self, repository: str, number: int, max_files: int) -> Any:
        """The pull request as a devrel.review.model.ChangeSet (diff, commits, files checks need)."""
        ...

    def post_review(self, repository: str, number: int, commit: str, body: str, comments: list[dict[str, Any]],
                    event: str) -> str:
        """One review with inline comments (`path`, `line`, `body`) on `commit`; returns its id."""
        ...

    def upsert_comment(self, repository: str, number: int, comment_id: str | None, body: str) -> str:
        """Edit the comment `comment_id` in place (or create it when there is none); returns its id."""
        ...
