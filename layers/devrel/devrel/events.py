"""The neutral event every platform's converter produces and the worker consumes."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, Field

Platform = Literal["github", "slack", "discord", "discourse", "console"]


class Actor(BaseModel):
    id: str
    name: str = ""
    is_bot: bool = False


class InboundEvent(BaseModel):
    """Something happened on a platform that the assistant may act on.

    `kind` is platform-qualified (e.g. `github.issues.opened`), `delivery_id` is the platform's own
    id used for de-duplication, and `thread` identifies the conversation the reply belongs to.
    """

    platform: Platform
    kind: str
    delivery_id: str = Field(min_length=1, max_length=200)
    thread: str = ""
    actor: Actor | None = None
    text: str = ""
    received_at: float = Field(default_factory=time.time)
    data: dict[str, Any] = Field(default_factory=dict)


class Reply(BaseModel):
    """What the assistant says back, in platform-neutral Markdown, addressed to an event's thread."""

    text: str
    # Citations or buttons the platform may render natively (e.g. Slack blocks, Discord components).
    sources: list[str] = Field(default_factory=list)
    ephemeral: bool = False
