"""What a review says: the summary comment (what the change does, the checklist, the risk) and the
inline comments. First-time contributors get the kind version: a welcome, suggestions rather than
verdicts, and a link to the contributing guide."""

from __future__ import annotations

from devrel.platforms.text import break_mentions
from devrel.review.model import ChangeSet, Finding, Review

# Hidden in the summary: how the assistant recognises its own summary comment.
SUMMARY_MARKER = "<!-- devrel:review-summary -->"
ICONS = {"ok": "✅", "warn": "⚠️", "info": "\N{INFORMATION SOURCE}\N{VARIATION SELECTOR-16}",
         "skipped": "\N{HEAVY MINUS SIGN}"}
NAMES = {"tests": "Tests", "docs": "Docs and changelog", "size": "Size", "lint": "Lint", "secrets": "Secrets",
         "dependencies": "New dependencies", "title": "Title", "sign-off": "Sign-off"}


def render_summary(review: Review, changes: ChangeSet) -> str:
    kind = changes.first_time
    welcome = ""
    lines: list[str] = []
    if kind:
        author = f"@{changes.author}" if changes.author else "there"
        guide = f" The [contributing guide]({changes.contributing_url}) explains how things work here." \
            if changes.contributing_url else ""
        welcome = (f"Welcome, and thank you for your first pull request here, {author}! This is an automatic first "
                   "look to help it along; a maintainer will review it too. Nothing below is a blocker on its own."
                   + guide + "\n\n")
    size = f"+{review.additions} \N{MINUS SIGN}{review.deletions}"
    lines += [f"**What it changes:** {review.changes}, {size}.", "", "**Checklist**"]
    for item in review.checklist:
        text = item.text
        if kind and item.status == "warn":
            text = _gently(item.name, text)
        lines.append(f"- {ICONS[item.status]} {NAMES.get(item.name, item.name)}: {text}")
    reasons = f" ({'; '.join(review.risk_reasons)})" if review.risk_reasons else ""
    lines += ["", f"**Risk:** {review.risk}{reasons}"]
    inline = [f for f in review.findings if f.inline]
    if inline:
        posted = {id(f) for f in review.comments}
        left = len(inline) - len(review.comments)
        rest = _tally([f for f in inline if id(f) not in posted])
        more = f"; {left} lower-ranked one{'s' if left != 1 else ''} not posted: {rest}" if left > 0 else ""
        lines.append(f"**Inline comments:** {len(review.comments)}{more}")
    if review.notes:
        lines += ["", *[f"_Note: {note}_" for note in review.notes]]
    lines += ["", "<sub>Automatic first pass: each comment points at a line this pull request adds. A wrong "
                  "comment? Say so in a reply; it helps tune the checks.</sub>"]
    # Only the welcome mentions anyone (the author); everything else is made inert.
    return f"{SUMMARY_MARKER}\n### First-pass review\n\n{welcome}" + break_mentions("\n".join(lines))


def _gently(name: str, text: str) -> str:
    tips = {"tests": "a test that shows the new behaviour would make this much easier to merge",
            "docs": "a line in the docs or the changelog would help users find it",
            "size": "if it can be split, smaller pieces usually get reviewed sooner",
            "title": "the title convention is explained in the contributing guide",
            "sign-off": "`git commit -s --amend` (or `git rebase --signoff`) adds the sign-off"}
    tip = tips.get(name)
    return f"{text} — {tip}" if tip and tip not in text else text


def _tally(findings: list[Finding]) -> str:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.check] = counts.get(finding.check, 0) + 1
    return ", ".join(f"{n} {check}" for check, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def comment_body(finding: Finding, first_time: bool) -> str:
    """One inline comment: what is wrong and why, said kindly to a newcomer."""
    lead = "Suggestion: " if first_time and finding.severity != "high" else ""
    body = f"{lead}{finding.message}"
    if finding.why:
        body += f"\n\n{finding.why}"
    source = {"check": "check", "lint": "linter", "model": "model"}[finding.source]
    return f"{body}\n\n<sub>devrel {source}: `{finding.check}`</sub>"


def review_body(review: Review, new: list[Finding], first_time: bool) -> str:
    """The short text of one review (the summary comment holds the rest)."""
    count = f"{len(new)} comment{'s' if len(new) != 1 else ''}"
    if first_time:
        return f"Thanks for the contribution! {count} below, each on a line this pull request adds."
    return f"First-pass review: {count} on added lines. The summary comment has the checklist."
