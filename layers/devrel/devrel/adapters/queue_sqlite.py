"""Queue on a SQLite file (edge mode) with SQS's retry and dead-letter semantics.

Several named queues can share one file. Each receive hides a message for the visibility timeout
and gives it a fresh receipt handle; only the latest handle deletes or re-times it, so a worker
that overran its timeout cannot delete a message another worker is now processing (its delete is
a no-op and the message comes back). Messages are handed out oldest first. Unlike SQS there is no
retention period: a message stays until it is deleted.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from devrel.adapters.queue_limits import MAX_WAIT_SECONDS, check_receive, check_send, check_visibility
from devrel.adapters.sqlite_db import SqliteDb
from devrel.ports import Message

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        visible_at REAL NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt_handle TEXT UNIQUE
    )
    """,
    # Index entries are ordered by (queue, seq), so this also serves "oldest first".
    "CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue)",
)

_POLL_INTERVAL_SECONDS = 0.05


class SqliteQueue:
    """`Queue` on SQLite. With `dead_letter_name`, a message already received `max_receive_count`
    times moves to that queue on its next receive; without it, messages are retried forever."""

    def __init__(
        self,
        path: str | Path,
        name: str,
        visibility_timeout: int = 30,
        max_receive_count: int = 5,
        dead_letter_name: str | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        check_visibility(visibility_timeout)
        if max_receive_count < 1:
            raise ValueError(f"max_receive_count must be at least 1, got {max_receive_count}")
        if dead_letter_name == name:
            raise ValueError("a queue cannot be its own dead-letter queue")
        self._db = SqliteDb(path)
        self._name = name
        self._visibility_timeout = visibility_timeout
        self._max_receive_count = max_receive_count
        self._dead_letter_name = dead_letter_name
        self._now = now
        with self._db.connection() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    def send(self, body: str, delay_seconds: int = 0) -> str:
        check_send(delay_seconds)
        message_id = str(uuid.uuid4())
        with self._db.connection() as conn:
            conn.execute(
                "INSERT INTO messages (queue, message_id, body, visible_at) VALUES (?, ?, ?, ?)",
                (self._name, message_id, body, self._now() + delay_seconds),
            )
        return message_id

    def receive(self, max_messages: int = 10, wait_seconds: float = 0) -> list[Message]:
        check_receive(max_messages, wait_seconds)
        # Waiting is measured on the monotonic clock: an injected `now` only drives visibility.
        deadline = time.monotonic() + min(wait_seconds, MAX_WAIT_SECONDS)
        while True:
            messages = self._take(self._name, max_messages, self._dead_letter_name)
            remaining = deadline - time.monotonic()
            if messages or remaining <= 0:
                return messages
            time.sleep(min(_POLL_INTERVAL_SECONDS, remaining))

    @property
    def visibility_timeout(self) -> int:
        return self._visibility_timeout

    def delete(self, receipt_handle: str) -> None:
        with self._db.connection() as conn:
            conn.execute(
                "DELETE FROM messages WHERE queue = ? AND receipt_handle = ?", (self._name, receipt_handle)
            )

    def change_visibility(self, receipt_handle: str, timeout_seconds: int) -> None:
        check_visibility(timeout_seconds)
        with self._db.connection() as conn:
            conn.execute(
                "UPDATE messages SET visible_at = ? WHERE queue = ? AND receipt_handle = ?",
                (self._now() + timeout_seconds, self._name, receipt_handle),
            )

    def dead_letters(self, max_messages: int = 10) -> list[Message]:
        check_receive(max_messages, 0)
        if self._dead_letter_name is None:
            return []
        return self._take(self._dead_letter_name, max_messages, dead_letter_name=None)

    def close(self) -> None:
        self._db.close()

    def _take(self, queue: str, max_messages: int, dead_letter_name: str | None) -> list[Message]:
        """Deliver up to `max_messages` visible messages, moving exhausted ones to the dead letters."""
        delivered: list[Message] = []
        after_seq = 0
        # Idle polls only read, so waiting consumers don't queue up for the write lock.
        with self._db.connection() as conn:
            ready = conn.execute(
                "SELECT 1 FROM messages WHERE queue = ? AND visible_at <= ? LIMIT 1", (queue, self._now())
            ).fetchone()
        if ready is None:
            return delivered
        with self._db.transaction() as conn:
            now = self._now()
            while len(delivered) < max_messages:
                # Only rows past the last one looked at: with a zero visibility timeout a delivered
                # row is visible again at once and must not be handed out twice in one call.
                rows = conn.execute(
                    "SELECT seq, message_id, body, receive_count FROM messages"
                    " WHERE queue = ? AND seq > ? AND visible_at <= ? ORDER BY seq LIMIT ?",
                    (queue, after_seq, now, max_messages - len(delivered)),
                ).fetchall()
                if not rows:
                    break
                for seq, message_id, body, receive_count in rows:
                    after_seq = seq
                    if dead_letter_name is not None and receive_count >= self._max_receive_count:
                        # Keeps its id and receive count, like an SQS redrive.
                        conn.execute(
                            "UPDATE messages SET queue = ?, visible_at = ?, receipt_handle = NULL"
                            " WHERE seq = ?",
                            (dead_letter_name, now, seq),
                        )
                        continue
                    handle = uuid.uuid4().hex
                    conn.execute(
                        "UPDATE messages SET receive_count = receive_count + 1, visible_at = ?,"
                        " receipt_handle = ? WHERE seq = ?",
                        (now + self._visibility_timeout, handle, seq),
                    )
                    delivered.append(Message(message_id, body, handle, receive_count + 1))
        return delivered
