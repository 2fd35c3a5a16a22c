"""Celery tasks: drain the event queue, dispatch notifications, summarize sessions, partitions.

The import graph is one-way: this module imports the pipeline; the pipeline never imports it
(it schedules tasks by name through :mod:`trackers.schedule`).
"""

from __future__ import annotations

import os
import uuid

from celery import shared_task

from . import ingest, queue, services
from .models import Notification
from .notifications import notification_dispatch
from .partitions import event_partitions_ensure

#: Messages (each up to 100 events) per transaction: fewer, larger transactions cost fewer round trips.
DRAIN_CHUNK = int(os.environ.get("TRACKING_DRAIN_CHUNK", "500"))

#: Trim what was stored and renew the lock, only while still owning it (atomic): a drainer whose
#: lock expired mid-chunk must not trim messages the next drainer has read and will trim itself.
TRIM_IF_OWNER = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
    redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
    return 1
end
return 0
"""


def drain_lock_seconds() -> int:
    return int(os.environ.get("TRACKING_DRAIN_LOCK_SECONDS", "30"))


@shared_task(acks_late=True)
def events_drain(max_rounds: int = 1000) -> int:
    """Store queued batches; at-least-once and idempotent.

    Messages are read (not popped) from the head of the list, stored in one transaction,
    then trimmed. A worker killed in between leaves them queued; the next drain stores them
    again and the event keys make that a no-op. One drainer at a time (lock with a TTL, so
    a killed drainer's lock expires).
    """
    client = queue.redis_client()
    if client is None:
        return 0
    owner = uuid.uuid4().hex
    if not client.set(queue.DRAIN_LOCK_KEY, owner, nx=True, ex=drain_lock_seconds()):
        return 0
    stored = 0
    try:
        for _ in range(max_rounds):
            raw = client.lrange(queue.QUEUE_KEY, 0, DRAIN_CHUNK - 1)
            if not raw:
                break
            messages = []
            for item in raw:
                try:
                    messages.append(queue.json_loads(item))
                except ValueError:
                    queue.rejects_count({"corrupt_message": 1})
            stored += ingest.events_store(messages).stored
            keys = [queue.QUEUE_KEY, queue.DRAIN_LOCK_KEY]
            if not client.eval(TRIM_IF_OWNER, 2, *keys, owner, len(raw), drain_lock_seconds()):
                break  # the lock expired: the drainer holding it now stores (again) and trims these
    finally:
        if client.get(queue.DRAIN_LOCK_KEY) == owner.encode():
            client.delete(queue.DRAIN_LOCK_KEY)
    # The next batch may schedule a drain at once (not only after the debounce window), and a batch
    # queued after the last read (its drain found the lock taken) or a max_rounds stop is not left
    # waiting for the beat.
    client.delete(queue.DRAIN_PENDING_KEY)
    if client.llen(queue.QUEUE_KEY):
        events_drain.delay(max_rounds)
    return stored


@shared_task
def notification_dispatch_task(notification_ids: int | list[int]) -> int:
    """Send stored notifications through the registered channels (ids; missing ones skipped)."""
    if isinstance(notification_ids, int):
        notification_ids = [notification_ids]
    notifications = list(Notification.objects.filter(pk__in=notification_ids).order_by("pk"))
    return len(notifications) if notification_dispatch(notifications=notifications) else 0


@shared_task
def browse_session_summarize_task(session_id: int) -> int | None:
    notification = services.browse_session_summarize(session_id=session_id)
    return notification.pk if notification else None


@shared_task
def browse_sessions_expire() -> int:
    """Beat: summarize microsite sessions idle longer than their enterprise's timeout (SITE-5)."""
    return services.browse_sessions_expire()


@shared_task
def event_keys_prune_task() -> int:
    """Beat, daily: bound the replay-guard table (see services.event_keys_prune)."""
    return services.event_keys_prune()


@shared_task
def event_partitions_ensure_task() -> int:
    return event_partitions_ensure(months_ahead=3)
