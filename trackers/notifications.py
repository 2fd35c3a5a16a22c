"""Notification channels (TRK-4): the in-app inbox is the record; other channels send from it.

Every notice to a salesperson is created by :func:`notification_create` (one) or
:func:`notifications_create` (a drain's batch): tracking (visitor opens, microsite summaries),
the CRM (form leads, collisions, follow-ups) and WeChat (WeCom contact changes). Each stores the
inbox row and, after commit, hands it to the channels.

The WeChat/WeCom engineer adds a channel with one call::

    register_channel("wechat", lambda notifications: ...)

A channel receives a batch (a drain stores hundreds of notifications at once), so it can load what
it needs for all of them in one query instead of one per notification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from .bulk import bulk_insert
from .models import Notification
from .schedule import NOTIFICATION_DISPATCH, task_delay

logger = logging.getLogger(__name__)

#: name -> ``send(notifications)``; the in-app inbox needs no entry (the row is the message).
CHANNELS: dict[str, Callable[[Sequence[Notification]], None]] = {}


def register_channel(name: str, send: Callable[[Sequence[Notification]], None]) -> None:
    CHANNELS[name] = send


def unregister_channel(name: str) -> None:
    CHANNELS.pop(name, None)


def notification_dispatch(*, notifications: Sequence[Notification]) -> list[str]:
    """Send through every registered channel; one failing channel does not stop the others."""
    sent = []
    if not notifications:
        return sent
    for name, send in list(CHANNELS.items()):
        try:
            send(notifications)
            sent.append(name)
        except Exception:  # noqa: BLE001 - a channel outage must not lose the in-app record
            logger.exception("notification channel %s failed for %s", name, [n.pk for n in notifications])
    return sent


NOTIFICATION_COLUMNS = [
    ("enterprise_id", "bigint"),
    ("salesperson_id", "bigint"),
    ("visitor_id", "bigint"),
    ("kind", "varchar"),
    ("title", "varchar"),
    ("body", "text"),
    ("data", "jsonb"),
    ("created_at", "timestamptz"),
]


def _dispatch_after_commit(ids: list[int]) -> None:
    if ids and CHANNELS:
        transaction.on_commit(lambda: task_delay(NOTIFICATION_DISPATCH, list(ids)))


def notification_create(
    *,
    enterprise_id: int,
    salesperson_id: int,
    kind: str,
    title: str,
    body: str = "",
    data: dict | None = None,
    visitor_id: int | None = None,
) -> Notification:
    """Store one notification for a salesperson and send it through the channels after commit."""
    notification = Notification.objects.create(
        enterprise_id=enterprise_id,
        salesperson_id=salesperson_id,
        visitor_id=visitor_id,
        kind=str(kind),
        title=str(title)[:200],
        body=body,
        data=data or {},
    )
    _dispatch_after_commit([notification.pk])
    return notification


def notifications_create(rows: Sequence[tuple]) -> list[int]:
    """Store many notifications in one multi-row INSERT (a drain's batch); returns their ids.

    ``rows``: ``(enterprise_id, salesperson_id, visitor_id, kind, title, body, data_json)``.
    """
    if not rows:
        return []
    now = timezone.now()
    values = [(*row[:4], str(row[4])[:200], *row[5:7], now) for row in rows]
    with connection.cursor() as cursor:
        returned = bulk_insert(cursor, "trackers_notification", NOTIFICATION_COLUMNS, values, "RETURNING id")
    ids = sorted(pk for (pk,) in returned)
    _dispatch_after_commit(ids)
    return ids
