"""`devrel eval language`: how often the language detector names the language of labelled short messages.

Data, either:
- the `language-testdata` folder of a lingua-py checkout (github.com/pemistahl/lingua-py, Leipzig
  Wortschatz text labelled by its corpus's language): for each of 13 languages the first 100
  sentences of at most 80 characters (`sentences/<language>.txt`) and the first 100 word pairs
  (`word-pairs/<language>.txt`);
- or tab-separated `language<TAB>kind<TAB>text` rows with a header, your own sample.
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
    parser.add_argument("--data", type=Path, required=True,
                        help="lingua-py's language-testdata folder, or labelled messages (language, kind, text; TSV)")
    parser.add_argument("--min-score", type=float, default=MIN_SCORE,
                        help=f"below this score the docs' language is assumed (default {MIN_SCORE})")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=run)


LINGUA_LANGUAGES = ("ar", "de", "en", "es", "fr", "hi", "it", "ja", "ko", "nl", "pt", "ru", "zh")
LINGUA_KINDS = {"sentences": "sentence", "word-pairs": "word-pair"}


def read_lingua_testdata(folder: Path, per_kind: int = 100, max_chars: int = 80) -> list[tuple[str, str, str]]:
    """(language, kind, text) from lingua-py's test data: short sentences and word pairs."""
    rows = []
    for language in LINGUA_LANGUAGES:
        for subfolder, kind in LINGUA_KINDS.items():
            path = folder / subfolder / f"{language}.txt"
            if not path.is_file():
                raise SystemExit(f"{folder}: no {subfolder}/{language}.txt (expected lingua-py's language-testdata)")
            lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
            picked = [line for line in lines if line and len(line) <= max_chars][:per_kind]
            rows += [(language, kind, text) for text in picked]
    return rows


def read_messages(path: Path) -> list[tuple[str, str, str]]:
    """(language, kind, text) rows; a file without any is an error naming what was expected."""
    if path.is_dir():
        return read_lingua_testdata(path)
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
