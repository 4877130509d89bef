"""What the worker does with each accepted event (the slow path, off the webhook's ack).

Every event is logged for community health, then handed to the handlers registered for its
intent's type, in order. The composition root (devrel.runtime) builds the table; this module only
knows the shape of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from pydantic import BaseModel

from devrel.events import InboundEvent
from devrel.health.sentiment import score
from devrel.records import EventLog

log = logging.getLogger(__name__)

# A handler returns what it did (for logs and tests), or None when it had nothing to do.
Handler = Callable[[InboundEvent], str | None]


class Dispatcher:
    def __init__(self, events: EventLog, handlers: Mapping[type[BaseModel], Sequence[Handler]]) -> None:
        self._events = events
        self._handlers = handlers

    def dispatch(self, event: InboundEvent) -> str:
        """Log `event` and run its intent's handlers; returns what was done."""
        self._events.append(event, sentiment=score(event.text) if event.text.strip() else None)
        outcomes = [outcome for handler in self._handlers.get(type(event.intent), ())
                    if (outcome := handler(event))]
        return ",".join(outcomes) or "recorded"
