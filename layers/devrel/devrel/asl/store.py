"""Executions and their history in one SQLite file (WAL), shared by handlers and runner processes."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devrel.ports import Execution, PortError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    id TEXT PRIMARY KEY,
    state_machine TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    current_state TEXT,
    current_input TEXT,
    memo TEXT NOT NULL DEFAULT '{}',
    wake_at REAL,
    transitions INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until REAL,
    started_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    stopped_at REAL,
    UNIQUE (state_machine, name)
);
CREATE INDEX IF NOT EXISTS executions_ready ON executions (status, wake_at);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL REFERENCES executions (id),
    at REAL NOT NULL,
    type TEXT NOT NULL,
    state TEXT,
    details TEXT
);
CREATE INDEX IF NOT EXISTS history_by_execution ON history (execution_id, seq);
CREATE TABLE IF NOT EXISTS task_callbacks (
    token TEXT PRIMARY KEY,
    execution_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at REAL NOT NULL
);
"""

ACTIVE = ("PENDING", "RUNNING")
_HOST = socket.gethostname()
# History events keep inputs and outputs up to this size (JSON characters); larger ones only their size.
HISTORY_VALUE_BYTES = 8 * 1024
# Step Functions' rule for execution names: 1-80 characters, none of these.
_BAD_NAME = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def execution_arn(state_machine: str, name: str) -> str:
    """A Step Functions-shaped id, so `$$.Execution.Id` looks as it does in the cloud."""
    return f"arn:aws:states:local:000000000000:execution:{state_machine}:{name}"


@dataclass(frozen=True)
class Row:
    """An execution as the runner sees it."""

    id: str
    state_machine: str
    name: str
    status: str
    input: Any
    current_state: str | None
    current_input: Any
    memo: dict[str, Any]
    transitions: int
    started_at: float


class ExecutionStore:
    """Records executions; the runner's LocalExecutor advances them. Safe across threads and processes."""

    def __init__(self, db_path: str | Path, now: Callable[[], float] = time.time) -> None:
        self._path = str(db_path)
        self._now = now
        # One connection per thread, kept open: closing the last connection to a WAL file
        # checkpoints it, which would cost a flush on every call.
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's autocommit connection; callers open transactions with BEGIN IMMEDIATE."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout=30000")
            # With WAL this survives any process crash; only a power cut may lose the last commits.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
            with self._opened_lock:
                self._opened.append(db)
        try:
            yield db
        except BaseException:
            if db.in_transaction:
                db.rollback()
            raise

    def close(self) -> None:
        with self._opened_lock:
            for db in self._opened:
                db.close()
            self._opened.clear()
        self._local = threading.local()

    def start(self, state_machine: str, payload: Any, name: str) -> str:
        """Record a PENDING execution. Starting the same name again returns the same id and runs nothing."""
        if not 1 <= len(name) <= 80 or _BAD_NAME.search(name):
            raise ValueError(f"invalid execution name {name!r}")
        execution_id = execution_arn(state_machine, name)
        now = self._now()
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            inserted = db.execute(
                "INSERT INTO executions (id, state_machine, name, status, input, started_at, updated_at)"
                " VALUES (?, ?, ?, 'PENDING', ?, ?, ?) ON CONFLICT DO NOTHING",
                (execution_id, state_machine, name, json.dumps(payload), now, now),
            ).rowcount
            if inserted:
                _record(db, execution_id, now, "ExecutionStarted", None, {"input": payload})
            db.execute("COMMIT")
        return execution_id

    def describe(self, execution_id: str) -> Execution:
        with self.connect() as db:
            found = db.execute(
                "SELECT state_machine, status, input, output, error, cause FROM executions WHERE id = ?",
                (execution_id,),
            ).fetchone()
        if found is None:
            raise PortError(f"no execution {execution_id}")
        state_machine, status, payload, output, error, cause = found
        return Execution(
            execution_id=execution_id,
            state_machine=state_machine,
            status=status,
            input=json.loads(payload),
            output=None if output is None else json.loads(output),
            error=error,
            cause=cause,
        )

    def history(self, execution_id: str) -> list[dict[str, Any]]:
        """Events in order: ExecutionStarted, StateEntered, StateExited, StateSuspended, Execution<Status>."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT at, type, state, details FROM history WHERE execution_id = ? ORDER BY seq",
                (execution_id,),
            ).fetchall()
        return [
            {"at": at, "type": kind, "state": state, "details": json.loads(details) if details else None}
            for at, kind, state, details in rows
        ]

    def forget(self, state_machine: str, name_prefix: str) -> int:
        """Delete the executions of `state_machine` named `name_prefix`... and their history (a person's
        onboarding, on forget-me): a running one simply stops, as its row is gone. Returns how many."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            ids = [row[0] for row in db.execute(
                "SELECT id FROM executions WHERE state_machine = ? AND substr(name, 1, length(?)) = ?",
                (state_machine, name_prefix, name_prefix)).fetchall()]
            for id_ in ids:
                db.execute("DELETE FROM history WHERE execution_id = ?", (id_,))
                db.execute("DELETE FROM executions WHERE id = ?", (id_,))
            db.execute("COMMIT")
        return len(ids)

    def send_task_result(self, token: str, outcome: dict[str, Any]) -> None:
        """SendTaskSuccess/SendTaskFailure: keep the outcome for the waiting state and wake its
        execution. Raises PortError("TaskTimedOut ...") for a token whose task no longer waits (the
        execution ended, the state moved on or timed out, an outcome was already sent) and
        PortError("InvalidToken ...") for one this executor never made."""
        from devrel.asl.interpreter import token_parts

        parts = token_parts(token)
        if parts is None:
            raise PortError("InvalidToken: not a task token of this executor")
        execution_id, state = parts
        now = self._now()
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            found = db.execute("SELECT status, current_state, memo FROM executions WHERE id = ?",
                               (execution_id,)).fetchone()
            waiting_token = json.loads(found[2]).get("token") if found is not None else None
            # Before the waiting state is saved its memo has no token yet (a task that calls back at
            # once): the state it is in is then enough.
            waits = found is not None and found[0] == "RUNNING" and found[1] == state \
                and waiting_token in (None, token)
            if not waits or db.execute("SELECT 1 FROM task_callbacks WHERE token = ?", (token,)).fetchone():
                db.execute("COMMIT")
                raise PortError("TaskTimedOut: the task of this token is no longer waiting")
            db.execute("INSERT INTO task_callbacks (token, execution_id, outcome, at) VALUES (?, ?, ?, ?)",
                       (token, execution_id, json.dumps(outcome), now))
            db.execute("UPDATE executions SET wake_at = ? WHERE id = ?", (now, execution_id))
            _record(db, execution_id, now, "TaskCallback", state, {"status": outcome.get("status")})
            db.execute("COMMIT")

    def wake_if_called(self, execution_id: str, token: str, now: float) -> None:
        """Wake `execution_id` when an outcome for `token` is already there. The runner calls it
        after saving the waiting state; a sender wakes the execution itself, in the transaction that
        keeps the outcome, so one of the two always sees the other."""
        with self.connect() as db:
            db.execute("UPDATE executions SET wake_at = ? WHERE id = ? AND status = 'RUNNING'"
                       " AND EXISTS (SELECT 1 FROM task_callbacks WHERE token = ?)", (now, execution_id, token))

    def task_result(self, token: str) -> dict[str, Any] | None:
        """The outcome sent for `token`, if any (the runner reads it when it wakes the state)."""
        with self.connect() as db:
            found = db.execute("SELECT outcome FROM task_callbacks WHERE token = ?", (token,)).fetchone()
        return None if found is None else json.loads(found[0])

    # --- used by the runner ----------------------------------------------------------------------

    def ready(self, state_machines: list[str], now: float) -> list[str]:
        """Ids of active executions whose wake time has come and that no live runner holds."""
        marks = ",".join("?" * len(state_machines))
        with self.connect() as db:
            rows = db.execute(
                f"SELECT id, lease_owner, lease_until FROM executions WHERE status IN ('PENDING', 'RUNNING')"
                f" AND state_machine IN ({marks}) AND (wake_at IS NULL OR wake_at <= ?) ORDER BY started_at",
                (*state_machines, now),
            ).fetchall()
        return [id_ for id_, owner, until in rows if lease_is_free(owner, until, now)]

    def claim(self, execution_id: str, owner: str, now: float, lease_seconds: float) -> Row | None:
        """Take the lease on a ready execution; None when it is no longer ready or another runner has it."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            found = db.execute(
                "SELECT id, state_machine, name, status, input, current_state, current_input, memo,"
                " transitions, started_at, lease_owner, lease_until FROM executions"
                " WHERE id = ? AND status IN ('PENDING', 'RUNNING') AND (wake_at IS NULL OR wake_at <= ?)",
                (execution_id, now),
            ).fetchone()
            if found is not None and not lease_is_free(found[10], found[11], now):
                found = None
            if found is not None:
                db.execute(
                    "UPDATE executions SET lease_owner = ?, lease_until = ? WHERE id = ?",
                    (owner, now + lease_seconds, execution_id),
                )
            db.execute("COMMIT")
        if found is None:
            return None
        id_, machine, name, status, payload, current, current_input, memo, transitions, started, _, _ = found
        return Row(
            id=id_,
            state_machine=machine,
            name=name,
            status=status,
            input=json.loads(payload),
            current_state=current,
            current_input=None if current_input is None else json.loads(current_input),
            memo=json.loads(memo),
            transitions=transitions,
            started_at=started,
        )

    def renew(self, execution_id: str, owner: str, until: float) -> bool:
        """Extend `owner`'s lease (a heartbeat while a state runs). False when it no longer holds it."""
        with self.connect() as db:
            return bool(db.execute(
                "UPDATE executions SET lease_until = ? WHERE id = ? AND lease_owner = ? AND lease_until IS NOT NULL",
                (until, execution_id, owner),
            ).rowcount)

    def save(
        self,
        execution_id: str,
        owner: str,
        now: float,
        events: list[tuple[str, str | None, Any]],
        **columns: Any,
    ) -> bool:
        """Update columns and append history if `owner` still holds the lease. False when it lost it."""
        encoded = {
            key: json.dumps(value) if key in ("current_input", "memo", "output") else value
            for key, value in columns.items()
        }
        assignments = ", ".join(f"{key} = ?" for key in encoded)
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            updated = db.execute(
                f"UPDATE executions SET {assignments}, updated_at = ? WHERE id = ? AND lease_owner = ?",
                (*encoded.values(), now, execution_id, owner),
            ).rowcount
            if updated:
                for kind, state, details in events:
                    _record(db, execution_id, now, kind, state, details)
            db.execute("COMMIT")
        return bool(updated)


def lease_owner_id() -> str:
    """A lease owner's id: host and process, so a runner on the same host can tell a dead one."""
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex}"


def lease_is_free(owner: str | None, until: float | None, now: float) -> bool:
    """Whether an execution may be claimed: no lease, an expired one, or one held by a process on
    this host that no longer exists (killed mid-state: no need to wait out its lease)."""
    if owner is None or until is None or until <= now:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def _record(
    db: sqlite3.Connection, execution_id: str, at: float, kind: str, state: str | None, details: Any
) -> None:
    db.execute(
        "INSERT INTO history (execution_id, at, type, state, details) VALUES (?, ?, ?, ?, ?)",
        (execution_id, at, kind, state, None if details is None else _lean(details)),
    )


def _lean(details: Any) -> str:
    """`details` as JSON, each value over HISTORY_VALUE_BYTES replaced by its size.

    The execution row already holds the input, the current state's input and the output; a copy of
    the whole state in every history event would store a large issue twice per state.
    """
    text = json.dumps(details)
    if len(text) <= HISTORY_VALUE_BYTES or not isinstance(details, dict):
        return text if len(text) <= HISTORY_VALUE_BYTES else json.dumps({"truncated": True, "bytes": len(text)})
    kept: dict[str, Any] = {}
    for key, value in details.items():
        encoded = json.dumps(value)
        kept[key] = value if len(encoded) <= HISTORY_VALUE_BYTES else {"truncated": True, "bytes": len(encoded)}
    return json.dumps(kept)
