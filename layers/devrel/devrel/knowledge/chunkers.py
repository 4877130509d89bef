"""Split files into passages along their own structure.

Markdown and reStructuredText split at headings (the title is the heading trail), Python along its
syntax tree (modules, classes, functions and methods, with their line ranges), anything else at
blank-line blocks. Every splitter caps a passage at `max_lines` so it fits the embedder's window.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from devrel.knowledge.credentials import is_secrets_file
from devrel.knowledge.documents import Chunk, ChunkKind
from devrel.python_source import parse_python

MAX_LINES = 40
# Chunks this short carry too little meaning alone; neighbours are merged up to this size.
MIN_LINES = 4


@dataclass(frozen=True)
class Span:
    """Lines [start, end] (1-based, inclusive) of one file, and what they are called."""

    start: int
    end: int
    title: str


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _windows(span: Span, max_lines: int) -> list[Span]:
    """Cut an over-long span into consecutive windows, numbered in the title."""
    if span.end - span.start + 1 <= max_lines:
        return [span]
    out = []
    for part, start in enumerate(range(span.start, span.end + 1, max_lines), start=1):
        out.append(Span(start, min(start + max_lines - 1, span.end), f"{span.title} (part {part})"))
    return out


def _pack_blocks(lines: list[str], start: int, end: int, title: str, max_lines: int) -> list[Span]:
    """Group blank-line-separated blocks of lines [start, end] into spans of at most max_lines."""
    blocks: list[tuple[int, int]] = []
    block_start: int | None = None
    for number in range(start, end + 1):
        blank = not lines[number - 1].strip()
        if not blank and block_start is None:
            block_start = number
        if blank and block_start is not None:
            blocks.append((block_start, number - 1))
            block_start = None
    if block_start is not None:
        blocks.append((block_start, end))
    spans: list[Span] = []
    current: tuple[int, int] | None = None
    for block in blocks:
        if current and block[1] - current[0] + 1 <= max_lines:
            current = (current[0], block[1])
            continue
        if current:
            spans.append(Span(current[0], current[1], title))
        current = block
    if current:
        spans.append(Span(current[0], current[1], title))
    return [window for span in spans for window in _windows(span, max_lines)]


# --- Markdown ------------------------------------------------------------------------------------

_ATX_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line number, level, text) of every ATX heading outside fenced code."""
    found = []
    in_fence = False
    for number, line in enumerate(lines, start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else _ATX_HEADING.match(line)
        if match:
            found.append((number, len(match.group(1)), match.group(2)))
    return found


# --- reStructuredText ----------------------------------------------------------------------------

_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")


def rst_headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line number of the title, level, text) for underlined (optionally overlined) titles.

    Levels follow the order in which adornment styles first appear, as docutils does.
    """
    styles: list[tuple[str, bool]] = []
    found = []
    number = 0
    while number < len(lines) - 1:
        title, under = lines[number], lines[number + 1]
        match = _ADORNMENT.match(under)
        if (
            title.strip()
            and not title.startswith(" ")
            and not _ADORNMENT.match(title)
            and match
            and len(under.rstrip()) >= len(title.rstrip()) - 2
        ):
            overlined = number > 0 and lines[number - 1].strip() == under.strip()
            style = (match.group(1), overlined)
            if style not in styles:
                styles.append(style)
            found.append((number + 1, styles.index(style) + 1, title.strip()))
            number += 2
            continue
        number += 1
    return found


def _sections(
    lines: list[str],
    headings: list[tuple[int, int, str]],
    fallback_title: str,
    max_lines: int,
    heading_lines: Callable[[int], int],
) -> list[Span]:
    """Spans from each heading to the next, titled by the heading trail ("Guide > Install")."""
    spans: list[Span] = []
    trail: list[tuple[int, str]] = []
    first = headings[0][0] if headings else len(lines) + 1
    # Text before the first heading (front matter, badges, module docs).
    first_start = max(1, first - heading_lines(first) + 1) if headings else len(lines) + 1
    if first_start > 1:
        spans += _pack_blocks(lines, 1, first_start - 1, fallback_title, max_lines)
    for index, (number, level, text) in enumerate(headings):
        trail = [(lvl, t) for lvl, t in trail if lvl < level] + [(level, text)]
        start = number - heading_lines(number) + 1
        if index + 1 < len(headings):
            next_number = headings[index + 1][0]
            end = next_number - heading_lines(next_number)
        else:
            end = len(lines)
        title = " > ".join(t for _, t in trail)
        body = [line for line in lines[number:end] if line.strip() and not _ADORNMENT.match(line)]
        if not body:
            continue  # a heading with nothing under it lives on in its children's titles
        if end - start + 1 <= max_lines:
            spans.append(Span(start, end, title))
        else:
            spans += _pack_blocks(lines, start, end, title, max_lines)
    return spans


def markdown_spans(lines: list[str], title: str, max_lines: int = MAX_LINES) -> list[Span]:
    return _sections(lines, markdown_headings(lines), title, max_lines, lambda _number: 1)


def rst_spans(lines: list[str], title: str, max_lines: int = MAX_LINES) -> list[Span]:
    def heading_lines(number: int) -> int:
        # An overlined title starts one line above its text.
        above = lines[number - 2].strip() if number >= 2 else ""
        return 2 if above and _ADORNMENT.match(above) else 1

    return _sections(lines, rst_headings(lines), title, max_lines, heading_lines)


# --- Python --------------------------------------------------------------------------------------

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _node_start(node: ast.stmt, lines: list[str]) -> int:
    """First line of a statement including its decorators and the comments right above it."""
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(d.lineno for d in decorators)])
    while start > 1 and lines[start - 2].lstrip().startswith("#"):
        start -= 1
    return start


def _python_body(body: list[ast.stmt], lines: list[str], prefix: str, fallback: str, max_lines: int) -> list[Span]:
    spans: list[Span] = []
    loose: list[tuple[int, int]] = []  # consecutive statements that are not definitions

    def flush() -> None:
        if loose:
            spans.extend(_pack_blocks(lines, loose[0][0], loose[-1][1], fallback, max_lines))
            loose.clear()

    for node in body:
        start, end = _node_start(node, lines), node.end_lineno or node.lineno
        if not isinstance(node, _DEFINITIONS):
            loose.append((start, end))
            continue
        flush()
        name = f"{prefix}{node.name}"
        kind = "class" if isinstance(node, ast.ClassDef) else "def"
        if end - start + 1 <= max_lines or kind == "def":
            spans += _windows(Span(start, end, f"{kind} {name}"), max_lines)
            continue
        # A long class: its header (signature, docstring, attributes) and each member on its own.
        members = [n for n in node.body if isinstance(n, _DEFINITIONS)]
        header_end = _node_start(members[0], lines) - 1 if members else end
        spans += _windows(Span(start, header_end, f"class {name}"), max_lines)
        inner = [n for n in node.body if _node_start(n, lines) > header_end]
        spans += _python_body(inner, lines, f"{name}.", f"class {name}", max_lines)
    flush()
    return spans


def python_spans(text: str, lines: list[str], module: str, max_lines: int = MAX_LINES) -> list[Span]:
    tree = parse_python(text)
    return _python_body(tree.body, lines, "", f"module {module}", max_lines)


# --- Everything else -----------------------------------------------------------------------------


def block_spans(lines: list[str], title: str, max_lines: int = MAX_LINES) -> list[Span]:
    return _pack_blocks(lines, 1, len(lines), title, max_lines)


def _merge_small(spans: list[Span], max_lines: int) -> list[Span]:
    """Fold tiny spans into the following one when both fit, so no chunk is a lone import line."""
    merged: list[Span] = []
    for span in spans:
        if merged:
            last = merged[-1]
            small = last.end - last.start + 1 < MIN_LINES
            if small and span.end - last.start + 1 <= max_lines and last.end < span.start:
                merged[-1] = Span(last.start, span.end, span.title)
                continue
        merged.append(span)
    return merged


DOC_SUFFIXES = {".md", ".markdown", ".rst", ".txt"}
CODE_SUFFIXES = {
    ".py",
    ".pyi",
    ".pyx",
    ".pxd",
    ".js",
    ".mjs",
    ".ts",
    ".tsx",
    ".jsx",
    ".go",
    ".rs",
    ".java",
    ".kt",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".hpp",
    ".cs",
    ".rb",
    ".php",
    ".swift",
    ".scala",
    ".sh",
    ".bash",
    ".sql",
    ".html",
    ".css",
    ".jinja",
    ".j2",
    ".toml",
    ".cfg",
    ".ini",
    ".yaml",
    ".yml",
    ".json",
    ".tf",
}
SPECIAL_NAMES = {"Makefile", "Dockerfile", "CODEOWNERS", "LICENSE", "CONTRIBUTING", "AUTHORS"}


def is_indexable(path: str) -> bool:
    name = PurePosixPath(path)
    if is_secrets_file(path):  # config in a secrets file's format (secrets.yaml, credentials.json) is still secret
        return False
    return name.suffix.lower() in DOC_SUFFIXES | CODE_SUFFIXES or name.name in SPECIAL_NAMES


def chunk_file(path: str, text: str, max_lines: int = MAX_LINES) -> list[Chunk]:
    """Chunks of one file (path relative to its collection root, POSIX separators)."""
    lines = split_lines(text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return []
    pure = PurePosixPath(path)
    suffix = pure.suffix.lower()
    kind: ChunkKind = "doc" if suffix in DOC_SUFFIXES or pure.name in SPECIAL_NAMES else "code"
    if suffix in {".md", ".markdown"}:
        spans = markdown_spans(lines, pure.name, max_lines)
    elif suffix == ".rst":
        spans = rst_spans(lines, pure.name, max_lines)
    elif suffix in {".py", ".pyi"}:
        module = ".".join(pure.with_suffix("").parts)
        try:
            spans = python_spans("\n".join(lines), lines, module, max_lines)
        except (SyntaxError, ValueError):
            # Python 2 files, templates with a .py suffix: still worth indexing as plain text.
            spans = block_spans(lines, pure.name, max_lines)
    else:
        spans = block_spans(lines, pure.name, max_lines)
    chunks = []
    for span in _merge_small(spans, max_lines):
        body = "\n".join(lines[span.start - 1 : span.end])
        if body.strip():
            chunks.append(
                Chunk(
                    source="",
                    path=path,
                    start_line=span.start,
                    end_line=span.end,
                    text=body,
                    kind=kind,
                    title=span.title,
                )
            )
    return chunks
