"""Python source parsed from several threads at once: CPython 3.11 fails such parses with a SystemError
(python/cpython#106905) unless they take turns."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devrel.python_source import parse_python

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "devrel" / "devrel"
SOURCE = (PACKAGE / "usecases" / "triage_steps.py").read_text(encoding="utf-8")


class _Cycle:
    """Garbage whose finalizer runs Python code: the collector runs it in the middle of a parse, and the
    interpreter may then hand over to another thread."""

    def __del__(self) -> None:
        sum(range(50))


@pytest.fixture
def eager_switching() -> Iterator[None]:
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(1e-6)
    gc.set_threshold(50)
    yield
    sys.setswitchinterval(interval)
    gc.set_threshold(*thresholds)


def test_threads_at_different_stack_depths_parse_without_errors(eager_switching: None) -> None:
    errors: list[BaseException] = []

    def parse_at(depth: int) -> None:
        if depth:
            return parse_at(depth - 1)
        try:
            for _ in range(15):
                for _ in range(200):
                    first, second = _Cycle(), _Cycle()
                    first.other, second.other = second, first  # type: ignore[attr-defined]
                assert parse_python(SOURCE).body
        except BaseException as error:  # any failure in a thread fails the test below
            errors.append(error)

    threads = [threading.Thread(target=parse_at, args=(depth,)) for depth in (0, 150, 40, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
