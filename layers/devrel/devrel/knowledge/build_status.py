"""Whether the index is still being built for the first time, and how far it got.

The job that ingests (the scheduled re-index) writes the counts to the store as it goes; answers and
/api/health read them, so while the first index builds an answer says it came from part of the
sources. Only a first build counts: re-indexing changed files of a complete index is not "building".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from devrel.ports import Item, Store

_PK = "index-build"
# A build that has not moved for this long died with its process: it no longer speaks for the index.
STALE_SECONDS = 15 * 60


@dataclass(frozen=True)
class Building:
    files_indexed: int
    files_total: int


class IndexBuilds:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def progress(self, source: str, files_indexed: int, files_total: int) -> None:
        self._store.put(Item(pk=_PK, sk=source, data={"indexed": files_indexed, "total": files_total,
                                                       "at": self._clock()}))

    def finished(self, source: str) -> None:
        self._store.delete(_PK, source)

    def building(self) -> Building | None:
        """The first builds under way, summed over sources; None when none is."""
        now = self._clock()
        live = [item.data for item in self._store.query(_PK)
                if now - float(item.data.get("at", 0)) < STALE_SECONDS]
        if not live:
            return None
        return Building(sum(int(d["indexed"]) for d in live), sum(int(d["total"]) for d in live))
