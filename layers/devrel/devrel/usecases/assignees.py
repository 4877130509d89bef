"""Who should take an issue: ranked from the repository's own signals, with the reasons.

Signals, strongest first: CODEOWNERS of the paths the issue mentions, owners of its labels (the
`owners:` map of `.github/devrel.yml`), who recently committed to those paths, then the `*`
fallback owners. Each open issue already assigned to someone costs them half a point, so work
spreads out. People only: teams, e-mail owners, bots, the issue's author and anyone on the `away`
list are never suggested. The issue's text only chooses paths and labels; the people come from
the repository (its CODEOWNERS, its config, its history), never from the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from devrel.ports import Item, OpenItem, Store

CODEOWNER_POINTS = 3.0
LABEL_OWNER_POINTS = 2.0
# One point for having changed the paths recently, up to one more for many such commits.
CHANGED_POINTS = 1.0
CHANGED_BONUS_COMMITS = 5
FALLBACK_POINTS = 1.0
LOAD_PENALTY = 0.5


@dataclass
class Suggestion:
    login: str
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def is_person(login: str) -> bool:
    """A GitHub user who can be assigned: not a team (`org/team`), an e-mail or a bot."""
    name = login.lstrip("@")
    return bool(name) and "/" not in name and "@" not in name and not name.endswith("[bot]")


def rank(codeowners: dict[str, list[str]], label_owners: dict[str, list[str]], changed: dict[str, int],
         fallback: Iterable[str], load: Callable[[str], int], excluded: Iterable[str],
         limit: int = 2) -> list[Suggestion]:
    """The best `limit` people. `codeowners`/`label_owners`: login -> the paths/labels they own;
    `changed`: login -> recent commits to the mentioned paths; `load(login)`: their open assigned issues."""
    skip = {login.lower().lstrip("@") for login in excluded}
    people: dict[str, Suggestion] = {}

    def credit(login: str, points: float, reason: str) -> None:
        name = login.lstrip("@")
        if not is_person(name) or name.lower() in skip:
            return
        entry = people.setdefault(name.lower(), Suggestion(name))
        entry.score += points
        entry.reasons.append(reason)

    for login, paths in codeowners.items():
        credit(login, CODEOWNER_POINTS, f"CODEOWNERS of {', '.join(paths[:3])}")
    for login, labels in label_owners.items():
        credit(login, LABEL_OWNER_POINTS, f"owns {', '.join(labels[:3])}")
    for login, commits in changed.items():
        bonus = min(commits, CHANGED_BONUS_COMMITS) / CHANGED_BONUS_COMMITS
        credit(login, CHANGED_POINTS + bonus, f"changed these files recently ({commits} commits)")
    if not people:  # the fallback owners only when nobody owns what the issue is about
        for login in fallback:
            credit(login, FALLBACK_POINTS, "fallback owner")
    for entry in people.values():
        open_issues = load(entry.login)
        if open_issues:
            entry.score -= LOAD_PENALTY * open_issues
            entry.reasons.append(f"{open_issues} open issues assigned")
    ranked = sorted(people.values(), key=lambda entry: (-entry.score, entry.login.lower()))
    return ranked[:limit]


def _load_key(login: str) -> str:
    return f"assigned#{login.lower()}"


def _assignees_partition(repository: str) -> str:
    return f"assignees#{repository}"


class AssigneeLoad:
    """Open issues assigned to each person, kept current from issue events (assigned, unassigned,
    closed, reopened), from the assistant's own assignments, and from the stale sweep's daily listing
    of every open issue (which corrects anything a missed webhook left behind)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def of(self, login: str) -> int:
        return len(self._store.query(_load_key(login), limit=1000))

    def observe(self, repository: str, number: int, assignees: Iterable[str], is_open: bool) -> None:
        """The issue's assignees as GitHub reports them now (none count once it is closed)."""
        pk, sk = _assignees_partition(repository), f"{number:010d}"
        known = self._store.get(pk, sk)
        before = {str(login).lower() for login in (known.data.get("assignees") or [])} if known else set()
        now = {login.lower() for login in assignees if is_person(login)} if is_open else set()
        for login in before - now:
            self._store.delete(_load_key(login), f"{repository}#{number}")
        for login in now - before:
            self._store.put(Item(_load_key(login), f"{repository}#{number}"))
        if now:
            self._store.put(Item(pk, sk, {"assignees": sorted(now)}))
        elif known:
            self._store.delete(pk, sk)

    def add(self, repository: str, number: int, logins: Iterable[str]) -> None:
        known = self._store.get(_assignees_partition(repository), f"{number:010d}")
        current = list(known.data.get("assignees") or []) if known else []
        self.observe(repository, number, [*current, *logins], is_open=True)

    def reconcile(self, repository: str, items: Iterable[OpenItem]) -> None:
        """Every open issue of the repository, as one listing shows them: the ground truth. One read of
        what is known, then writes only where it differs (a daily sweep of 10,000 issues stays cheap)."""
        known = {int(record.sk): {str(login).lower() for login in record.data.get("assignees") or []}
                 for record in self._store.query(_assignees_partition(repository), limit=100_000)}
        open_numbers = set()
        for item in items:
            if item.is_pull_request:
                continue
            open_numbers.add(item.number)
            if {login.lower() for login in item.assignees if is_person(login)} != known.get(item.number, set()):
                self.observe(repository, item.number, item.assignees, is_open=True)
        for number in known.keys() - open_numbers:
            self.observe(repository, number, [], is_open=False)
