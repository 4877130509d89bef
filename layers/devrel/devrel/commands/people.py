"""`devrel forget PLATFORM:ID` and `devrel export PLATFORM:ID`: a person's data, removed or handed over.

Both read the whole store (edge SQLite or the cloud's DynamoDB table, by DEVREL_MODE). Forget-me
deletes what identifies the person and anonymises what aggregates count (see records.PersonalData);
at the edge it also deletes their onboarding executions. In the cloud a running onboarding stops at
its next check (its record is gone); Step Functions keeps finished executions' history for 90 days.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from devrel.commands.common import command_settings
from devrel.ports import execution_name
from devrel.records import PLATFORMS, Person, PersonalData
from devrel.runtime import build_services, build_store, forget_executions
from devrel.usecases import interests


def register(subparsers: Any) -> None:
    for name, summary in (("forget", "delete every record about a person (anonymising what metrics count)"),
                          ("export", "print every record about a person as JSON")):
        parser = subparsers.add_parser(name, help=summary, description=__doc__)
        parser.add_argument("who", metavar="PLATFORM:ID", help="e.g. slack:U0ADA42, github:583231, discord:8012")
        parser.add_argument("--name", action="append", default=[],
                            help="another name they used there (the ones seen with the id are found)")
        parser.add_argument("--data-dir", help="edge data directory (default: DEVREL_DATA_DIR or ./.devrel)")
        if name == "export":
            parser.add_argument("--output", type=Path, help="write the JSON here instead of stdout")
        parser.set_defaults(func=run_forget if name == "forget" else run_export)


def parse_who(text: str) -> tuple[Any, str]:
    platform, _, person_id = text.partition(":")
    if platform not in PLATFORMS or not person_id.strip():
        raise SystemExit(f"expected PLATFORM:ID with PLATFORM one of {', '.join(PLATFORMS)}; got {text!r}")
    return platform, person_id.strip()


def _people(args: argparse.Namespace) -> tuple[Any, PersonalData, list[Person]]:
    """The person named, then the accounts they linked to that one (`/devrel link`): both commands cover all."""
    platform, person_id = parse_who(args.who)
    settings = command_settings(args.data_dir)
    data = PersonalData(build_store(settings))
    return settings, data, data.linked(platform, person_id, frozenset(args.name))


def run_export(args: argparse.Namespace) -> int:
    settings, data, (person, *linked) = _people(args)
    records = data.export(person, tuple(linked))
    # What is inferred from those records is theirs too: the interests shown to them, with the evidence.
    inferred = interests.PersonInterests(build_store(settings), time.time).of(person.platform, person.id)
    exported = json.dumps({**records, "interests": interests.export(inferred)}, indent=2, ensure_ascii=False,
                          default=str)
    if args.output:
        args.output.write_text(exported + "\n", encoding="utf-8")
        print(f"wrote {person.platform}:{person.id}'s records to {args.output}", file=sys.stderr)
    else:
        print(exported)
    return 0


def run_forget(args: argparse.Namespace) -> int:
    settings, data, people = _people(args)
    handoff = build_services(settings).handoff
    for person in people:
        handoff.forget_answers(person.platform, person.id)  # found through the records deleted next
        counts = data.forget(person)
        prefix = execution_name("onboarding", person.platform, person.id) + "-"
        executions = forget_executions(settings, settings.onboarding_state_machine, prefix)
        where = f", {executions} onboarding executions deleted" if executions is not None else \
            "; a running onboarding stops at its next check"
        print(f"forgot {person.platform}:{person.id}: {counts.get('deleted', 0)} records deleted, "
              f"{counts.get('anonymised', 0)} anonymised{where}")
    return 0
