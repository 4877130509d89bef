"""What a file is to a reader, by its path: source (docs and code), test, fixture, template or generated."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_TEST_DIRS = frozenset({"test", "tests", "testing", "spec", "specs", "__tests__"})
_FIXTURE_DIRS = frozenset({"fixtures", "fixture", "testdata", "test_data", "__snapshots__", "snapshots"})
_GENERATED_DIRS = frozenset({"generated", "gen", "dist", "build", "_build"})
# Text a program renders or sends to a model (page templates, prompts): it reads like documentation
# but is written for the program, not for a person asking how to use the project.
_TEMPLATE_DIRS = frozenset({"templates", "_templates", "prompts"})
_GENERATED_SUFFIXES = ("_pb2.py", "_pb2_grpc.py", ".min.js", ".min.css", ".generated.py", ".g.dart")
# A question that names tests or fixtures wants them: no demotion then. "pytest" alone does not count.
_ASKS_FOR_TESTS = re.compile(r"\b(?:unit[- ]?)?(?:tests?|testing|fixtures?|conftest|mocks?|generated)\b", re.I)


def source_role(path: str) -> str:
    """"test", "fixture", "generated", "template" or "source" (docs and code), by path alone."""
    parts = [part.lower() for part in PurePosixPath(path).parts]
    if not parts:
        return "source"
    name, folders = parts[-1], parts[:-1]
    if any(part in _FIXTURE_DIRS for part in folders):
        return "fixture"
    if name.endswith(_GENERATED_SUFFIXES) or any(part in _GENERATED_DIRS for part in folders):
        return "generated"
    stem = PurePosixPath(name).stem
    if (
        any(part in _TEST_DIRS for part in folders)
        or stem.startswith("test_")
        or stem.endswith(("_test", "_tests", ".test", ".spec"))
        or stem == "conftest"
    ):
        return "test"
    if any(part in _TEMPLATE_DIRS for part in folders):
        return "template"
    return "source"


def asks_for_tests(query: str) -> bool:
    return bool(_ASKS_FOR_TESTS.search(query))
