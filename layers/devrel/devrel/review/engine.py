"""One review of a change set: deterministic checks first, then the model's comments, filtered,
ranked and capped. Pure apart from the ports it is given (a linter, the LLM)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from statistics import median

from devrel.ports import LLM, Linter, PortError
from devrel.review import contributing, python
from devrel.review.dependencies import dependency_findings, new_dependencies
from devrel.review.diff import DiffLimits, FileDiff, cap
from devrel.review.model import ChangeSet, CheckItem, Finding, Review, ReviewConfig
from devrel.review.model_comments import ModelLimits, keep_useful, propose
from devrel.review.paths import is_user_facing_code, kind_of, matches_any
from devrel.review.render import render_summary
from devrel.review.secrets import secret_findings

log = logging.getLogger(__name__)

# Added lines of code below which "no test changed" is not worth saying (a one-line fix).
MIN_CODE_LINES_FOR_TESTS = 5
# Without enough history to know the project's norm, a change is large past these.
DEFAULT_LARGE = (800, 40)
MIN_HISTORY = 20
# Lint rule families about behaviour (pyflakes, syntax and runtime errors, bugbear, bandit, broad
# excepts): posted inline. Every other rule (layout, naming, typing style, a newer ruff's rules the
# project's CI does not run yet) is counted in the checklist only: the project's own CI shows it.
BEHAVIOUR_RULE_FAMILIES = frozenset({"F", "B", "S", "PLE", "BLE", "ASYNC"})
BEHAVIOUR_RULE_PREFIXES = ("E7", "E9")
# Files whose order of review matters when a diff is capped: code first, docs last.
_PRIORITY = {"code": 0, "test": 1, "dependencies": 2, "config": 3, "changelog": 4, "docs": 5, "other": 6,
             "generated": 7}


@dataclass(frozen=True)
class ReviewTools:
    linter: Linter | None = None
    llm: LLM | None = None
    # The license of an installed Python distribution, from its metadata (None when unknown).
    license_of: Callable[[str], str | None] = lambda name: None
    model_limits: ModelLimits = field(default_factory=ModelLimits)


def _substantive(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith(("#", "//", "/*", "*", '"""', "'''", "import ", "from ")) \
        and stripped not in ("pass", "...", ")", "]", "}", "):", "else:", "try:", "finally:")


def _prepare(changes: ChangeSet, config: ReviewConfig) -> tuple[list[FileDiff], list[str]]:
    """Files to review: skipped paths and generated files out; capped to the limits, code first."""
    notes: list[str] = []
    kept: list[FileDiff] = []
    skipped = 0
    for file in changes.files:
        if matches_any(file.path, config.skip_paths) or (file.old_path and matches_any(file.old_path,
                                                                                        config.skip_paths)):
            skipped += 1
            continue
        kept.append(file)
    if skipped:
        notes.append(f"{skipped} file{'s' if skipped != 1 else ''} skipped by the repository's `skip_paths`.")
    ordered = sorted(kept, key=lambda f: _PRIORITY[kind_of(f.path)])
    capped, cap_notes = cap(ordered, DiffLimits(config.max_files, config.max_changed_lines))
    by_path = {f.path: f for f in capped}
    binary = [f.path for f in kept if f.binary]
    withheld = [f.path for f in kept if f.omitted == "too large to show"]
    if binary:
        notes.append(f"{len(binary)} binary file{'s' if len(binary) != 1 else ''} not reviewed: "
                     + ", ".join(f"`{p}`" for p in binary[:5]) + (" ..." if len(binary) > 5 else "") + ".")
    if withheld:
        notes.append(f"{len(withheld)} file{'s' if len(withheld) != 1 else ''} too large for the host to show a "
                     "diff of: not reviewed.")
    return [by_path[f.path] for f in kept], notes + cap_notes


def _lint(files: list[FileDiff], changes: ChangeSet, linter: Linter | None,
          owned: set[tuple[str | None, int | None]]) -> tuple[list[Finding], CheckItem]:
    """The linter's findings on added lines that no deterministic check already speaks for."""
    python_files = {f.path: changes.new_contents[f.path] for f in files
                    if f.path.endswith((".py", ".pyi")) and f.added and f.path in changes.new_contents}
    if not python_files:
        return [], CheckItem("lint", "skipped", "no Python lines added")
    if linter is None:
        return [], CheckItem("lint", "skipped", "no linter available where this review ran")
    try:
        found = linter.lint(python_files, changes.lint_config, changes.layout)
    except PortError as error:
        return [], CheckItem("lint", "skipped", f"{linter.name} failed: {str(error)[:120]}")
    where = "the repository's configuration" if changes.lint_config else "its default rules"
    by_path = {f.path: f for f in files}
    findings: list[Finding] = []
    for item in found:
        file = by_path.get(item.path)
        if file is None or not file.is_added(item.line):
            continue  # only what this change added: old findings are not its doing
        if (item.path, item.line) in owned:
            continue  # a check already explains this line (a bare except beats E722)
        family = item.code.rstrip("0123456789")  # "SIM117" is flake8-simplify's, not bandit's "S"
        behaviour = family in BEHAVIOUR_RULE_FAMILIES or item.code.startswith(BEHAVIOUR_RULE_PREFIXES) \
            or item.code == "syntax-error"
        findings.append(Finding(check=f"lint:{item.code}", severity="low" if behaviour else "info",
                                message=f"{item.code}: {item.message}" if item.code else item.message,
                                why=f"Reported by {linter.name} with {where}.",
                                path=item.path, line=item.line, source="lint", line_text=file.added[item.line]))
    text = (f"{len(findings)} {linter.name} finding{'s' if len(findings) != 1 else ''} on added lines ({where})"
            if findings else f"{linter.name} ({where}): nothing on added lines")
    return findings, CheckItem("lint", "warn" if findings else "ok", text)


def _size(changes: ChangeSet, files: list[FileDiff]) -> CheckItem:
    lines = sum(f.changed_lines for f in files)
    count = len(files)
    history = changes.size_history
    if len(history) >= MIN_HISTORY:
        ranked_lines = sorted(h[0] for h in history)
        ranked_files = sorted(h[1] for h in history)
        p90 = ranked_lines[int(0.9 * (len(ranked_lines) - 1))], ranked_files[int(0.9 * (len(ranked_files) - 1))]
        limit = (max(p90[0], 200), max(p90[1], 10))
        norm = (f"typical here: {int(median(ranked_lines))} lines in {int(median(ranked_files))} files; "
                f"9 in 10 changes stay under {p90[0]} lines and {p90[1]} files")
    else:
        limit = DEFAULT_LARGE
        norm = f"large past {limit[0]} lines or {limit[1]} files"
    text = f"{lines:,} changed lines in {count} file{'s' if count != 1 else ''} ({norm})"
    if lines > limit[0] or count > limit[1]:
        return CheckItem("size", "warn", text + ": consider splitting it, smaller changes get reviewed sooner")
    return CheckItem("size", "ok", text)


def review_changes(changes: ChangeSet, config: ReviewConfig, tools: ReviewTools) -> Review:
    """The review of `changes` under `config`: every finding ranked, and the inline ones to post."""
    files, notes = _prepare(changes, config)
    notes = [*changes.notes, *notes]
    findings: list[Finding] = []
    checklist: list[CheckItem] = []
    kinds = Counter(kind_of(f.path) for f in files)

    # Tests: code added, no test touched.
    code_lines = sum(1 for f in files if kind_of(f.path) == "code" for text in f.added.values() if _substantive(text))
    if kinds["test"]:
        checklist.append(CheckItem("tests", "ok", f"{kinds['test']} test file{'s' if kinds['test'] != 1 else ''} "
                                                  "changed"))
    elif code_lines >= MIN_CODE_LINES_FOR_TESTS:
        checklist.append(CheckItem("tests", "warn", f"{code_lines} lines of code added and no test changed"))
    else:
        checklist.append(CheckItem("tests", "ok", "no new behaviour that needs a test"))

    # Public API: added or changed signatures in user-facing Python modules.
    documented = bool(kinds["docs"] or kinds["changelog"])
    api: list[tuple[FileDiff, list[python.ApiChange]]] = []
    for file in files:
        if file.path.endswith(".py") and is_user_facing_code(file.path) and file.path in changes.new_contents \
                and file.added:
            old = changes.old_contents.get(file.old_path or file.path)
            found = python.api_changes(file, changes.new_contents[file.path], old)
            if found:
                api.append((file, found))
    changed_api = [c.name for _, found in api for c in found if c.kind == "changed"]
    added_api = [c.name for _, found in api for c in found if c.kind == "added"]
    if not documented:
        for file, found in api:
            findings.extend(python.signature_findings(file, found))
    if (changed_api or added_api) and not documented:
        named = ", ".join(f"`{name}()`" for name in (changed_api + added_api)[:4])
        what = "changes" if changed_api else "adds"
        checklist.append(CheckItem("docs", "warn", f"{what} public API ({named}) with no docs or changelog entry"))
    elif documented:
        parts = [p for p, n in (("docs", kinds["docs"]), ("changelog", kinds["changelog"])) if n]
        checklist.append(CheckItem("docs", "ok", " and ".join(parts) + " updated"))
    else:
        checklist.append(CheckItem("docs", "ok", "no user-facing change found that needs docs"))

    checklist.append(_size(changes, files))

    # Error handling in added Python lines.
    for file in files:
        if file.path.endswith(".py") and file.added and file.path in changes.new_contents:
            findings.extend(python.error_handling_findings(file, changes.new_contents[file.path]))

    lint_at = len(checklist)  # the lint item keeps its place; it is computed once every check has run

    secrets = [finding for file in files for finding in secret_findings(file)]
    findings.extend(secrets)
    checklist.append(CheckItem("secrets", "warn" if secrets else "ok",
                               f"{len(secrets)} added line{'s look' if len(secrets) != 1 else ' looks'} like a "
                               "credential"
                               if secrets else "no credentials found in added lines"))

    dependencies = [dep for file in files if kind_of(file.path) == "dependencies"
                    for dep in new_dependencies(file, changes.new_contents.get(file.path))]
    findings.extend(dependency_findings(dependencies, tools.license_of))
    if dependencies:
        checklist.append(CheckItem("dependencies", "info", "new: " + ", ".join(
            f"`{d.name}`" for d in dependencies[:6])))

    rules = contributing.rules(changes.contributing[1] if changes.contributing else None, config.title_pattern,
                               config.require_signoff)
    if rules.title_pattern:
        ok = contributing.title_ok(changes.title, rules.title_pattern)
        checklist.append(CheckItem("title", "ok" if ok else "warn",
                                   f"follows {rules.title_convention}" if ok
                                   else f"does not follow {rules.title_convention}"))
    if rules.signoff and changes.commits:
        missing = contributing.unsigned(changes.commits)
        checklist.append(CheckItem("sign-off", "warn" if missing else "ok",
                                   f"{missing} of {len(changes.commits)} commits lack `Signed-off-by:` "
                                   "(`git commit -s` adds it)" if missing else "every commit is signed off"))

    # The deterministic findings own their lines; lint adds what is left; the model comes last.
    owned = {(f.path, f.line) for f in findings if f.inline}
    lint_findings, lint_item = _lint(files, changes, tools.linter, owned)
    checklist.insert(lint_at, lint_item)
    findings = _one_per_line(findings + lint_findings)
    model: dict[str, object] = {}
    if tools.llm is not None and config.model_comments:
        reviewed = replace(changes, files=files)
        proposed, problems = propose(tools.llm, reviewed, tools.model_limits)
        kept, dropped = keep_useful(proposed, reviewed, findings)
        findings += kept
        model = {"proposed": len(proposed), "kept": len(kept), "dropped": dict(dropped), "errors": problems}
    findings.sort(key=Finding.rank)
    comments = [f for f in findings if f.inline and not (f.source == "lint" and f.severity == "info")
                ][: config.max_comments]

    risk, reasons = _risk(findings, files, checklist)
    review = Review(summary="", checklist=checklist, risk=risk, risk_reasons=reasons, findings=findings,
                    comments=comments, notes=notes, changes=_what_changes(files),
                    additions=sum(f.additions for f in files), deletions=sum(f.deletions for f in files),
                    files=len(files), model=model)
    review.summary = render_summary(review, changes)
    return review


def _one_per_line(findings: list[Finding]) -> list[Finding]:
    """At most one finding per added line: the highest ranked (a bare except beats ruff's E722)."""
    best: dict[tuple[str | None, int | None], Finding] = {}
    general: list[Finding] = []
    for finding in sorted(findings, key=Finding.rank):
        if not finding.inline:
            general.append(finding)
        elif (finding.path, finding.line) not in best:
            best[(finding.path, finding.line)] = finding
    return general + list(best.values())


def _risk(findings: list[Finding], files: list[FileDiff], checklist: list[CheckItem]) -> tuple[str, list[str]]:
    reasons: list[str] = []
    high = [f for f in findings if f.severity == "high"]
    if high:
        reasons.append(f"{len(high)} possible credential{'s' if len(high) != 1 else ''} in added lines")
    paths = [f.path for f in files]
    if any(p.startswith(".github/workflows/") for p in paths):
        reasons.append("changes CI workflows")
    if any(kind_of(p) == "dependencies" for p in paths):
        reasons.append("changes dependency manifests")
    if any(f.status == "deleted" and kind_of(f.path) == "code" for f in files):
        reasons.append("deletes code files")
    warned = {item.name for item in checklist if item.status == "warn"}
    if "size" in warned:
        reasons.append("large for this project")
    if "tests" in warned:
        reasons.append("new code without tests")
    if any(f.check in ("signature-change", "swallowed-error", "bare-except") for f in findings):
        reasons.append("changes public API or error handling")
    level = "high" if high else ("medium" if len(reasons) >= 2 else "low")
    return level, reasons


def _what_changes(files: list[FileDiff]) -> str:
    if not files:
        return "no files"
    by_kind = Counter(kind_of(f.path) for f in files)
    areas = Counter(f.path.split("/", 1)[0] if "/" in f.path else "(root)" for f in files)
    kinds = ", ".join(f"{n} {kind}" for kind, n in by_kind.most_common())
    top = ", ".join(f"`{area}`" for area, _ in areas.most_common(3))
    special = []
    for status in ("added", "deleted", "renamed"):
        n = sum(1 for f in files if f.status == status)
        if n:
            special.append(f"{n} {status}")
    tail = f"; {', '.join(special)}" if special else ""
    return f"{len(files)} file{'s' if len(files) != 1 else ''} ({kinds}) in {top}{tail}"
