"""Release notes from a range's history: cleaning, kinds, public API breaks, the two audiences, the
checked rephrasing, and the evaluation's parsing of ReleaseEval rows. Pure: no git, no network."""

from __future__ import annotations

from devrel.ports import LLM, ChatMessage, PortError
from devrel.release.api import api_breaks, module_name
from devrel.release.changes import ApiBreak, Change, PullRequest, ReleaseRange, SourceCommit
from devrel.release.classify import KeywordKinds, classify, conventional, upgrade_text
from devrel.release.evaluation import Row, generated_notes, split_messages
from devrel.release.extract import changes_in, is_routine
from devrel.release.notes import RenderOptions, bullets, clean_line, render
from devrel.release.phrasing import Lines, rephrase, supported
from devrel.release.training import train_kinds, weak_labels


def commit(n: int, subject: str, body: str = "", author: str = "Alice", **extra: object) -> SourceCommit:
    return SourceCommit(sha=sha(n), subject=subject, body=body, author=author, email=f"{author}@x.org",
                        at=float(n), **extra)  # type: ignore[arg-type]


def sha(n: int) -> str:
    return f"{n:07x}" + "a" * 33


def release(*commits: SourceCommit, **extra: object) -> ReleaseRange:
    return ReleaseRange("o/r", "v1", "v2", list(commits), **extra)  # type: ignore[arg-type]


# --- extraction ------------------------------------------------------------------------------------

def test_merges_are_not_entries_and_their_pull_request_is() -> None:
    found = changes_in(release(
        commit(1, "Add the thing", files=("pkg/a.py",), pull=7),
        commit(2, "Polish the thing", files=("pkg/b.py",), pull=7),
        commit(3, "Merge pull request #7 from bob/thing", "Add a thing users want", parents=2),
        commit(4, "Merge branch 'main' into feature", parents=2),
    ))
    assert len(found) == 1
    assert found[0].pull == 7 and found[0].title == "Add a thing users want"
    assert found[0].commits == (sha(1), sha(2))
    assert found[0].files == ("pkg/a.py", "pkg/b.py")


def test_a_revert_and_what_it_reverts_cancel_but_a_revert_of_an_older_release_stays() -> None:
    original = commit(1, "Cache the index")
    found = changes_in(release(
        original,
        commit(2, 'Revert "Cache the index"', f"This reverts commit {original.sha[:10]}."),
        commit(3, 'Revert "Something from last year"', "This reverts commit deadbeef."),
    ))
    assert [c.title for c in found] == ['Revert "Something from last year"']


def test_bumps_are_routine_co_authors_kept_duplicates_merged() -> None:
    found = changes_in(release(
        commit(1, "Bump requests from 2.31.0 to 2.32.0", author="dependabot[bot]"),
        commit(2, "Fix the parser (#12)", "Details\n\nCo-authored-by: Carol <carol@x.org>"),
        commit(3, "Fix the parser", author="Bob"),  # cherry-picked
        commit(4, "Release 2.0"),
    ))
    by_title = {c.title: c for c in found}
    assert by_title["Bump requests from 2.31.0 to 2.32.0"].routine
    assert by_title["Release 2.0"].routine
    parser = by_title["Fix the parser"]
    assert parser.pull == 12 and parser.co_authors == ("Carol",)
    assert len(parser.commits) == 2 and set(parser.authors) == {"Alice", "Bob"}  # the re-landed copy
    assert is_routine("chore(deps): update pytest") and not is_routine("Update the docs on retries")


def test_first_timers_are_those_not_seen_before_the_range() -> None:
    found = changes_in(release(commit(1, "Fix a typo", author="Newbie"), commit(2, "Fix more"),
                               earlier_authors=frozenset({"Alice", "Alice@x.org"})))
    assert found[0].first_time_authors == ("Newbie",) and found[1].first_time_authors == ()


# --- classification --------------------------------------------------------------------------------

def test_authors_words_win_then_files_then_the_model() -> None:
    found = changes_in(release(
        commit(1, "feat(cli): add --json"),
        commit(2, "refactor!: drop Python 3.8", "BREAKING CHANGE: Python 3.9 or later is needed."),
        commit(3, "Speed up the index", files=("docs/index.md",)),
        commit(4, "Rework things", files=("tests/test_a.py", ".github/workflows/ci.yml")),
        commit(5, "Fix crash when the config is empty", files=("pkg/config.py",)),
        commit(6, "Add support for TOML configs", files=("pkg/config.py",)),
    ))
    result = {c.title: classify(c, KeywordKinds()) for c in found}
    assert result["feat(cli): add --json"].kind == "feature" and result["feat(cli): add --json"].because == "prefix"
    assert result["refactor!: drop Python 3.8"].kind == "breaking"
    assert result["refactor!: drop Python 3.8"].upgrade == "Python 3.9 or later is needed."
    assert result["Speed up the index"].kind == "docs"  # only docs touched, whatever the words
    assert result["Rework things"].kind == "internal"
    assert result["Fix crash when the config is empty"].kind == "fix"
    assert result["Fix crash when the config is empty"].because == "model"
    assert result["Add support for TOML configs"].kind == "feature"


def test_labels_come_before_the_words_and_an_api_break_makes_a_change_breaking() -> None:
    pull = PullRequest(12, "Fix the retry loop", labels=("enhancement",), commits=(sha(1),))
    change = changes_in(release(commit(1, "Fix the retry loop"), pulls={12: pull}))[0]
    assert classify(change, KeywordKinds()).kind == "feature"
    broken = change.with_(api_breaks=(ApiBreak("pkg/a.py", "pkg.a.connect", "parameter `port` removed"),))
    done = classify(broken, KeywordKinds())
    assert done.kind == "breaking" and done.because == "api" and "pkg.a.connect" in done.upgrade


def test_conventional_prefixes_and_upgrade_sections() -> None:
    assert conventional("fix(parser)!: handle tabs") == ("fix", True, "handle tabs")
    assert conventional("Note: not a prefix") == (None, False, "Note: not a prefix")
    assert upgrade_text("Text\n\n## Migration guide\nRename `a` to `b`.\n\n## Other\nx") == "Rename `a` to `b`."


# --- public API --------------------------------------------------------------------------------------

def test_public_api_breaks_from_the_ast() -> None:
    old = "def connect(host, port=80): ...\ndef _private(a): ...\nclass Client:\n    def get(self, url): ...\n" \
          "def run(*args, **kwargs): ...\nLIMIT = 3\n"
    new = "def connect(host, port, *, timeout): ...\ndef _private(): ...\nclass Client:\n" \
          "    def get(self, path): ...\ndef run(*args): ...\ndef added(x): ...\n"
    found = {(b.name, b.what) for b in api_breaks("src/pkg/net.py", old, new)}
    assert found == {
        ("pkg.net.connect", "parameter `port` is now required"),
        ("pkg.net.connect", "new required parameter `timeout`"),
        ("pkg.net.Client.get", "parameter `url` removed"),
        ("pkg.net.Client.get", "new required parameter `path`"),
        ("pkg.net.run", "no longer takes `**kwargs`"),
        ("pkg.net.LIMIT", "removed"),
    }
    assert api_breaks("tests/test_net.py", old, "") == []  # tests are nobody's API
    assert api_breaks("pkg/net.py", old, "def (broken") == []  # unparsable: say nothing
    assert module_name("src/pkg/__init__.py") == "pkg"


# --- notes -----------------------------------------------------------------------------------------

def classified(*commits: SourceCommit) -> list[Change]:
    return [classify(c, KeywordKinds()) for c in changes_in(release(*commits))]


def test_external_notes_keep_what_users_notice_with_breaking_first_and_references() -> None:
    changes = classified(
        commit(1, "feat: add --json output", files=("pkg/cli.py",)),
        commit(2, "ci: cache pip", files=(".github/workflows/ci.yml",)),
        commit(3, "feat!: remove the v1 API", "BREAKING CHANGE: use `client.v2` instead."),
        commit(4, "fix: crash on empty input", author="Newbie"),
        commit(5, "Bump numpy from 1.0 to 2.0", author="dependabot[bot]"),
    )
    notes = render(changes, "external", RenderOptions(title="r 2.0", web_url="https://github.com/o/r"))
    assert notes.index("## Breaking changes") < notes.index("## Features") < notes.index("## Bug fixes")
    assert "  - Upgrade: Use `client.v2` instead." in notes
    assert "Cache pip" not in notes and "numpy" not in notes
    assert f"[0000003](https://github.com/o/r/commit/{sha(3)})" in notes
    assert "Thanks to Alice, Newbie." in notes and "dependabot" not in notes
    internal = render(changes, "internal", RenderOptions())
    assert "Cache pip" in internal and "## Routine" in internal and "numpy" in internal
    assert "## Missing docs" in internal and "- Add --json output (0000001)" in internal


def test_every_bullet_cites_its_commits_and_a_change_citing_none_is_dropped() -> None:
    changes = classified(commit(1, "fix: one"), commit(2, "fix: two"))
    orphan = changes[0].with_(title="Invented feature", commits=(), kind="feature")
    listed = bullets([*changes, orphan], "external")
    assert [b.text for b in listed] == ["One", "Two"]
    for line in render([*changes, orphan], "external", RenderOptions(contributors=False)).splitlines():
        assert not line.startswith("- ") or line.endswith(")")
    assert "Invented" not in render([*changes, orphan], "internal")


def test_untrusted_text_cannot_ping_inject_html_or_leak_a_secret() -> None:
    line = clean_line("fix: tell @everyone <!channel> <@U123> <script>x</script> about ghp_"
                      "abcdefghijklmnopqrstuvwxyz0123456789 (#9)\nsecond line")
    assert "@everyone" not in line and "<!channel>" not in line and "<@U123>" not in line
    assert "<script>" not in line and "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in line
    assert "second line" not in line and not line.endswith("(#9)") and "  " not in line
    assert line.startswith("Tell ")


# --- rephrasing ------------------------------------------------------------------------------------

class ScriptedLlm(LLM):
    def __init__(self, lines: list[dict[str, object]] | None) -> None:
        self.lines = lines
        self.calls: list[list[ChatMessage]] = []

    def complete(self, messages: list[ChatMessage], max_tokens: int = 512) -> str:  # pragma: no cover
        raise NotImplementedError

    def structured(self, messages: list[ChatMessage], schema: type, max_tokens: int = 512) -> object:
        self.calls.append(messages)
        if self.lines is None:
            raise PortError("the model is down")
        return Lines.model_validate({"lines": self.lines})


def test_a_rephrasing_is_kept_only_when_the_record_supports_it() -> None:
    changes = classified(commit(1, "fix: handle empty config files", "The loader crashed on an empty file."),
                         commit(2, "feat: add retry option"))
    assert supported("Empty config files no longer crash the loader", changes[0])
    assert not supported("Empty config files no longer crash the loader on Windows", changes[0])  # invented
    assert not supported("Add retry option, thanks @bob", changes[1])
    assert not supported("Add retry option (see https://evil.example)", changes[1])
    llm = ScriptedLlm([{"id": 1, "text": "Empty config files no longer crash the loader"},
                       {"id": 2, "text": "Add retries with exponential backoff in 3 places"},
                       {"id": 9, "text": "An item the model made up"}])
    assert rephrase(changes, [0, 1], llm) == {0: "Empty config files no longer crash the loader"}
    assert rephrase(changes, [0, 1], ScriptedLlm(None)) == {}  # the model failed: extractive lines stay


# --- evaluation rows -------------------------------------------------------------------------------

def test_concatenated_messages_are_split_into_commits() -> None:
    text = ("Update CHANGELOG.md\nparser: allow setting the section name\n\nIn an egg replacer putting `[]` "
            "will cause it to not be split at the first dot and\nwrapped onto a second line.\n"
            "replace deprecated ioutil function calls\nUpdate diagnostics command ()\n\n"
            "Co-authored-by: Matthew <m@x.org>\nci: fix version replace\n")
    found = split_messages(text)
    assert [s for s, _ in found] == ["Update CHANGELOG.md", "parser: allow setting the section name",
                                     "replace deprecated ioutil function calls", "Update diagnostics command ()",
                                     "ci: fix version replace"]
    assert found[1][1].endswith("wrapped onto a second line.")


def test_generated_notes_for_a_row_and_a_trained_kind_model() -> None:
    rows = [Row("feat: add json output\nci: cache pip\nfix: crash on empty input\n",
                "Added\nJSON output\nFixed\nA crash on empty input"),
            Row("Add yaml support\nrefactor internals\nBump version\nFix wrong exit code\n",
                "Adds YAML support. Fixed the wrong exit code.")] * 3
    notes = generated_notes(rows[0].commits)
    assert "Add json output" in notes and "Crash on empty input" in notes and "pip" not in notes
    assert "(" not in notes  # the evaluation leaves references out: the published notes have none
    assert any(label for *_, label in weak_labels(rows[1])) and not all(label for *_, label in weak_labels(rows[1]))
    model = train_kinds(rows, threshold=0.5)
    assert model.guess("Add toml support", "").kind != "internal"
    assert model.guess("refactor internals", "").kind == "internal"


def test_what_real_histories_taught() -> None:
    # click 8.2: names kept importable by a module `__getattr__` shim are deprecations, not removals;
    # a removed class is one break, not one per method.
    old = "class BaseCommand:\n    def main(self): ...\nclass Gone:\n    def a(self): ...\n    def b(self): ...\n"
    new = "class Command:\n    def main(self): ...\ndef __getattr__(name):\n" \
          "    if name == 'BaseCommand':\n        return Command\n    raise AttributeError(name)\n"
    assert [(b.name, b.what) for b in api_breaks("src/click/core.py", old, new)] == [("click.core.Gone", "removed")]
    assert clean_line("Keep `<stdout>` and `<stderr>` apart <b>now</b>") == "Keep `<stdout>` and `<stderr>` apart now"
    assert "channel" not in clean_line("Say `<!channel>` hi")
    keywords = KeywordKinds()
    assert keywords.guess("Drop support for Python 3.7", "").kind == "breaking"
    assert keywords.guess("Fix CI", "").kind == "internal"
    assert keywords.guess("Fix linting issues", "").kind == "internal"
    assert keywords.guess("Deprecate MultiCommand", "").kind == "feature"
    assert classify(changes_in(release(commit(1, "Update requirements", files=("requirements/dev.txt",))))[0],
                    keywords).kind == "internal"
    changes = classified(commit(1, "fix: one", author="unknown"), commit(2, "fix: two", author="Bob"))
    assert "Thanks to Bob." in render(changes, "external")
