"""The console platform: replies for `devrel ask` and the local runner, with no accounts at all.

Replies are written to a stream (the terminal) and kept in the Store under the thread, so a
command-line client can read the answer back after the worker produced it.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from devrel.events import InboundEvent, Reply
from devrel.ports import Item, Store


def replies_key(thread: str) -> str:
    return f"console#{thread}"


class ConsolePlatform:
    name = "console"

    def __init__(self, store: Store | None = None, stream: TextIO | None = None) -> None:
        self._store = store
        self._stream = stream
        self._lock = threading.Lock()

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        message_id = f"{time.time():017.6f}#{event.delivery_id}"
        text = reply.text
        if reply.sources:
            text += "\n\nSources:\n" + "\n".join(f"  {url}" for url in reply.sources)
        if self._store is not None:
            self._store.put(
                Item(
                    pk=replies_key(event.thread),
                    sk=message_id,
                    data={"text": reply.text, "sources": reply.sources, "in_reply_to": event.delivery_id},
                )
            )
        stream = self._stream if self._stream is not None else sys.stdout
        with self._lock:
            stream.write(text + "\n")
            stream.flush()
        return message_id

    def replies(self, thread: str) -> list[Item]:
        """Replies posted in `thread`, oldest first (empty without a Store)."""
        return self._store.query(replies_key(thread)) if self._store is not None else []
