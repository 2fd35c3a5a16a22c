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
from collections import defaultdict
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from . import queue
from .bulk import bulk_insert
from .models import EventType, Notification, TargetKind, Visitor
from .registry import kind_name, titles_for
from .rules import tracking_settings
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


def salesperson_languages(salesperson_ids) -> dict[int, str]:
    """The language each salesperson reads notices in: their admin preference, else the default.

    A notice is stored as text and later sent to WeChat, so it is written once, in the
    reader's language (简体中文 unless the salesperson chose another in their account).
    """
    from enterprises.models import Salesperson

    salesperson_ids = set(salesperson_ids)
    chosen = dict(
        Salesperson.objects.filter(pk__in=salesperson_ids)
        .exclude(user__wagtail_userprofile__preferred_language="")
        .values_list("pk", "user__wagtail_userprofile__preferred_language")
    )
    return {pk: chosen.get(pk) or settings.LANGUAGE_CODE for pk in salesperson_ids}


def salesperson_language(salesperson_id: int) -> str:
    return salesperson_languages([salesperson_id])[salesperson_id]


def visitor_fallback_name(visitor_id: int) -> str:
    """How a notice names a visitor without a nickname (in the active language)."""
    return gettext("Visitor %(id)s") % {"id": visitor_id}


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


def open_notifications_apply(events: list, salespeople: set[int]) -> list[int]:
    """TRK-4: one "is viewing" notice per (salesperson, visitor, content) per throttle window.

    SITE-5: opens during a microsite visit (entry through a microsite page link) push nothing;
    the salesperson gets the one session summary when the visitor leaves. A form submission is
    notified once, by the CRM with the lead it made (the ``form_submit`` event adds no second one).
    """
    opens = [
        event
        for event in events
        if event.salesperson_id in salespeople
        and event.type == EventType.OPEN
        and event.entry_kind != TargetKind.PAGE
    ]
    if not opens:
        return []
    claims = {}
    by_ttl: dict[int, list] = defaultdict(list)
    for event in opens:
        ttl = tracking_settings(event.enterprise_id).notify_throttle_seconds
        key = f"trk:notify:{event.salesperson_id}:{event.visitor_id}:{event.target_kind}:{event.target_id}"
        if ttl:
            by_ttl[ttl].append(key)
        claims[id(event)] = key if ttl else None
    granted = {None}
    for ttl, keys in by_ttl.items():
        unique = list(dict.fromkeys(keys))
        granted.update(key for key, ok in zip(unique, queue.throttle_claim(unique, ttl), strict=True) if ok)
    notify = []
    for event in opens:
        key = claims[id(event)]
        if key not in granted:
            continue
        granted.discard(key)  # one notification per key even within this drain
        notify.append(event)
    if not notify:
        return []
    titles: dict[tuple[int, int], str] = {}
    by_kind: dict[int, set[int]] = defaultdict(set)
    for event in notify:
        by_kind[event.target_kind].add(event.target_id)
    for code, ids in by_kind.items():
        for pk, title in titles_for(code, ids).items():
            titles[(code, pk)] = title
    names = dict(
        Visitor.objects.filter(pk__in={event.visitor_id for event in notify}).values_list("pk", "nickname")
    )
    rows = []
    languages = salesperson_languages(event.salesperson_id for event in notify)
    for event in notify:
        with translation.override(languages[event.salesperson_id]):
            visitor_name = names.get(event.visitor_id) or visitor_fallback_name(event.visitor_id)
            title = titles[(event.target_kind, event.target_id)]
            body = _("Forwarded by another visitor.") if event.forwarder_id else ""
            heading = _("%(visitor)s is viewing %(title)s") % {"visitor": visitor_name, "title": title}
        data = queue.json_dumps(
            {
                "kind": kind_name(event.target_kind),
                "id": event.target_id,
                "forwarder_id": event.forwarder_id,
                "depth": event.depth,
            }
        ).decode()
        rows.append(
            (
                event.enterprise_id,
                event.salesperson_id,
                event.visitor_id,
                Notification.Kind.VISITOR_OPEN.value,
                heading,
                body,
                data,
            )
        )
    return notifications_create(rows)


def notification_mark_read(*, salesperson_id: int, notification_ids: list[int] | None = None) -> int:
    """Mark the salesperson's own notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(salesperson_id=salesperson_id, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())
