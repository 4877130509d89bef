"""The one set of fakes unit tests share: edge services on a temporary directory (real SQLite
Store and Queue), with recording stand-ins for what talks to the outside world."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from devrel.events import InboundEvent, Reply
from devrel.knowledge.citations import Citation
from devrel.runtime import Services, build_services
from devrel.settings import load_settings


class RecordingPlatform:
    """A ChatPlatform that keeps what it was asked to post (and can fail on demand)."""

    def __init__(self, name: str = "slack", failures: list[Exception] | None = None) -> None:
        self.name = name
        self.posted: list[tuple[InboundEvent, Reply]] = []
        self.working: list[str] = []
        self.updated: list[tuple[str, str, str]] = []  # chat.update: (channel, message ts, new text)
        self.updated_buttons: list[str | None] = []  # the approval whose buttons each update kept
        self._failures = list(failures or [])

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        if self._failures:
            raise self._failures.pop(0)
        self.posted.append((event, reply))
        return f"m{len(self.posted)}"

    def mark_working(self, event: InboundEvent) -> None:
        self.working.append(event.delivery_id)

    def update_message(self, channel: str, message_ts: str, text: str, approval: str | None = None) -> None:
        self.updated.append((channel, message_ts, text))
        self.updated_buttons.append(approval)

    @property
    def texts(self) -> list[str]:
        return [reply.text for _, reply in self.posted]


class RecordingForum(RecordingPlatform):
    """A Discourse stand-in that also opens topics (release announcements)."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        super().__init__("discourse", failures)
        self.topics: list[tuple[str, str, int]] = []

    def create_topic(self, title: str, raw: str, category: int) -> str:
        if self._failures:
            raise self._failures.pop(0)
        self.topics.append((title, raw, category))
        return f"https://forum.example.org/t/release/{len(self.topics)}"


class RecordingWorkflows:
    def __init__(self) -> None:
        self.started: list[tuple[str, Any, str]] = []

    def start(self, state_machine: str, payload: Any, name: str) -> str:
        self.started.append((state_machine, payload, name))
        return name

    def describe(self, execution_id: str) -> Any:
        raise NotImplementedError("the fake records starts only")


@dataclass
class FakeAnswer:
    """What an answerer returns, as the API and the widget read it."""

    text: str
    citations: list[Citation]
    confident: bool = True
    escalate: bool = False
    language: str = "en"


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def fake_services(tmp_path: Path, platforms: dict[str, Any] | None = None, clock: FakeClock | None = None,
                  **settings: Any) -> Services:
    """Edge services under `tmp_path`; `platforms` replace the outbound adapters, workflows are recorded."""
    config = load_settings(**{"mode": "edge", "data_dir": tmp_path, "reply_retry_delay_seconds": 0, **settings})
    services = build_services(config)
    services.workflows = RecordingWorkflows()
    if platforms is not None:
        services.platforms = platforms
    if clock is not None:
        from devrel.adapters.store_sqlite import SqliteStore

        services.clock = clock
        services.store = SqliteStore(config.store_db, now=clock)  # expiry follows the fake clock too
    return services


class HashingEmbedder:
    """A deterministic bag-of-words embedder (words hashed into 32 buckets); records every text it embedded."""

    dimension = 32

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
