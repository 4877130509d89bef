"""A SQLite connection shared safely by threads and by processes opening the same file.

Edge-mode adapters keep their state in SQLite files. One `SqliteDb` holds one connection guarded
by a lock (threads of one process take turns); WAL mode plus a busy timeout lets several processes
read and write the same file, and `transaction()` takes the write lock up front so a
read-modify-write never races another writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devrel.ports import PortError

IN_MEMORY = ":memory:"


class SqliteDb:
    def __init__(self, path: str | Path, busy_timeout_ms: int = 10_000) -> None:
        if str(path) != IN_MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit (isolation_level=None): every statement commits on its own unless it runs
        # inside transaction(); Python's implicit transactions would hold locks unpredictably.
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, _as_port_error():
            # The busy timeout first: switching to WAL needs a lock another process may hold.
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._conn.execute("PRAGMA journal_mode = WAL")

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """The connection, for single statements (each is atomic on its own)."""
        with self._lock, _as_port_error():
            yield self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction holding the database's write lock from its first statement."""
        with self._lock, _as_port_error():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@contextmanager
def _as_port_error() -> Iterator[None]:
    # Locked or unreadable databases are operational failures the caller may retry.
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise PortError(f"sqlite: {exc}") from exc
