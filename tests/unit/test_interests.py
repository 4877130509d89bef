"""Interests inferred from a person's own contributions: what is kept from GitHub's events, what is inferred
from it (with the evidence counts), whose records are read, and how a stated value or `none` overrides it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from devrel.adapters.store_sqlite import SqliteStore
from devrel.events import (
    Actor,
    InboundEvent,
    IssueChanged,
    IssueOpened,
    PersonRequest,
    PullRequestMerged,
    PullRequestOpened,
)
from devrel.records import Contributions, People, PersonalData
from devrel.usecases.interests import (
    ContributionRecorder,
    Inferred,
    Interests,
    PersonInterests,
    evidence,
    infer,
    profile_lines,
    set_command,
    stated,
)
from devrel.usecases.people import PeopleRequests

REPO = "acme/widgets"
ADA, BOB = "583231", "99"


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "store.sqlite")


NOW = float(int(time.time()))  # the SQLite store hides items past their expiry by the real clock


def clock() -> float:
    return NOW


def github(intent: object, who: str = ADA, bot: bool = False) -> InboundEvent:
    return InboundEvent(platform="github", kind="github.event", delivery_id=f"d-{id(intent)}",
                        actor=Actor(id=who, name=f"login-{who}", is_bot=bot), intent=intent)  # type: ignore[arg-type]


def pull(number: int, paths: list[str], merged: bool = False) -> dict[str, object]:
    return {"kind": "pull_request", "repository": REPO, "number": number, "paths": paths, "merged": merged}


def issue(number: int, labels: list[str]) -> dict[str, object]:
    return {"kind": "issue", "repository": REPO, "number": number, "labels": labels}


def test_areas_languages_and_labels_each_count_a_contribution_once() -> None:
    found = {i.interest: i for i in infer([
        pull(1, ["docs/index.md", "docs/api/cache.md", "README.md"], merged=True),
        pull(2, ["docs/faq.rst"], merged=True),
        pull(3, ["src/widgets/cache.py", "tests/test_cache.py"], merged=True),
        pull(4, ["doc/old.txt", "src/widgets/cli.py"]),
        issue(5, ["bug", "documentation"]),
        issue(6, ["bug", "duplicate", "good first issue"]),
    ], limit=20)}
    # Three docs pull requests: two merged (docs/ and *.md/*.rst), one unmerged (doc/ is the same area).
    assert found["docs"] == Inferred("docs", merged=2, unmerged=1, paths=("*.md", "*.rst", "doc/", "docs/"))
    assert found["widgets"] == Inferred("widgets", merged=1, unmerged=1, paths=("src/widgets/",))
    assert found["python"] == Inferred("python", merged=1, unmerged=1, paths=("*.py",))
    assert found["tests"] == Inferred("tests", merged=1, paths=("tests/",))
    assert found["bug"] == Inferred("bug", issues=2, labels=("bug",))
    assert found["documentation"].issues == 1
    # Labels of handling or difficulty are no interests; a package root is no area.
    assert "duplicate" not in found and "good first issue" not in found and "src" not in found
    assert found["docs"].score == 2 * 2 + 1


def test_the_strongest_come_first_and_only_a_few() -> None:
    inferred = infer([pull(1, ["tests/a.py"], merged=True), pull(2, ["tests/b.py"]), issue(3, ["cli"]),
                      issue(4, ["cli"]), issue(5, ["zeta"])], limit=3)
    # tests (2+1) and python (2+1) tie on score and merges: by name; then cli (2) before zeta (1).
    assert [(i.interest, i.score) for i in inferred] == [("python", 3), ("tests", 3), ("cli", 2)]
    assert infer([]) == []
    assert infer([pull(1, [".vscode/settings.json", "Makefile"])]) == []  # tool settings say nothing


def test_the_recorder_keeps_authors_labels_paths_and_merges(store: SqliteStore) -> None:
    contributions = Contributions(store, clock)
    recorder = ContributionRecorder(contributions)
    assert recorder.opened(github(IssueOpened(repository=REPO, number=5, labels=["bug"]))) == "contribution-noted"
    assert recorder.opened(github(PullRequestOpened(repository=REPO, number=8))) == "contribution-noted"
    assert recorder.opened(github(PullRequestOpened(repository=REPO, number=9), who="7", bot=True)) is None
    # A maintainer labels Ada's issue: the labels are the issue's, so Ada's.
    assert recorder.changed(github(IssueChanged(repository=REPO, number=5, labels=["bug", "cli"]), who="1")) \
        == "contribution-labels"
    assert recorder.changed(github(IssueChanged(repository=REPO, number=77, labels=["cli"]))) is None  # unknown
    recorder.paths(REPO, 8, ["docs/a.md"])
    recorder.paths(REPO, 10, ["src/x.py"])  # opened before any record: nobody to credit
    # Merged by a maintainer: the merge names the author, who gets it.
    merged = PullRequestMerged(repository=REPO, number=8, author="login-583231", author_id=ADA)
    assert recorder.merged(github(merged, who="1")) == "contribution-merged"
    recorder.merged(github(PullRequestMerged(repository=REPO, number=11, author_id=BOB)))
    kept = {c["number"]: c for c in contributions.of("github", ADA)}
    assert kept[5]["labels"] == ["bug", "cli"] and kept[5]["kind"] == "issue"
    assert kept[8]["paths"] == ["docs/a.md"] and kept[8]["merged"] is True and kept[8]["kind"] == "pull_request"
    assert set(kept) == {5, 8}
    assert [c["number"] for c in contributions.of("github", BOB)] == [11]
    assert contributions.of("github", "1") == [] and contributions.of("github", "7") == []
    # A redelivered opening keeps what was learnt since.
    recorder.opened(github(PullRequestOpened(repository=REPO, number=8)))
    assert {c["number"]: c for c in contributions.of("github", ADA)}[8]["merged"] is True


def test_only_their_own_and_their_linked_accounts_contributions_are_read(store: SqliteStore) -> None:
    contributions = Contributions(store, clock)
    for number in (1, 2, 3):
        contributions.opened(ADA, REPO, number, "pull_request")
        contributions.update(REPO, number, paths=["docs/page.md"])
    contributions.update(REPO, 1, merged_by_author=ADA)
    for number in (4, 5, 6, 7):  # Bob does more, elsewhere
        contributions.opened(BOB, REPO, number, "issue", ["rust"])
    interests = PersonInterests(store, clock)
    assert interests.inferred("slack", "U0ADA") == []  # her Slack account, not linked yet: nothing
    People(store, clock).link(("slack", "U0ADA"), ("github", ADA))
    [docs] = interests.inferred("slack", "U0ADA")
    assert (docs.interest, docs.merged, docs.unmerged, docs.issues) == ("docs", 1, 2, 0)
    assert docs.paths == ("*.md", "docs/")
    used = interests.of("slack", "U0ADA")
    assert used.source == "inferred" and used.chosen == ["docs"]
    assert [i.interest for i in interests.inferred("github", BOB)] == ["rust"]


def test_a_stated_value_wins_and_none_turns_inference_off(store: SqliteStore) -> None:
    contributions = Contributions(store, clock)
    contributions.opened(ADA, REPO, 1, "issue", ["cli"])
    people, interests = People(store, clock), PersonInterests(store, clock)
    people.save_profile("github", ADA, {"interests": "rust, wasm"})
    used = interests.of("github", ADA)
    assert (used.source, used.chosen, [i.interest for i in used.inferred]) == ("stated", ["rust", "wasm"], ["cli"])
    people.save_profile("github", ADA, {"interests": "none"})
    assert interests.of("github", ADA) == Interests([], "off")
    people.save_profile("github", ADA, {"interests": ""})  # cleared: inferred again
    assert interests.of("github", ADA).chosen == ["cli"]
    assert stated({"interests": "None"}) == [] and stated({}) is None and stated({"interests": "a, b"}) == ["a", "b"]


def test_the_evidence_is_said_in_their_language_with_the_counts() -> None:
    docs = Inferred("docs", merged=3, unmerged=1, paths=("docs/",))
    assert evidence(docs, "en") == ("3 merged pull requests touching docs/; "
                                    "1 pull request you opened (not merged) touching docs/")
    assert evidence(Inferred("bug", issues=1, labels=("bug",)), "fr") == "1 issue ouverte par vous avec le label bug"
    lines = profile_lines(Interests(["docs"], "inferred", [docs]), "slack", "de")
    assert lines[1].startswith("Aus deinen Beiträgen abgeleitete Interessen (gelten")
    assert lines[2] == "- docs: 3 gemergte Pull Requests, die docs/ ändern; 1 von dir eröffneter Pull Request " \
                       "(nicht gemergt), der docs/ ändert"
    assert "`/devrel profile set interests=docs`" in lines[3] and "`/devrel profile set interests=none`" in lines[3]
    stated_lines = profile_lines(Interests(["rust"], "stated", [docs]), "discord", "en")
    assert "not used" in stated_lines[1] and "`/devrel profile set:interests=none`" in stated_lines[3]
    assert profile_lines(Interests([], "off"), "slack", "en") == []
    assert set_command("telegram", "interests=") == "/profile set interests="


def test_forget_me_finds_their_contributions_and_leaves_others(store: SqliteStore) -> None:
    recorder = ContributionRecorder(Contributions(store, clock))
    recorder.opened(github(IssueOpened(repository=REPO, number=5, labels=["bug"])))
    recorder.opened(github(PullRequestOpened(repository=REPO, number=8)))
    recorder.opened(github(IssueOpened(repository=REPO, number=6, labels=["rust"]), who=BOB))
    data = PersonalData(store)
    ada = data.person("github", ADA)
    assert len(data.export(ada)["records"]["contributions"]) == 4  # two records, two pointers to their author
    assert data.forget(ada)["deleted"] == 4
    left = [(item.pk, item.sk, item.data) for item in store.scan()]
    assert not any(ADA in str(entry) for entry in left)
    assert Contributions(store, clock).author_of(REPO, 6) == BOB and len(left) == 2


def test_profile_lists_inferred_apart_from_stated(store: SqliteStore) -> None:
    Contributions(store, clock).opened(ADA, REPO, 1, "issue", ["cli"])
    requests = PeopleRequests(store, {}, clock)
    event = github(IssueOpened(repository=REPO, number=1))
    text = requests.answer(event, PersonRequest(action="profile"))
    lines = text.splitlines()
    assert "- interests: not set" in lines
    assert lines[lines.index("- cli: 1 issue you opened labelled cli") - 1].startswith("Interests inferred")
    off = requests.answer(event, PersonRequest(action="profile_set", changes={"interests": "none"}))
    assert "- interests: none (not inferred from your contributions" in off and "- cli:" not in off
