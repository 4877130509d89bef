"""The review's evaluation on real history: each commit reviewed as it is (noise), and once more with
one injected defect (recall), and every posted comment checked against the lines the commit adds.

Pure: texts in, texts out. Reading commits and writing the injected copies is the caller's (git).

Defects, each written the way people write them:
- `bare-except`: an added statement wrapped in `try:` / `except:` / `return`;
- `swallowed-error`: an added statement wrapped in `try:` / `except Exception:` / `pass`;
- `credential`: a provider-format key (AWS, GitHub, Slack, Stripe) or a password assigned next to an
  added statement;
- `unused-import`: a standard-library module imported at the top and never used;
- `removed-test`: the commit's changes to its tests taken out (its code changes kept);
- `signature`: a keyword parameter added to a public function the commit touches, with no docs or
  changelog entry in the commit.
A defect counts as found when a posted comment sits on one of the injected lines with a check that
names it (or, for the removed tests, the checklist says code changed without a test).
"""

from __future__ import annotations

import ast
import copy
import random
import string
from collections import Counter
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from devrel.review.diff import FileDiff
from devrel.review.paths import is_test, is_user_facing_code, kind_of
from devrel.review.python import parse as parse_python
from devrel.review.python import public_signatures

KINDS = ("bare-except", "swallowed-error", "credential", "unused-import", "removed-test", "signature")
# The checks (and model comment kinds) that name each defect.
FOUND_BY: dict[str, frozenset[str]] = {
    "bare-except": frozenset({"bare-except", "swallowed-error", "lint:E722", "model:error-handling"}),
    "swallowed-error": frozenset({"swallowed-error", "lint:S110", "lint:BLE001", "lint:SIM105",
                                  "model:error-handling"}),
    "credential": frozenset({"secret", "lint:S105", "lint:S106", "model:security"}),
    "unused-import": frozenset({"lint:F401"}),
    "signature": frozenset({"signature-change", "model:api"}),
}
_IMPORTABLE = ("shutil", "tempfile", "textwrap", "fnmatch", "uuid", "glob", "heapq", "bisect", "pprint", "zlib",
               "calendar", "getpass", "difflib", "filecmp", "sched")
_SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)


@dataclass(frozen=True)
class Commit:
    """One commit under evaluation: its parent and what it changes."""

    repository: str
    sha: str
    parent: str
    files: list[FileDiff]
    new_contents: dict[str, str]
    old_contents: dict[str, str]


@dataclass(frozen=True)
class Injection:
    kind: str
    # path -> the file's new text (None: the file as at the parent, or removed when the parent lacks it).
    files: dict[str, str | None]
    # Where the defect is: (path, first line, last line) in the injected version; None for removed tests.
    where: tuple[str, int, int] | None
    description: str


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _python_code(commit: Commit) -> list[FileDiff]:
    """Changed Python files of the product (not tests) whose new text the evaluation has."""
    return [f for f in commit.files if f.path.endswith(".py") and kind_of(f.path) == "code" and f.added
            and f.path in commit.new_contents and parse_python(commit.new_contents[f.path]) is not None]


def _statements(file: FileDiff, source: str) -> list[ast.stmt]:
    """Added one-line simple statements inside functions (nested blocks too): where a try block can go."""
    tree = parse_python(source)
    if tree is None:
        return []
    found: list[ast.stmt] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for statement in ast.walk(node):
            if isinstance(statement, _SIMPLE) and statement.lineno == statement.end_lineno \
                    and file.is_added(statement.lineno) \
                    and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
                found.append(statement)
    return sorted({s.lineno: s for s in found}.values(), key=lambda s: s.lineno)


def _replace(source: str, first: int, last: int, lines: list[str]) -> str:
    rows = source.split("\n")
    return "\n".join(rows[: first - 1] + lines + rows[last:])


def _wrap(commit: Commit, rng: random.Random, handler: str, body: str, kind: str) -> Injection | None:
    spots = [(f, s) for f in _python_code(commit) for s in _statements(f, commit.new_contents[f.path])]
    if not spots:
        return None
    file, statement = rng.choice(spots)
    source = commit.new_contents[file.path]
    line = source.split("\n")[statement.lineno - 1]
    pad = _indent(line)
    block = [f"{pad}try:", f"    {line}", f"{pad}{handler}", f"{pad}    {body}"]
    text = _replace(source, statement.lineno, statement.lineno, block)
    return Injection(kind, {file.path: text}, (file.path, statement.lineno, statement.lineno + 3),
                     f"{handler.strip()} around line {statement.lineno} of {file.path}")


def _token(rng: random.Random) -> tuple[str, str]:
    """A made-up credential in one of the formats people leak, and the name it is assigned to."""
    upper, alnum = string.ascii_uppercase + "234567", string.ascii_letters + string.digits
    pick = rng.randrange(5)
    if pick == 0:
        return "aws_access_key_id", "AKIA" + "".join(rng.choice(upper) for _ in range(16))
    if pick == 1:
        return "github_token", "ghp_" + "".join(rng.choice(alnum) for _ in range(36))
    if pick == 2:
        return "slack_token", "xoxb-" + "".join(rng.choice(string.digits) for _ in range(12)) + "-" + \
            "".join(rng.choice(string.digits) for _ in range(13)) + "-" + "".join(rng.choice(alnum) for _ in range(24))
    if pick == 3:
        return "stripe_key", "sk_live_" + "".join(rng.choice(alnum) for _ in range(24))
    # A letter first: a value starting with punctuation reads as a template or a placeholder.
    return "db_password", rng.choice(string.ascii_letters) + "".join(rng.choice(alnum + "!#%&") for _ in range(17))


def _credential(commit: Commit, rng: random.Random) -> Injection | None:
    spots = [(f, s) for f in _python_code(commit) for s in _statements(f, commit.new_contents[f.path])]
    if not spots:
        return None
    file, statement = rng.choice(spots)
    source = commit.new_contents[file.path]
    line = source.split("\n")[statement.lineno - 1]
    name, value = _token(rng)
    text = _replace(source, statement.lineno, statement.lineno, [f'{_indent(line)}{name} = "{value}"', line])
    return Injection("credential", {file.path: text}, (file.path, statement.lineno, statement.lineno),
                     f"{name} before line {statement.lineno} of {file.path}")


def _unused_import(commit: Commit, rng: random.Random) -> Injection | None:
    files = _python_code(commit)
    if not files:
        return None
    file = rng.choice(files)
    source = commit.new_contents[file.path]
    tree = parse_python(source)
    assert tree is not None
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | \
        {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    module = next((m for m in rng.sample(_IMPORTABLE, len(_IMPORTABLE)) if m not in names), None)
    if module is None:
        return None
    # After the leading imports (or the docstring), where an import goes.
    after = 0
    for index, node in enumerate(tree.body):
        docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, ast.Import | ast.ImportFrom) or docstring:
            after = node.end_lineno or node.lineno
        elif not isinstance(node, ast.If | ast.Try):  # `if TYPE_CHECKING:` and try-imports belong to the block
            break
    rows = source.split("\n")
    text = "\n".join([*rows[:after], f"import {module}", *rows[after:]])
    return Injection("unused-import", {file.path: text}, (file.path, after + 1, after + 1),
                     f"import {module} at line {after + 1} of {file.path}")


def _removed_test(commit: Commit) -> Injection | None:
    tests = [f for f in commit.files if is_test(f.path) and f.status != "deleted"]
    code = [f for f in commit.files if kind_of(f.path) == "code" and f.added]
    if not tests or not code:
        return None
    # Each test file back as the parent had it (None: the commit added it, so it goes).
    restored = {f.path: commit.old_contents.get(f.old_path or f.path) for f in tests}
    if any(f.status == "modified" and f.path not in commit.old_contents for f in tests):
        return None  # a test file the evaluation could not read at the parent
    return Injection("removed-test", restored, None, f"the changes to {len(tests)} test file(s) removed")


def _signature(commit: Commit, rng: random.Random) -> Injection | None:
    if any(kind_of(f.path) in ("docs", "changelog") for f in commit.files):
        return None  # documented: a signature change here is not the defect
    candidates = []
    for file in _python_code(commit):
        old = commit.old_contents.get(file.old_path or file.path)
        if file.status not in ("modified", "renamed") or not is_user_facing_code(file.path) or old is None:
            continue
        new_tree, old_tree = parse_python(commit.new_contents[file.path]), parse_python(old)
        if new_tree is None or old_tree is None:
            continue
        before = public_signatures(old_tree)
        for node in ast.walk(new_tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
                qualified = [name for name, s in public_signatures(new_tree).items() if s.first_line == node.lineno]
                if qualified and qualified[0] in before and before[qualified[0]].shape == \
                        public_signatures(new_tree)[qualified[0]].shape:
                    candidates.append((file, node, qualified[0]))
    if not candidates:
        return None
    file, node, name = rng.choice(candidates)
    source = commit.new_contents[file.path]
    header = copy.copy(node)
    header.decorator_list, header.body = [], [ast.Pass()]
    header.args = copy.copy(node.args)
    header.args.kwonlyargs = [*node.args.kwonlyargs, ast.arg("strict")]
    header.args.kw_defaults = [*node.args.kw_defaults, ast.Constant(False)]
    first_body = node.body[0].lineno
    # Decorators stay; the def's lines (up to its body) become one line with the new parameter.
    pad = _indent(source.split("\n")[node.lineno - 1])
    text = _replace(source, node.lineno, first_body - 1,
                    [pad + ast.unparse(ast.fix_missing_locations(header)).split("\n")[0]])
    return Injection("signature", {file.path: text}, (file.path, node.lineno, node.lineno),
                     f"`strict` added to {name}() at line {node.lineno} of {file.path}")


def inject(commit: Commit, kind: str, seed: int = 0) -> Injection | None:
    """The commit's files with one defect of `kind`, or None when this commit has no place for it."""
    rng = random.Random(f"{seed}:{commit.sha}:{kind}")
    if kind == "bare-except":
        return _wrap(commit, rng, "except:", "return", kind)
    if kind == "swallowed-error":
        return _wrap(commit, rng, "except Exception:", "pass", kind)
    if kind == "credential":
        return _credential(commit, rng)
    if kind == "unused-import":
        return _unused_import(commit, rng)
    if kind == "removed-test":
        return _removed_test(commit)
    if kind == "signature":
        return _signature(commit, rng)
    raise ValueError(kind)


def found(injection: Injection, comments: list[dict[str, Any]], checklist: dict[str, str]) -> bool:
    """Whether the review of the injected commit names the defect."""
    if injection.where is None:
        return checklist.get("tests") == "warn"
    path, first, last = injection.where
    return any(c["path"] == path and first <= c["line"] <= last and c["check"] in FOUND_BY[injection.kind]
               for c in comments)


@dataclass
class Outcome:
    """One commit's two reviews, as the evaluation scores them."""

    repository: str
    sha: str
    clean_comments: list[dict[str, Any]]
    kind: str | None = None
    detected: bool | None = None
    injected_comments: list[dict[str, Any]] = field(default_factory=list)
    # Posted comments on lines the commit did not add, in either review (the target is none).
    off_diff: int = 0
    seconds: float = 0.0


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    clean = [len(o.clean_comments) for o in outcomes]
    injected = [o for o in outcomes if o.kind is not None]
    by_kind: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        tried = [o for o in injected if o.kind == kind]
        by_kind[kind] = {"injected": len(tried), "found": sum(1 for o in tried if o.detected)}
    posted = sum(clean) + sum(len(o.injected_comments) for o in injected)
    checks = Counter(c["check"] for o in outcomes for c in o.clean_comments)
    return {
        "commits": len(outcomes),
        "repositories": dict(Counter(o.repository for o in outcomes)),
        "comments_per_clean_commit": round(mean(clean), 3) if clean else 0.0,
        "clean_commits_without_comments": round(sum(1 for n in clean if n == 0) / len(clean), 3) if clean else 0.0,
        "clean_comments_by_check": dict(checks.most_common()),
        "injected": len(injected),
        "recall": round(sum(1 for o in injected if o.detected) / len(injected), 3) if injected else 0.0,
        "recall_by_kind": {k: (round(v["found"] / v["injected"], 3) if v["injected"] else None)
                           for k, v in by_kind.items()},
        "injected_by_kind": {k: v["injected"] for k, v in by_kind.items()},
        "comments_posted": posted,
        "comments_on_unchanged_lines": sum(o.off_diff for o in outcomes),
        "share_on_unchanged_lines": round(sum(o.off_diff for o in outcomes) / posted, 4) if posted else 0.0,
        "seconds_per_review": round(mean(o.seconds for o in outcomes) / 2, 3) if outcomes else 0.0,
    }
