"""`devrel eval language`: how often the language detector names the language of labelled short messages.

Data: tab-separated `language<TAB>kind<TAB>text` rows with a header (tests/fixtures/language/
short_messages.tsv: Leipzig Wortschatz sentences of at most 80 characters and word pairs, 13 languages).
A message the detector is unsure about counts as the docs' language, as it does when answering.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from devrel.knowledge.language import MIN_SCORE, detect_language


def register_eval(eval_subparsers: Any) -> None:
    parser = eval_subparsers.add_parser("language", help="language detection: accuracy on labelled short messages",
                                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="labelled messages (language, kind, text; TSV)")
    parser.add_argument("--min-score", type=float, default=MIN_SCORE,
                        help=f"below this score the docs' language is assumed (default {MIN_SCORE})")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=run)


def read_messages(path: Path) -> list[tuple[str, str, str]]:
    """(language, kind, text) rows; a file without any is an error naming what was expected."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(row["language"].strip(), row["kind"].strip(), row["text"])
                for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                if row.get("language") and row.get("text")]
    if not rows:
        raise SystemExit(f"{path}: no rows with a `language`, `kind` and `text` column (tab-separated, with a header)")
    return rows


def evaluate(rows: list[tuple[str, str, str]], min_score: float = MIN_SCORE) -> dict[str, Any]:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    mistaken: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for language, kind, text in rows:
        found = detect_language(text, min_score)
        for group in ("all", f"kind:{kind}", f"language:{language}"):
            total[group] += 1
            right[group] += found == language
        if found != language:
            mistaken[language][found] += 1
    return {"messages": len(rows), "min_score": min_score,
            "accuracy": {group: round(right[group] / total[group], 4) for group in sorted(total)},
            "confused_with": {language: dict(found.most_common(3)) for language, found in sorted(mistaken.items())}}


def run(args: argparse.Namespace) -> int:
    result = evaluate(read_messages(args.data), args.min_score)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    accuracy = result["accuracy"]
    print(f"{result['messages']} messages, unsure below {result['min_score']}: accuracy {accuracy['all']:.3f}")
    for group, value in accuracy.items():
        if group != "all":
            print(f"  {group:22s} {value:.3f}")
    return 0
