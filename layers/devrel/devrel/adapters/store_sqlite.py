"""Store on a SQLite file (edge mode): the same single-table model as the DynamoDB adapter."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from devrel.adapters.sqlite_db import SqliteDb
from devrel.ports import Item

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID
"""

_LIVE = "(expires_at IS NULL OR expires_at > :now)"

_UPSERT = """
INSERT INTO items (pk, sk, data, expires_at) VALUES (:pk, :sk, :data, :expires_at)
ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at
"""

# Replaces an existing row only when it has expired; RETURNING yields a row only if something was
# written, so one statement both decides and writes (atomic across threads and processes).
_INSERT_IF_ABSENT = _UPSERT + " WHERE items.expires_at IS NOT NULL AND items.expires_at <= :now RETURNING 1"


class SqliteStore:
    """`Store` on SQLite. Expired rows stay until `purge_expired()` but no read ever returns them."""

    def __init__(self, path: str | Path, now: Callable[[], float] = time.time) -> None:
        self._db = SqliteDb(path)
        self._now = now
        with self._db.connection() as conn:
            conn.execute(_SCHEMA)

    def get(self, pk: str, sk: str) -> Item | None:
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT pk, sk, data, expires_at FROM items WHERE pk = :pk AND sk = :sk AND {_LIVE}",
                {"pk": pk, "sk": sk, "now": self._clock()},
            ).fetchone()
        return _item(row) if row else None

    def put(self, item: Item) -> None:
        with self._db.connection() as conn:
            conn.execute(_UPSERT, _params(item))

    def put_if_absent(self, item: Item) -> bool:
        with self._db.connection() as conn:
            written = conn.execute(_INSERT_IF_ABSENT, {**_params(item), "now": self._clock()}).fetchall()
        return bool(written)

    def delete(self, pk: str, sk: str) -> None:
        with self._db.connection() as conn:
            conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))

    def query(self, pk: str, sk_prefix: str = "", limit: int = 100, newest_first: bool = False) -> list[Item]:
        if limit <= 0:
            return []
        order = "DESC" if newest_first else "ASC"
        # A range on sk keeps the primary-key index usable; substr() makes the prefix test exact
        # (LIKE would be case-insensitive and treat % and _ as wildcards).
        sql = (
            "SELECT pk, sk, data, expires_at FROM items"
            " WHERE pk = :pk AND sk >= :prefix AND substr(sk, 1, length(:prefix)) = :prefix"
            f" AND {_LIVE} ORDER BY sk {order} LIMIT :limit"
        )
        with self._db.connection() as conn:
            rows = conn.execute(
                sql, {"pk": pk, "prefix": sk_prefix, "now": self._clock(), "limit": limit}
            ).fetchall()
        return [_item(row) for row in rows]

    def scan(self) -> Iterator[Item]:
        # Keyset pages: no connection or lock is held while the caller works (and deletes) between them.
        after = ("", "")
        while True:
            with self._db.connection() as conn:
                rows = conn.execute("SELECT pk, sk, data, expires_at FROM items WHERE (pk, sk) > (?, ?)"
                                    " ORDER BY pk, sk LIMIT 500", after).fetchall()
            if not rows:
                return
            yield from (_item(row) for row in rows)
            after = (rows[-1][0], rows[-1][1])

    def purge_expired(self) -> int:
        """Physically delete expired rows (reads already skip them); returns how many."""
        with self._db.connection() as conn:
            cursor = conn.execute(
                "DELETE FROM items WHERE expires_at IS NOT NULL AND expires_at <= ?", (self._clock(),)
            )
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()

    def _clock(self) -> int:
        # Whole seconds, like the TTL attribute: an item expiring at T is gone once now >= T.
        return int(self._now())


def _params(item: Item) -> dict[str, Any]:
    return {
        "pk": item.pk,
        "sk": item.sk,
        "data": json.dumps(item.data, ensure_ascii=False, separators=(",", ":"), allow_nan=False),
        "expires_at": item.expires_at,
    }


def _item(row: tuple[str, str, str, int | None]) -> Item:
    pk, sk, data, expires_at = row
    return Item(pk=pk, sk=sk, data=json.loads(data), expires_at=expires_at)
