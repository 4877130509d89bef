"""From the commits and pull requests of a range to the changes the notes are made of.

Cleaning: merge commits are not entries (the pull request they merge is); a revert and the commit it
reverts, both in the range, cancel; a revert of something released earlier stays (users notice it);
dependency bumps and release housekeeping are kept but marked routine; the same change landing
twice (a cherry-pick, a squash and its original) is one entry citing both. Co-authors are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from devrel.release.changes import Change, PullRequest, ReleaseRange, SourceCommit

_MERGE_PULL = re.compile(r"^Merge pull request #(\d+) from \S+", re.I)
_MERGE_OTHER = re.compile(r"^Merge (branch|remote-tracking branch|tag|commit) |^Merge .+ into .+", re.I)
_SQUASH_PULL = re.compile(r"\s*\(#(\d+)\)\s*$")
_REVERT = re.compile(r'^Revert\s+"(.+)"\s*$', re.I)
_REVERTS_SHA = re.compile(r"This reverts commit ([0-9a-f]{7,40})", re.I)
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z-]*):\s*(.*)$")
_CO_AUTHOR = re.compile(r"^co-authored-by:\s*(.+?)\s*(?:<([^>]*)>)?\s*$", re.I | re.M)
_BOT_NAME = re.compile(r"(\[bot\]$|^dependabot\b|^renovate\b|^github-actions\b|^pre-commit-ci\b|^greenkeeper\b"
                       r"|^snyk-bot\b|^allcontributors\b|^mergify\b|^weblate\b)", re.I)
# Dependency updates, whoever made them.
_BUMP = re.compile(r"^(\w+(\([\w./-]*deps?[\w./-]*\))?!?:\s*)?(bump|update|upgrade)\s+(dependency\s+)?"
                   r"[\w@./-]+\s+(from|to|requirement from)\s", re.I)
_DEPS_SCOPE = re.compile(r"^\w+\((deps|deps-dev|dependencies)\)!?:", re.I)
_AUTOUPDATE = re.compile(r"^\[pre-commit\.ci\]|pre-commit autoupdate|^update dependency\s", re.I)
# Release housekeeping: version bumps, changelog updates, "Release 1.2".
_HOUSEKEEPING = re.compile(
    r"^(\w+(\(release\))?:\s*)?(release|releasing|prepare( for)? release|bump (the )?version|version bump|"
    r"update (the )?changelog|changelog|autorelease|post-release|back to development)\b"
    r"|^v?\d+(\.\d+)+([-.+]?[\w.]*)?$", re.I)
_TRAILER_NAMES = frozenset({"co-authored-by", "signed-off-by", "reviewed-by", "acked-by", "tested-by",
                            "reported-by", "change-id", "cc", "pr-url", "reviewed-on", "suggested-by"})


def is_bot(name: str) -> bool:
    return bool(_BOT_NAME.search(name.strip()))


def is_routine(subject: str) -> bool:
    """A dependency bump or release housekeeping: kept for maintainers, collapsed for users."""
    subject = subject.strip()
    return bool(_BUMP.search(subject) or _DEPS_SCOPE.search(subject) or _AUTOUPDATE.search(subject)
                or _HOUSEKEEPING.search(subject))


def squash_pull(subject: str) -> int | None:
    found = _SQUASH_PULL.search(subject)
    return int(found.group(1)) if found else None


def strip_squash_suffix(subject: str) -> str:
    return _SQUASH_PULL.sub("", subject).strip()


def co_authors(text: str) -> list[str]:
    return [match.group(1).strip() for match in _CO_AUTHOR.finditer(text) if match.group(1).strip()]


def without_trailers(body: str) -> str:
    """A message body without its trailer lines (Co-authored-by, Signed-off-by, ...)."""
    kept = []
    for line in body.splitlines():
        trailer = _TRAILER.match(line.strip())
        if trailer and trailer.group(1).lower() in _TRAILER_NAMES:
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _key(title: str) -> str:
    """Titles compared for duplicates: case, punctuation, a squash suffix and a conventional prefix aside."""
    title = re.sub(r"^\w+(\([^)]*\))?!?:\s*", "", strip_squash_suffix(title))
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def _cancelled_reverts(commits: list[SourceCommit]) -> set[str]:
    """Shas of reverts and of what they revert, both in the range: the pair changes nothing."""
    by_prefix = {commit.sha: commit for commit in commits}
    by_subject: dict[str, list[SourceCommit]] = {}
    for commit in commits:
        by_subject.setdefault(commit.subject.strip(), []).append(commit)
    cancelled: set[str] = set()
    # Oldest first, so a revert of a revert undoes the first revert, not the original.
    for commit in sorted(commits, key=lambda c: c.at):
        match = _REVERT.match(commit.subject.strip())
        if not match or commit.sha in cancelled:
            continue
        target: SourceCommit | None = None
        sha = _REVERTS_SHA.search(commit.body)
        if sha:
            target = next((c for full, c in by_prefix.items() if full.startswith(sha.group(1))), None)
        if target is None:
            candidates = [c for c in by_subject.get(match.group(1).strip(), []) if c.at <= commit.at]
            target = candidates[-1] if candidates else None
        if target is not None and target.sha not in cancelled and target.sha != commit.sha:
            cancelled |= {commit.sha, target.sha}
    return cancelled


def _merge_pulls(commits: Iterable[SourceCommit]) -> dict[int, PullRequest]:
    """Pull requests known only from their merge commits ("Merge pull request #N from ...", title below)."""
    found: dict[int, PullRequest] = {}
    for commit in commits:
        match = _MERGE_PULL.match(commit.subject)
        if match:
            number = int(match.group(1))
            title = next((line.strip() for line in commit.body.splitlines() if line.strip()), "")
            # No author: a merge commit's is whoever merged; the commits' authors are the contributors.
            found[number] = PullRequest(number=number, title=title or commit.subject, commits=(commit.sha,))
    return found


def is_merge(commit: SourceCommit) -> bool:
    return commit.parents > 1 or bool(_MERGE_PULL.match(commit.subject) or _MERGE_OTHER.match(commit.subject))


def changes_in(release: ReleaseRange) -> list[Change]:
    """The range's changes, oldest first: one per pull request, and one per commit without one."""
    commits = [c for c in release.commits if c.subject.strip()]
    pulls = {**_merge_pulls(commits), **release.pulls}
    sha_to_pull = {sha: number for number, pull in pulls.items() for sha in pull.commits}
    cancelled = _cancelled_reverts([c for c in commits if not is_merge(c)])
    groups: dict[str, list[SourceCommit]] = {}
    for commit in sorted(commits, key=lambda c: c.at):
        if is_merge(commit) or commit.sha in cancelled:
            continue
        number = commit.pull or sha_to_pull.get(commit.sha) or squash_pull(commit.subject)
        groups.setdefault(f"pr:{number}" if number is not None else f"sha:{commit.sha}", []).append(commit)
    changes: list[Change] = []
    for key, group in groups.items():
        pull = pulls.get(int(key[3:])) if key.startswith("pr:") else None
        number = int(key[3:]) if key.startswith("pr:") else None
        changes.append(_change(group, pull, number, release.earlier_authors))
    return _deduplicated(changes)


def _change(group: list[SourceCommit], pull: PullRequest | None, number: int | None,
            earlier: frozenset[str] | None) -> Change:
    first = group[0]
    title = pull.title if pull is not None and pull.title else strip_squash_suffix(first.subject)
    if pull is None and len(group) > 1:
        # A pull request known by number only: its squash commit's subject, else its first commit's.
        title = next((strip_squash_suffix(c.subject) for c in group if squash_pull(c.subject)), title)
    body = pull.body if pull is not None and pull.body else "\n\n".join(without_trailers(c.body) for c in group)
    from_pull = pull is not None and bool(pull.author) and pull.url != ""
    authors = _unique([pull.author] if pull is not None and pull.author else [c.author for c in group])
    named = {a.lower() for a in authors}
    extra = _unique(name for c in group for name in co_authors(c.body)
                    if name.lower() not in named and not is_bot(name))
    bot = all(c.author_is_bot or is_bot(c.author) for c in group) or (pull is not None and pull.author_is_bot)
    first_timers: list[str] = []
    if pull is not None and pull.first_time and pull.author:
        first_timers.append(pull.author)
    # GitHub's author_association says who is new when it knows the pull request; the clone's history
    # (which may be shallow) only when it does not.
    if earlier is not None and not from_pull:
        for commit in group:
            if commit.author and not commit.author_is_bot and not is_bot(commit.author) \
                    and commit.author not in earlier and (not commit.email or commit.email not in earlier):
                first_timers.append(pull.author if pull is not None and pull.author else commit.author)
    return Change(
        title=title.strip(), body=body.strip(), commits=tuple(c.sha for c in group), pull=number,
        url=pull.url if pull is not None else "", authors=tuple(a for a in authors if a), co_authors=tuple(extra),
        labels=pull.labels if pull is not None else (), files=tuple(_unique(f for c in group for f in c.files)),
        linked_issues=pull.linked_issues if pull is not None else (),
        routine=bot or is_routine(title), logins=from_pull, first_time_authors=tuple(_unique(first_timers)),
        at=max(c.at for c in group),
    )


def _deduplicated(changes: list[Change]) -> list[Change]:
    """One entry per title: a cherry-pick or a re-landed commit cites all its commits."""
    kept: dict[str, Change] = {}
    for change in changes:
        key = _key(change.title) or change.commits[0]
        if key in kept:
            seen = kept[key]
            kept[key] = seen.with_(commits=seen.commits + change.commits, pull=seen.pull or change.pull,
                                   authors=tuple(_unique([*seen.authors, *change.authors])),
                                   files=tuple(_unique([*seen.files, *change.files])), at=max(seen.at, change.at))
        else:
            kept[key] = change
    return list(kept.values())


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)
