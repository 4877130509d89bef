"""Checks that read Python's syntax tree (no code is ever run): errors caught too broadly or silently,
and public functions whose signature a change altered or added.

Each works on the whole new file (and the old one, for signatures) but reports only on lines the
change added: an old bare `except:` is not this pull request's doing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from devrel.python_source import parse_python
from devrel.review.diff import FileDiff
from devrel.review.model import Finding

BROAD = frozenset({"Exception", "BaseException"})


def parse(source: str) -> ast.Module | None:
    try:
        return parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _broad(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(kind is None or (isinstance(kind, ast.Name) and kind.id in BROAD)
               or (isinstance(kind, ast.Attribute) and kind.attr in BROAD and ast.unparse(kind).startswith("builtins"))
               for kind in kinds)


def _silent(handler: ast.ExceptHandler, lines: list[str]) -> bool:
    """The handler does nothing (pass, ..., continue) and no comment in it says why."""
    quiet = all(isinstance(node, ast.Pass | ast.Continue) or
                (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node.value.value is ...)
                for node in handler.body)
    if not quiet:
        return False
    end = handler.end_lineno or handler.lineno
    return not any("#" in lines[n - 1] for n in range(handler.lineno, end + 1) if 0 < n <= len(lines))


def error_handling_findings(file: FileDiff, source: str) -> list[Finding]:
    """Bare `except:` and broad handlers that swallow the error, where the change added them."""
    tree = parse(source)
    if tree is None:
        return []
    lines = source.split("\n")
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler):
            continue
        span = range(node.lineno, (node.body[0].lineno if node.body else node.lineno) + 1)
        anchor = next((n for n in span if file.is_added(n)), None)
        if anchor is None or any("noqa" in lines[n - 1] for n in span if 0 < n <= len(lines)):
            continue  # not this change's doing, or the author already said it is deliberate
        if _broad(node) and _silent(node, lines):
            caught = "every exception" if node.type is None else f"`{ast.unparse(node.type)}`"
            findings.append(Finding(
                check="swallowed-error", severity="medium", path=file.path, line=anchor,
                line_text=file.added[anchor],
                message=f"This handler catches {caught} and does nothing with it.",
                why="A failure here disappears without a trace, which makes the next bug report very hard to "
                    "debug: catch the specific exception you expect, or log it, or say in a comment why it is "
                    "safe to ignore."))
        elif node.type is None:
            findings.append(Finding(
                check="bare-except", severity="medium", path=file.path, line=anchor, line_text=file.added[anchor],
                message="A bare `except:` also catches `KeyboardInterrupt` and `SystemExit`.",
                why="Ctrl-C and `sys.exit()` get caught as if they were errors: name the exceptions this "
                    "code expects (or `except Exception:` if it really means any error)."))
    return findings


# --- public API ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    # Parameter names by kind: what a caller can rely on.
    shape: tuple[str, ...]
    # Lines of the `def` up to its body (where a changed signature shows in the diff).
    first_line: int
    last_line: int


def _shape(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, ...]:
    args = node.args
    required = len(args.posonlyargs) + len(args.args) - len(args.defaults)
    shape = [f"/{a.arg}{'' if i < required else '='}" for i, a in enumerate(args.posonlyargs)]
    shape += [f"{a.arg}{'' if i + len(args.posonlyargs) < required else '='}" for i, a in enumerate(args.args)]
    if args.vararg:
        shape.append(f"*{args.vararg.arg}")
    shape += [f"*{a.arg}{'=' if d is not None else ''}" for a, d in zip(args.kwonlyargs, args.kw_defaults,
                                                                        strict=True)]
    if args.kwarg:
        shape.append(f"**{args.kwarg.arg}")
    return tuple(shape)


def _public(name: str) -> bool:
    return not name.startswith("_") or name in ("__init__", "__call__", "__new__")


def public_signatures(tree: ast.Module) -> dict[str, Signature]:
    """Module-level functions and methods of public classes, by qualified name."""
    found: dict[str, Signature] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _public(node.name):
                last = (node.body[0].lineno - 1) if node.body else node.lineno
                # A docstring-less one-line def keeps its body on the def's own line.
                found[prefix + node.name] = Signature(prefix + node.name, _shape(node), node.lineno,
                                                      max(node.lineno, last))
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_") and not prefix:
                visit(node.body, f"{node.name}.")

    visit(tree.body, "")
    return found


@dataclass(frozen=True)
class ApiChange:
    name: str
    kind: str  # "changed" or "added"
    line: int | None  # an added line of its signature, when there is one


def api_changes(file: FileDiff, new_source: str, old_source: str | None) -> list[ApiChange]:
    """Public functions whose parameters changed, or that the change added."""
    new_tree = parse(new_source)
    if new_tree is None:
        return []
    old_tree = parse(old_source) if old_source is not None else None
    new = public_signatures(new_tree)
    old = public_signatures(old_tree) if old_tree is not None else {}
    changes: list[ApiChange] = []
    for name, signature in new.items():
        anchor = next((n for n in range(signature.first_line, signature.last_line + 1) if file.is_added(n)), None)
        if name in old and old[name].shape != signature.shape and anchor is not None:
            changes.append(ApiChange(name, "changed", anchor))
        elif name not in old and (old_tree is not None or file.status == "added") and anchor is not None:
            changes.append(ApiChange(name, "added", anchor))
    return changes


def signature_findings(file: FileDiff, changes: list[ApiChange]) -> list[Finding]:
    return [Finding(
        check="signature-change", severity="medium", path=file.path, line=change.line,
        line_text=file.added.get(change.line or 0, ""),
        message=f"This changes the parameters of the public `{change.name}()`, and no docs or changelog entry "
                f"in this change says so.",
        why="Callers of a public function break or change behaviour silently when its parameters change; a "
            "changelog entry (and the docs, if they show the signature) tells them what to update.")
        for change in changes if change.kind == "changed" and change.line is not None]
