"""Public Python API changes between two versions of a file, from the AST (the code is parsed,
never imported or run).

Public: module-level functions and classes whose names do not start with `_` (or the names of
`__all__` when the module defines it), and the public methods of public classes. A break is a
public name that is gone, or a callable that can no longer be called as before: a parameter removed
or renamed, a new parameter without a default, a default removed. Additions are not breaks.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from devrel.python_source import parse_python
from devrel.release.changes import ApiBreak

# Paths whose names are nobody's public API.
_PRIVATE_PARTS = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks",
                            "scripts", "tools", ".github", "ci"})


@dataclass(frozen=True)
class Signature:
    positional: tuple[str, ...]  # positional-or-keyword parameters, in order (self/cls left out)
    required: frozenset[str]  # parameters without a default (keyword-only ones too)
    keyword_only: frozenset[str]
    var_positional: bool
    var_keyword: bool


def is_public_module(path: str) -> bool:
    pure = PurePosixPath(path)
    if pure.suffix != ".py" or pure.name in ("setup.py", "conftest.py", "noxfile.py") or pure.name.startswith("test_"):
        return False
    parts = pure.parts
    return not any(part in _PRIVATE_PARTS or (part.startswith("_") and part != "__init__.py") for part in parts)


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> Signature:
    args = node.args
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    defaults = len(args.defaults)
    with_default = set(positional[len(positional) - defaults:]) if defaults else set()
    if method and positional and not _is_static(node):
        positional = positional[1:]
    keyword_only = {a.arg for a in args.kwonlyargs}
    required = {name for name in positional if name not in with_default}
    required |= {a.arg for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True) if default is None}
    return Signature(tuple(positional), frozenset(required), frozenset(keyword_only), args.vararg is not None,
                     args.kwarg is not None)


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def _declared_all(tree: ast.Module) -> set[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets) \
                and isinstance(node.value, ast.List | ast.Tuple):
            return {e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return None


def _parse(source: str) -> ast.Module | None:
    try:
        return parse_python(source)
    except (SyntaxError, ValueError):
        return None


@lru_cache(maxsize=256)
def _summary(source: str) -> tuple[dict[str, Signature | None], frozenset[str]]:
    """A version's public names and `__getattr__` names from one parse, kept: a file's version before
    one commit is its version after the previous one, and parsing is most of the drafting time."""
    tree = _parse(source)
    if tree is None:
        return {}, frozenset()
    return _public_names(tree), _getattr_names(tree)


def public_api(source: str) -> dict[str, Signature | None]:
    """Public names of a module: callables with their signature, other names (classes without an
    `__init__`, constants) with None. {} when the source does not parse."""
    return dict(_summary(source)[0])


def module_getattr_names(source: str) -> frozenset[str]:
    """Names a module-level `__getattr__` still answers (the strings it compares with): a deprecation
    shim keeps a name importable, so the name moving out of the module's body breaks nobody."""
    return _summary(source)[1]


def _public_names(tree: ast.Module) -> dict[str, Signature | None]:
    declared = _declared_all(tree)

    def public(name: str) -> bool:
        return name in declared if declared is not None else not name.startswith("_")

    names: dict[str, Signature | None] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and public(node.name):
            names[node.name] = _signature(node, method=False)
        elif isinstance(node, ast.ClassDef) and public(node.name):
            names[node.name] = None
            for item in node.body:
                if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if item.name == "__init__":
                    names[node.name] = _signature(item, method=True)
                elif not item.name.startswith("_"):
                    names[f"{node.name}.{item.name}"] = _signature(item, method=True)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and public(target.id) and target.id.isupper():
                    names[target.id] = None
    return names


def _getattr_names(tree: ast.Module) -> frozenset[str]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            return frozenset(n.value for n in ast.walk(node)
                             if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return frozenset()


def _call_breaks(old: Signature, new: Signature) -> list[str]:
    found = []
    old_names = set(old.positional) | old.keyword_only
    new_names = set(new.positional) | new.keyword_only
    for name in sorted(old_names - new_names):
        if not new.var_keyword:
            found.append(f"parameter `{name}` removed")
    for index, name in enumerate(old.positional):
        if name in new_names and name in new.positional and new.positional.index(name) != index \
                and name not in old.keyword_only:
            found.append(f"parameter `{name}` moved")
            break
    for name in sorted(new.required - old.required):
        if name in old_names:
            found.append(f"parameter `{name}` is now required")
        else:
            found.append(f"new required parameter `{name}`")
    for name in sorted((set(old.positional) & new.keyword_only) - old.keyword_only):
        found.append(f"parameter `{name}` is now keyword-only")
    if old.var_positional and not new.var_positional:
        found.append("no longer takes `*args`")
    if old.var_keyword and not new.var_keyword:
        found.append("no longer takes `**kwargs`")
    return found


def module_name(path: str, is_package: Callable[[str], bool] | None = None) -> str:
    """The import name of a module file: from the outermost folder of its chain of packages (folders
    with an `__init__.py`) when `is_package` can tell, else without a leading `src/` or `lib/`."""
    pure = PurePosixPath(path)
    parts = list(pure.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if is_package is not None:
        folders = list(pure.parts[:-1])
        start = len(folders)
        while start > 0 and is_package("/".join(folders[:start]) + "/__init__.py"):
            start -= 1
        parts = parts[start:] or parts
    elif parts and parts[0] in ("src", "lib") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


def api_breaks(path: str, old_source: str | None, new_source: str | None, module: str | None = None) -> list[ApiBreak]:
    """Breaks of the public API of one module between two versions (None: the file did not exist)."""
    if not is_public_module(path) or old_source is None:
        return []
    old = public_api(old_source)
    if not old:
        return []
    new = public_api(new_source) if new_source is not None else {}
    if new_source is not None and not new and old_source.strip():
        return []  # the new version does not parse: say nothing rather than report everything removed
    module = module or module_name(path)
    shimmed = module_getattr_names(new_source) if new_source is not None else frozenset()
    breaks = []
    for name, signature in old.items():
        qualified = f"{module}.{name}"
        owner = name.split(".")[0]
        if owner in shimmed or (owner != name and owner not in new):
            continue  # still importable through `__getattr__`, or its class's removal says it all
        if name not in new:
            breaks.append(ApiBreak(path, qualified, "removed"))
            continue
        now = new[name]
        if signature is not None and now is not None:
            breaks += [ApiBreak(path, qualified, what) for what in _call_breaks(signature, now)]
    return breaks
