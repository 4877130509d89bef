"""The value types release notes are made of: what a history source reports (commits, pull
requests) and the changes drawn from them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

Kind = Literal["breaking", "feature", "fix", "performance", "docs", "internal"]
KINDS: tuple[Kind, ...] = ("breaking", "feature", "fix", "performance", "docs", "internal")
# What users of a release notice; internal changes only go to the maintainers' notes.
USER_FACING: frozenset[str] = frozenset({"breaking", "feature", "fix", "performance", "docs"})


class ReleaseError(Exception):
    """Bad input for a release (an unknown ref, an empty range, no tags): one line for a person."""


@dataclass(frozen=True)
class SourceCommit:
    """One commit as a history source reports it."""

    sha: str
    subject: str
    body: str = ""
    author: str = ""
    email: str = ""
    at: float = 0.0
    parents: int = 1
    files: tuple[str, ...] = ()
    # The pull request that brought the commit in, when the history shows it (a merge commit's
    # "Merge pull request #N", a squash's "(#N)", or GitHub's own record).
    pull: int | None = None
    author_is_bot: bool = False


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    body: str = ""
    labels: tuple[str, ...] = ()
    author: str = ""
    author_is_bot: bool = False
    # GitHub's author_association said FIRST_TIME_CONTRIBUTOR / FIRST_TIMER.
    first_time: bool = False
    linked_issues: tuple[int, ...] = ()
    url: str = ""
    # Commits of the range it brought in (its merge commit, or its squashed commit).
    commits: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApiBreak:
    """A public name of the previous release that is gone or can no longer be called the same way."""

    path: str
    name: str
    what: str  # a sentence: "removed", "parameter `x` removed", ...


@dataclass(frozen=True)
class Change:
    """One entry of the notes: a pull request, or a commit that came in without one."""

    title: str
    body: str = ""
    commits: tuple[str, ...] = ()
    pull: int | None = None
    url: str = ""
    authors: tuple[str, ...] = ()
    co_authors: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    linked_issues: tuple[int, ...] = ()
    kind: Kind = "internal"
    # Why it got its kind ("prefix", "label", "model", "keywords", "files", "api"): shown internally.
    because: str = ""
    # What a user has to do when upgrading (breaking changes): a footer, a PR section or an API break.
    upgrade: str = ""
    api_breaks: tuple[ApiBreak, ...] = ()
    # Dependency bumps by bots, and other changes nobody reads one by one, collapsed in the notes.
    routine: bool = False
    # The authors are GitHub logins (the pull request's), not git author names.
    logins: bool = False
    first_time_authors: tuple[str, ...] = ()
    at: float = 0.0

    def with_(self, **changes: object) -> Change:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def refs(self) -> tuple[str, ...]:
        """What the entry cites: the pull request, then short commit ids."""
        return ((f"#{self.pull}",) if self.pull is not None else ()) + tuple(sha[:7] for sha in self.commits)

    @property
    def source_text(self) -> str:
        """Everything the change's own record says: what a rephrased line may draw on."""
        return "\n".join([self.title, self.body, " ".join(self.labels), " ".join(self.files), self.upgrade,
                          *(f"{b.name} {b.what}" for b in self.api_breaks)])


@dataclass
class ReleaseRange:
    """What a history source found between two refs."""

    repository: str  # OWNER/NAME when known, else a local name
    from_ref: str
    to_ref: str
    commits: list[SourceCommit]
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    # Authors (names and e-mail addresses) seen before `from_ref`: the others are first-timers.
    earlier_authors: frozenset[str] | None = None
    api_breaks: dict[str, tuple[ApiBreak, ...]] = field(default_factory=dict)  # by commit sha
    web_url: str = ""  # https://github.com/OWNER/NAME, for links


class HistorySource(Protocol):
    """Where a release's history comes from: a local clone, or GitHub's API. Raises ReleaseError for
    an unknown ref, an empty range, no tag to start from, a `from` that is not an ancestor of `to`."""

    def release_range(self, from_ref: str | None, to_ref: str) -> ReleaseRange: ...


class SourceFiles(Protocol):
    """File contents at any commit, for the public API comparison."""

    def changed_files(self, from_ref: str, to_ref: str) -> list[str]: ...

    def file_at(self, ref: str, path: str) -> str | None: ...

    def parent_of(self, sha: str) -> str | None: ...


class PullRequests(Protocol):
    """What GitHub knows of the pull requests that brought a range's commits in."""

    def pulls_for(self, repository: str, commits: list[SourceCommit]) -> dict[int, PullRequest]: ...
