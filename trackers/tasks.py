"""Celery tasks: drain the event queue, dispatch notifications, summarize sessions, partitions.

The import graph is one-way: this module imports the pipeline; the pipeline never imports it
(it schedules tasks by name through :mod:`trackers.schedule`).
"""

from __future__ import annotations

from celery import shared_task

from . import services, store
from .models import Notification
from .notifications import notification_dispatch
from .partitions import event_partitions_ensure


@shared_task(acks_late=True)
def events_drain(max_rounds: int = 1000) -> int:
    """Store queued batches (at-least-once, idempotent): see :func:`trackers.store.events_drain_run`."""
    return store.events_drain_run(max_rounds)


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
