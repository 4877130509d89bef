"""Accept a platform event exactly once and hand it to the worker queue."""

from __future__ import annotations

from devrel.events import InboundEvent
from devrel.idempotency import Idempotency, record_key
from devrel.ports import Queue, Store

# Deliveries are recorded complete at once (`record_once`); no in-progress window is used.
ENQUEUE_SECONDS = 0


def deliveries(store: Store, now: float, ttl_seconds: int) -> Idempotency:
    return Idempotency(store, "delivery", lambda: now, ENQUEUE_SECONDS, ttl_seconds)


def delivery_key(event: InboundEvent) -> tuple[str, str]:
    return record_key("delivery", event.platform, event.delivery_id)


def accept_event(event: InboundEvent, store: Store, queue: Queue, now: float, ttl_seconds: int) -> bool:
    """Enqueue `event` unless this delivery was seen before. True when newly accepted.

    The idempotency key is recorded first (a conditional write) so concurrent redeliveries race
    safely; if enqueueing then fails the key is released, so the platform's retry is not mistaken
    for a duplicate and the event is not lost.
    """
    once = deliveries(store, now, ttl_seconds)
    # One conditional write on the acknowledgement's path; undone if the enqueue fails.
    if once.record_once(event.platform, event.delivery_id, {"kind": event.kind, "at": now}) is not None:
        return False
    try:
        queue.send(event.model_dump_json())
    except BaseException:
        once.release(event.platform, event.delivery_id)
        raise
    return True
