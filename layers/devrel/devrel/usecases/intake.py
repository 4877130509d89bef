"""Accept a platform event exactly once and hand it to the worker queue."""

from __future__ import annotations

from devrel.events import InboundEvent
from devrel.ports import Item, Queue, Store


def delivery_key(event: InboundEvent) -> tuple[str, str]:
    return f"delivery#{event.platform}", event.delivery_id


def accept_event(event: InboundEvent, store: Store, queue: Queue, now: float, ttl_seconds: int) -> bool:
    """Enqueue `event` unless this delivery was seen before. True when newly accepted.

    The idempotency key is written first (a conditional write) so concurrent redeliveries race
    safely; if enqueueing then fails the key is removed again, so the platform's retry is not
    mistaken for a duplicate and the event is not lost.
    """
    pk, sk = delivery_key(event)
    marker = Item(pk=pk, sk=sk, data={"kind": event.kind, "at": now}, expires_at=int(now) + ttl_seconds)
    if not store.put_if_absent(marker):
        return False
    try:
        queue.send(event.model_dump_json())
    except BaseException:
        store.delete(pk, sk)
        raise
    return True
