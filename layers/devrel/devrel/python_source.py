"""Parsing Python source into a syntax tree, one thread at a time.

CPython 3.11 (the Lambda runtime) keeps the counter that guards the tree's construction against deep
recursion in interpreter-wide state, so two threads parsing at once can fail with "SystemError: AST
constructor recursion depth mismatch" (python/cpython#106905). Edge mode parses in several threads (the
indexer, pull-request reviews, release notes): every parse goes through this lock.
"""

from __future__ import annotations

import ast
import threading

_ONE_AT_A_TIME = threading.Lock()


def parse_python(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, serialised across threads; raises what it raises (SyntaxError, ValueError, ...)."""
    with _ONE_AT_A_TIME:
        return ast.parse(source, filename)
