"""A person's interests: stated in their profile, else inferred from their own contributions, with the
evidence shown to them (`/devrel profile`) and used for the welcome's good-first-issue suggestions.

The inference is deliberately plain, so a person can check it: each pull request they opened counts once
for every area its paths are in (a top-level directory such as docs/ or tests/, the package under src/)
and every language its file extensions name; each issue they opened counts once for each of its labels.
A merged pull request weighs twice an unmerged one or an issue. Only the records of their own accounts
(records.Contributions, every account they linked) are read: never anyone else's, never what they said.
A stated value always wins; `interests=none` turns the inference off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from devrel.events import InboundEvent, IssueChanged, IssueOpened, PullRequestMerged, PullRequestOpened
from devrel.messages import say
from devrel.platforms.person_commands import INTERESTS_OFF, hint, interest_is_valid
from devrel.ports import Store
from devrel.records import Contributions, People

MAX_INFERRED = 5
MERGED_WEIGHT = 2

# Directory names that mean the same area, so docs/ and doc/ are one interest.
_AREAS = {"doc": "docs", "docs": "docs", "documentation": "docs", "test": "tests", "tests": "tests",
          ".github": "ci", "example": "examples", "examples": "examples"}
# Where a repository keeps its packages: the directory under it is the area (src/widgets/ -> widgets).
_PACKAGE_ROOTS = frozenset({"src", "lib", "packages"})
_LANGUAGES = {"py": "python", "pyi": "python", "js": "javascript", "jsx": "javascript", "mjs": "javascript",
              "ts": "typescript", "tsx": "typescript", "go": "go", "rs": "rust", "java": "java", "kt": "kotlin",
              "rb": "ruby", "c": "c", "h": "c", "cc": "c++", "cpp": "c++", "hpp": "c++", "cs": "c#", "php": "php",
              "swift": "swift", "sh": "shell", "md": "docs", "rst": "docs", "css": "css", "scss": "css",
              "html": "html", "sql": "sql", "tf": "terraform"}
# Labels about an issue's handling or difficulty, not its subject: nothing anyone is interested in (and the
# first-issue ones would match every suggestion of the welcome).
_PROCESS_LABELS = frozenset({"duplicate", "invalid", "wontfix", "won't fix", "stale", "triage", "needs-triage",
                             "needs triage", "needs-info", "needs info", "needs-information", "good first issue",
                             "help wanted", "first-timers-only"})


@dataclass(frozen=True)
class Inferred:
    """One inferred interest and why: how many of their pull requests (merged, not merged) touched `paths`,
    and how many issues they opened carried `labels`."""

    interest: str
    merged: int = 0
    unmerged: int = 0
    issues: int = 0
    paths: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    @property
    def score(self) -> int:
        return MERGED_WEIGHT * self.merged + self.unmerged + self.issues


def _areas(path: str) -> list[tuple[str, str]]:
    """(interest, what in the path shows it: `docs/`, `*.py`) for one changed path."""
    found: list[tuple[str, str]] = []
    parts = [part for part in path.strip("/").split("/") if part]
    if len(parts) >= 2:
        top = parts[0].lower()
        if top in _PACKAGE_ROOTS:
            if len(parts) >= 3:  # src/widgets.py is a module, no area of its own
                found.append((parts[1].lower(), f"{parts[0]}/{parts[1]}/"))
        elif top in _AREAS or not top.startswith("."):  # other hidden directories are tool settings
            found.append((_AREAS.get(top, top), f"{parts[0]}/"))
    extension = parts[-1].rsplit(".", 1)[1].lower() if parts and "." in parts[-1].lstrip(".") else ""
    if extension in _LANGUAGES:
        found.append((_LANGUAGES[extension], f"*.{extension}"))
    return [(interest, via) for interest, via in found if interest_is_valid(interest)]


def infer(contributions: Iterable[Mapping[str, Any]], limit: int = MAX_INFERRED) -> list[Inferred]:
    """The `limit` interests their contributions show most, strongest first (ties by name), with the counts.

    Each issue or pull request counts once per interest, however many of its files or labels show it."""
    counts: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, int]] = set()
    for contribution in contributions:
        key = (str(contribution.get("repository") or ""), int(contribution.get("number") or 0))
        if key in seen:  # the same one through two records (never expected; counted once anyway)
            continue
        seen.add(key)
        # interest -> what showed it in this one contribution (several files may: counted once).
        shown: dict[str, set[str]] = {}
        if contribution.get("kind") == "issue":
            tally, kept = "issues", "labels"
            for label in contribution.get("labels") or []:
                name = str(label).strip()
                if name.lower() not in _PROCESS_LABELS and interest_is_valid(name.lower()):
                    shown.setdefault(name.lower(), set()).add(name)
        else:
            tally, kept = ("merged" if contribution.get("merged") else "unmerged"), "paths"
            for path in contribution.get("paths") or []:
                for interest, via in _areas(str(path)):
                    shown.setdefault(interest, set()).add(via)
        for interest, vias in shown.items():
            entry = counts.setdefault(interest, {"merged": 0, "unmerged": 0, "issues": 0, "paths": set(),
                                                 "labels": set()})
            entry[tally] += 1
            entry[kept] |= vias
    inferred = [Inferred(interest, entry["merged"], entry["unmerged"], entry["issues"], tuple(sorted(entry["paths"])),
                         tuple(sorted(entry["labels"]))) for interest, entry in counts.items()]
    return sorted(inferred, key=lambda found: (-found.score, -found.merged, found.interest))[:limit]


def stated(profile: Mapping[str, str]) -> list[str] | None:
    """The interests they set ([] when they turned inference off with `none`); None when they set none."""
    value = profile.get("interests", "").strip()
    if not value:
        return None
    if value.lower() == INTERESTS_OFF:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


Source = Literal["stated", "inferred", "off", "none"]


@dataclass(frozen=True)
class Interests:
    """What is used for them (`chosen`), where it came from, and the inference (empty when it is off)."""

    chosen: list[str]
    source: Source
    inferred: list[Inferred] = field(default_factory=list)


class PersonInterests:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._people = People(store, clock)
        self._contributions = Contributions(store, clock)

    def inferred(self, platform: str, user: str) -> list[Inferred]:
        """From the contributions of this account and every account linked to it, and no one else's."""
        return infer(contribution for account, who in self._people.accounts(platform, user)
                     for contribution in self._contributions.of(account, who))

    def of(self, platform: str, user: str, explain: bool = True) -> Interests:
        """`explain=False` when only `chosen` is wanted: stated interests then cost no read of the
        contributions (the welcome); `/devrel profile` shows the inference beside them."""
        own = stated(self._people.profile(platform, user))
        if own == []:
            return Interests([], "off")
        if own is not None and not explain:
            return Interests(own, "stated")
        inferred = self.inferred(platform, user)
        if own is not None:
            return Interests(own, "stated", inferred)
        return Interests([found.interest for found in inferred], "inferred" if inferred else "none", inferred)


def evidence(found: Inferred, language: str) -> str:
    """Why an interest was inferred, in their language: `3 merged pull requests touching docs/; ...`."""
    parts = []
    paths, labels = ", ".join(found.paths), ", ".join(found.labels)
    for count, key, via in ((found.merged, "merged", paths), (found.unmerged, "unmerged", paths),
                            (found.issues, "issues", labels)):
        if count:
            parts.append(say(f"people.interests.{key}_{'one' if count == 1 else 'many'}", language, count=count,
                             via=via))
    return "; ".join(parts)


def profile_lines(interests: Interests, platform: str, language: str) -> list[str]:
    """What `/devrel profile` says about the inference, after the stated fields (nothing when it is off or
    found nothing)."""
    if not interests.inferred:
        return []
    heading = say("people.interests.used", language) if interests.source == "inferred" else \
        say("people.interests.unused", language)
    example = ",".join(found.interest for found in interests.inferred)
    return ["", heading,
            *(f"- {found.interest}: {evidence(found, language)}" for found in interests.inferred),
            say("people.interests.replace", language, set=set_command(platform, f"interests={example}"),
                off=set_command(platform, f"interests={INTERESTS_OFF}"))]


def set_command(platform: str, values: str) -> str:
    """`profile set VALUES` as typed on `platform` (Discord's `set` is the option's name, not a word of it)."""
    return hint(platform, "profile", values if platform == "discord" else f"set {values}")


def export(interests: Interests) -> dict[str, Any]:
    """The inference as `devrel export` hands it over."""
    return {"used": interests.source, "interests": interests.chosen,
            "inferred": [{"interest": found.interest, "merged_pull_requests": found.merged,
                          "unmerged_pull_requests": found.unmerged, "issues": found.issues,
                          "paths": list(found.paths), "labels": list(found.labels)} for found in interests.inferred]}


# A label's runs of white space as one space (a label is kept as GitHub shows it).
_SPACES = re.compile(r"\s+")


class ContributionRecorder:
    """Keeps records.Contributions current from GitHub's events (handlers of the worker's dispatcher) and
    from the review's file list. Bots' contributions are not kept: nobody asks for their profile."""

    def __init__(self, contributions: Contributions) -> None:
        self._contributions = contributions

    def opened(self, event: InboundEvent) -> str | None:
        intent, actor = event.intent, event.actor
        if event.platform != "github" or actor is None or actor.is_bot:
            return None
        if isinstance(intent, IssueOpened):
            self._contributions.opened(actor.id, intent.repository, intent.number, "issue",
                                       [_SPACES.sub(" ", label) for label in intent.labels])
        elif isinstance(intent, PullRequestOpened):
            self._contributions.opened(actor.id, intent.repository, intent.number, "pull_request")
        else:
            return None
        return "contribution-noted"

    def changed(self, event: InboundEvent) -> str | None:
        """An issue's labels as they are now (the labels triage or a maintainer added count)."""
        intent = event.intent
        if not isinstance(intent, IssueChanged) or intent.removed:
            return None
        known = self._contributions.update(intent.repository, intent.number,
                                           labels=[_SPACES.sub(" ", label) for label in intent.labels])
        return "contribution-labels" if known else None

    def merged(self, event: InboundEvent) -> str | None:
        intent = event.intent
        if not isinstance(intent, PullRequestMerged) or not intent.author_id or intent.author_is_bot:
            return None
        self._contributions.update(intent.repository, intent.number, merged_by_author=intent.author_id)
        return "contribution-merged"

    def paths(self, repository: str, number: int, paths: list[str]) -> None:
        """The paths a pull request changes, as its review read them (only an author already known gets them:
        the pusher of a later commit may be someone else)."""
        self._contributions.update(repository, number, paths=paths)
