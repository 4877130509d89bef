"""`devrel review`: the first-pass review of a local change, printed.

    devrel review --repo PATH --base REF [--head REF] [--json] [--max-comments N] [--no-llm]

The same review a pull request gets, on the diff from the merge base of BASE and HEAD to HEAD of a
local clone: the repository's `review:` switches from `.github/devrel.yml` and its contributing
guide and ruff configuration at the base, the deterministic checks, ruff when installed, and the
configured model's comments when there is one. Nothing is posted; the review is printed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from devrel.commands.common import command_settings
from devrel.models.catalog import ModelNotAvailable
from devrel.ports import PortError
from devrel.review.engine import review_changes
from devrel.review.model import Review, ReviewConfig
from devrel.review.render import comment_body
from devrel.runtime import build_services, local_changes, review_tools


def register(subparsers: Any) -> None:
    review = subparsers.add_parser("review", help="the first-pass review of a local change (nothing is posted)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    review.add_argument("--repo", required=True, help="a local clone")
    review.add_argument("--base", required=True, help="the branch or commit the change is compared with")
    review.add_argument("--head", default="HEAD", help="the change (default: HEAD)")
    review.add_argument("--json", action="store_true", help="one JSON object instead of text")
    review.add_argument("--max-comments", type=int, help="inline comments to keep (default: the repository's, 5)")
    review.add_argument("--no-llm", action="store_true", help="checks and linter only, even with a model configured")
    review.add_argument("--data-dir")
    review.set_defaults(func=run_review)


def _fail(message: str) -> SystemExit:
    # One line: the first line of whatever git or the model said.
    return SystemExit(f"review: {message.strip().splitlines()[0] if message.strip() else 'failed'}")


def run_review(args: argparse.Namespace) -> int:
    checkout = Path(args.repo).expanduser()
    if not checkout.is_dir():
        raise _fail(f"{args.repo!r} is not a folder")
    git = local_changes(checkout)
    try:
        changes = git.change_set(args.base, args.head)
        # The maintainers' switches as the base branch has them now, like GitHub's default branch.
        switches = git.review_config(git.resolve(args.base))
    except PortError as error:
        raise _fail(str(error)) from error
    try:
        config = ReviewConfig.model_validate(switches)
        if args.max_comments is not None:
            config = config.model_copy(update={"max_comments": args.max_comments})
    except ValidationError as error:
        raise _fail(f"the review section of .github/devrel.yml is invalid: {error.errors()[0]['msg']}") from error
    llm = None
    if not args.no_llm and config.model_comments:
        try:
            llm = build_services(command_settings(args.data_dir)).llm
        except (ModelNotAvailable, PortError) as error:
            raise _fail(f"the configured model is not available ({error}); --no-llm reviews without it") from error
    review = review_changes(changes, config, review_tools(llm))
    if args.json:
        print(json.dumps({"repository": changes.repository, "base": changes.base_sha, "head": changes.head_sha,
                          "enabled": config.enabled, **review.as_dict()}, indent=2))
    else:
        if not config.enabled:
            print("Note: .github/devrel.yml switches the review off here; pull requests get none.")
        print(as_text(review, changes.base_sha, changes.head_sha))
    return 0


def as_text(review: Review, base: str, head: str) -> str:
    """The summary as posted, then each inline comment under its `path:line`."""
    # The summary without its hidden marker and the footnote meant for the pull request's page.
    summary = [row for row in review.summary.splitlines()[1:] if not row.startswith("<sub>")]
    lines = [f"Review of {base[:12]}..{head[:12]}", "", "\n".join(summary).strip(), ""]
    if review.comments:
        lines.append(f"Inline comments ({len(review.comments)}):")
        for finding in review.comments:
            lines += ["", f"{finding.path}:{finding.line}: [{finding.severity}] {finding.check}",
                      *("    " + row if row else "" for row in comment_body(finding, False).splitlines()
                        if not row.startswith("<sub>"))]
    else:
        lines.append("No inline comments.")
    return "\n".join(lines)
