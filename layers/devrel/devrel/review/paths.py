"""What a changed file is, by its path: code, a test, docs, a changelog, a dependency manifest, or
something generated that nobody reviews line by line."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import PurePosixPath
from typing import Literal

FileKind = Literal["code", "test", "docs", "changelog", "dependencies", "config", "generated", "other"]

CODE_SUFFIXES = frozenset({
    ".py", ".pyi", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".go", ".rs", ".java", ".kt", ".rb", ".php",
    ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".swift", ".scala", ".sh", ".bash", ".lua", ".sql", ".vue",
})
DOC_SUFFIXES = frozenset({".md", ".rst", ".txt", ".adoc", ".ipynb"})
CHANGELOG_NAMES = ("changes", "changelog", "history", "news", "release-notes", "release_notes", "whatsnew")
# Folders whose files are news fragments (towncrier and the like): a changelog entry too.
CHANGELOG_DIRS = ("changelog.d", "changes", "newsfragments", "news", "changelog", "releasenotes")
DEPENDENCY_MANIFESTS = ("requirements*.txt", "requirements*.in", "requirements/*.txt", "pyproject.toml", "setup.cfg",
                        "package.json", "Pipfile", "environment.yml", "Cargo.toml", "go.mod", "Gemfile")
GENERATED = ("*.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "uv.lock", "Cargo.lock",
             "go.sum", "*.min.js", "*.min.css", "*_pb2.py", "*_pb2_grpc.py", "*.snap", "*.svg", "*.map",
             "vendor/*", "*/vendor/*", "third_party/*", "*/third_party/*", "node_modules/*", "dist/*")
TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs", "e2e", "integration_tests"})
# Code that is not part of what users import or run: its changes need no docs entry.
NOT_USER_FACING_DIRS = frozenset({"examples", "example", "scripts", "script", "tools", "benchmarks", "bench",
                                  "docs", "doc", ".github", "ci", ".ci", "devtools", "tasks"})


def _name(path: str) -> str:
    return PurePosixPath(path).name.lower()


def is_test(path: str) -> bool:
    parts = [part.lower() for part in PurePosixPath(path).parts]
    name = parts[-1] if parts else ""
    stem = PurePosixPath(name).stem
    return (any(part in TEST_DIRS for part in parts[:-1]) or stem.startswith("test_") or stem.endswith("_test")
            or stem.endswith(("_tests", ".test", ".spec")) or name == "conftest.py" or stem == "tests")


def is_changelog(path: str) -> bool:
    parts = [part.lower() for part in PurePosixPath(path).parts]
    stem = PurePosixPath(parts[-1]).stem if parts else ""
    return stem in CHANGELOG_NAMES or any(part in CHANGELOG_DIRS for part in parts[:-1])


def is_generated(path: str) -> bool:
    lowered = path.lower()
    return any(fnmatch(lowered, pattern) or fnmatch(_name(path), pattern) for pattern in GENERATED)


def is_dependency_manifest(path: str) -> bool:
    lowered = path.lower()
    return any(fnmatch(_name(path), pattern.lower()) or fnmatch(lowered, pattern.lower())
               for pattern in DEPENDENCY_MANIFESTS)


def kind_of(path: str) -> FileKind:
    suffix = PurePosixPath(path).suffix.lower()
    parts = [part.lower() for part in PurePosixPath(path).parts]
    if is_generated(path):
        return "generated"
    if is_changelog(path):
        return "changelog"
    if is_dependency_manifest(path):
        return "dependencies"
    if is_test(path):
        return "test"
    if suffix in DOC_SUFFIXES or (parts and parts[0] in ("docs", "doc")) or _name(path).startswith("readme"):
        return "docs"
    if suffix in CODE_SUFFIXES:
        return "code"
    if suffix in (".toml", ".cfg", ".ini", ".yml", ".yaml", ".json") or _name(path).startswith("."):
        return "config"
    return "other"


def is_user_facing_code(path: str) -> bool:
    """Code users import or run: not tests, examples, scripts or tooling, and not a private module."""
    if kind_of(path) != "code":
        return False
    parts = PurePosixPath(path).parts
    if any(part.lower() in NOT_USER_FACING_DIRS for part in parts[:-1]):
        return False
    stem = PurePosixPath(path).stem
    private = [part for part in (*parts[:-1], stem) if part.startswith("_") and not part.startswith("__")]
    return not private and stem not in ("setup", "noxfile", "conftest", "fabfile", "tasks", "manage")


def matches_any(path: str, patterns: list[str]) -> bool:
    """Whether `path` matches one of the maintainers' globs (`docs/**`, `*.lock`, `vendor/`)."""
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        if pattern.endswith("/"):
            pattern += "*"
        pattern = pattern.replace("**/", "*").replace("/**", "/*")
        if fnmatch(path, pattern) or fnmatch(path, pattern.lstrip("/")) or fnmatch(_name(path), pattern):
            return True
    return False
