"""New dependencies a change adds to a manifest (requirements files, pyproject.toml, package.json),
with their license when package metadata for them is at hand (no network: an installed
distribution's metadata, looked up by the caller-supplied `license_of`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from devrel.review.diff import FileDiff
from devrel.review.model import Finding

# A PEP 508 requirement's name (before extras, versions, markers).
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([<>=!~;@ ]|$)")
_QUOTED = re.compile(r"""^\s*["']([^"']+)["']\s*,?\s*(#.*)?$""")
_PYPROJECT_SECTIONS = re.compile(r"^\s*(dependencies|requires|optional-dependencies|dev-dependencies|"
                                 r"[A-Za-z0-9_-]+)\s*=\s*\[")
_TABLE = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_JSON_ENTRY = re.compile(r'^\s*"(@?[A-Za-z0-9._/-]+)"\s*:\s*"[^"]*"\s*,?\s*$')
_JSON_BLOCKS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class NewDependency:
    name: str
    path: str
    line: int
    ecosystem: str  # "python" or "npm"


def _requirement_name(text: str) -> str | None:
    text = text.split("#", 1)[0].strip()
    if not text or text.startswith(("-", "git+", "http:", "https:", "file:", ".")):
        return None
    found = _REQUIREMENT.match(text)
    return found.group(1) if found else None


def _pyproject_dependency_lines(source: str) -> set[int]:
    """Line numbers inside a dependency array of pyproject.toml (project, optional, build, groups)."""
    inside: set[int] = set()
    table = ""
    depth = 0
    for number, line in enumerate(source.split("\n"), start=1):
        header = _TABLE.match(line)
        if header and depth == 0:
            table = header.group(1).strip()
            continue
        if depth:
            inside.add(number)
            depth += line.count("[") - line.count("]")
            continue
        array = _PYPROJECT_SECTIONS.match(line)
        if array is None:
            continue
        key = array.group(1)
        dependency_table = table in ("project.optional-dependencies", "dependency-groups", "build-system") or \
            table.endswith("dev-dependencies")
        if key in ("dependencies", "requires") or dependency_table:
            depth = line.count("[") - line.count("]")
            if depth == 0:
                inside.add(number)  # a one-line array
    return inside


def _json_dependency_lines(source: str) -> set[int]:
    inside: set[int] = set()
    block = False
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if any(stripped.startswith(f'"{name}"') for name in _JSON_BLOCKS) and stripped.endswith("{"):
            block = True
            continue
        if block and stripped.startswith("}"):
            block = False
        elif block:
            inside.add(number)
    return inside


def new_dependencies(file: FileDiff, new_source: str | None) -> list[NewDependency]:
    """Dependencies named on added lines that no removed line named (a version bump is not new)."""
    name = PurePosixPath(file.path).name.lower()
    found: list[NewDependency] = []
    removed: set[str] = set()
    if name == "package.json":
        lines = _json_dependency_lines(new_source or "")
        for text in file.removed:
            entry = _JSON_ENTRY.match(text)
            if entry:
                removed.add(entry.group(1).lower())
        for number, text in sorted(file.added.items()):
            entry = _JSON_ENTRY.match(text)
            if number in lines and entry and entry.group(1).lower() not in removed:
                found.append(NewDependency(entry.group(1), file.path, number, "npm"))
        return found
    if name == "pyproject.toml":
        lines = _pyproject_dependency_lines(new_source or "")

        def requirement(text: str) -> str | None:
            quoted = _QUOTED.match(text)
            return _requirement_name(quoted.group(1)) if quoted else None
    elif name.endswith((".txt", ".in")) and "requirements" in file.path.lower():
        lines = set(file.added)
        requirement = _requirement_name
    else:
        return []
    removed = {normalise(n) for text in file.removed if (n := requirement(text))}
    for number, text in sorted(file.added.items()):
        dependency = requirement(text) if number in lines else None
        if dependency and normalise(dependency) not in removed:
            found.append(NewDependency(dependency, file.path, number, "python"))
    return found


def dependency_findings(dependencies: list[NewDependency], license_of: Callable[[str], str | None]
                        ) -> list[Finding]:
    findings: list[Finding] = []
    for dependency in dependencies:
        license_name = license_of(dependency.name) if dependency.ecosystem == "python" else None
        said = f"license: {license_name}, from its package metadata" if license_name else \
            "its license could not be read offline"
        findings.append(Finding(
            check="new-dependency", severity="info", path=dependency.path, line=dependency.line,
            line_text=f"{dependency.ecosystem}:{normalise(dependency.name)}",
            message=f"New dependency `{dependency.name}` ({said}).",
            why="Every dependency is code the project ships and maintains from now on: check that its license "
                "fits the project's and that it is maintained."))
    return findings
