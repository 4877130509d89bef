"""`devrel release-notes`: the notes of a release, drafted from its history and printed.

    devrel release-notes --repo PATH|OWNER/NAME [--from REF] [--to REF] [--audience external|internal] [--llm]

A local clone is read with git (commits, co-authors, the public Python API at both refs); with
GitHub credentials configured and a GitHub origin, its pull requests add titles, labels, authors and
linked issues. OWNER/NAME alone reads the range through GitHub's API. Without --from, the nearest
tag before --to. The configured model, when there is one, rephrases lines; each rephrasing is
checked against the change it came from. A release-notes classifier published with
`devrel eval release-notes --publish` decides what unlabelled changes make the notes (else keyword
cues). Nothing is published: the draft is printed, and recorded in the activity log.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from devrel.activity import Action
from devrel.commands.common import command_settings
from devrel.ports import PortError
from devrel.release.changes import ReleaseError
from devrel.release.drafting import draft_notes
from devrel.runtime import build_llm, build_services, release_kinds, release_sources

_OWNER_NAME = re.compile(r"^[\w.-]+/[\w.-]+$")


def register(subparsers: Any) -> None:
    notes = subparsers.add_parser("release-notes", help="draft a release's notes from its history",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    notes.add_argument("--repo", required=True, help="a local clone (PATH) or OWNER/NAME on GitHub")
    notes.add_argument("--from", dest="from_ref", help="the previous release (default: the nearest tag before --to)")
    notes.add_argument("--to", dest="to_ref", default="HEAD", help="the release (default: HEAD)")
    notes.add_argument("--audience", choices=("external", "internal"), default="external")
    notes.add_argument("--title", help="the notes' heading (default: REPOSITORY TO)")
    model = notes.add_mutually_exclusive_group()
    model.add_argument("--no-llm", action="store_true", help="extractive lines only, even with a model configured")
    model.add_argument("--llm", action="store_true",
                       help="at the edge without a model server: start the local model to rephrase (checked) lines")
    notes.add_argument("--timings", action="store_true", help="print how long each step took (stderr)")
    notes.add_argument("--data-dir")
    notes.set_defaults(func=run_release_notes)


def run_release_notes(args: argparse.Namespace) -> int:
    repo = args.repo
    if not Path(repo).expanduser().is_dir() and not _OWNER_NAME.match(repo):
        raise SystemExit(f"release-notes: {repo!r} is neither a local clone nor OWNER/NAME")
    services = build_services(command_settings(args.data_dir))
    try:
        sources = release_sources(services, repo)
        llm = None if args.no_llm else services.llm
        if llm is None and args.llm:
            llm = build_llm(services.settings, services.secrets)
        kinds = release_kinds(services)
        draft = draft_notes(sources.history, args.from_ref, args.to_ref, model=kinds, llm=llm, pulls=sources.pulls,
                            files=sources.files, title=args.title)
    except ReleaseError as error:
        raise SystemExit(f"release-notes: {error}") from error
    except PortError as error:
        first_line = str(error).splitlines()[0] if str(error) else repr(error)
        raise SystemExit(f"release-notes: {first_line}") from error
    notes = draft.notes(args.audience)
    release = draft.release
    target = f"{release.web_url}/compare/{release.from_ref}...{release.to_ref}" if release.web_url \
        else f"{release.repository}@{release.from_ref}..{release.to_ref}"
    services.activity.record(Action(
        kind="release_draft", platform="github" if release.web_url else "console", target=target,
        status="dry-run", reason=f"{args.audience} release notes drafted on the command line (nothing published)",
        run=f"cli:{release.from_ref}..{release.to_ref}", detail=notes))
    print(notes, end="")
    if args.timings:
        timings = {step: round(seconds, 3) for step, seconds in draft.timings.items()}
        print(json.dumps({"commits": len(release.commits), "changes": len(draft.changes), "phrased": draft.phrased,
                          "kinds": "trained" if kinds is not None else "keywords", "seconds": timings}),
              file=sys.stderr)
    return 0
