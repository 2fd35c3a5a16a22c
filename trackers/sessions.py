"""Microsite browse sessions (SITE-5): accumulated by the drain, summarized once when the visitor
leaves (a ``leave`` event) or after the enterprise's inactivity timeout (beat).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .figures import event_read_seconds
from .models import BrowseSession, EventType, Notification, TargetKind
from .notifications import notification_create, salesperson_language, visitor_fallback_name
from .registry import kind_code, kind_name, titles_for
from .rollups import local_day
from .rules import tracking_settings


def browse_sessions_apply(events: list, salespeople: set[int]) -> list[int]:
    """SITE-5: accumulate microsite sessions (entry by a microsite page link); return those left."""
    groups: dict[tuple, list] = defaultdict(list)
    for event in events:
        if event.entry_kind != TargetKind.PAGE:
            continue
        key = event.session or f"auto:{event.salesperson_id or 0}:{local_day(event.occurred_at).isoformat()}"
        groups[(event.enterprise_id, event.visitor_id, key[:64])].append(event)
    if not groups:
        return []
    existing = {
        (session.enterprise_id, session.visitor_id, session.key): session
        for session in BrowseSession.objects.filter(
            enterprise_id__in={key[0] for key in groups},
            visitor_id__in={key[1] for key in groups},
            key__in={key[2] for key in groups},
        )
    }
    left = []
    for key, own in groups.items():
        own.sort(key=lambda event: event.occurred_at)
        session = existing.get(key)
        if session is None:
            first_salesperson = next((e.salesperson_id for e in own if e.salesperson_id in salespeople), None)
            session = BrowseSession(
                enterprise_id=key[0],
                visitor_id=key[1],
                key=key[2],
                salesperson_id=first_salesperson,
                started_at=own[0].occurred_at,
                last_event_at=own[0].occurred_at,
                items={},
            )
        if session.summarized_at is not None:
            continue
        for event in own:
            item_key = f"{kind_name(event.target_kind)}:{event.target_id}"
            item = session.items.setdefault(item_key, {"opens": 0, "seconds": 0})
            if event.type == EventType.OPEN:
                item["opens"] += 1
            item["seconds"] += event_read_seconds(event.type, event.seconds)
            session.last_event_at = max(session.last_event_at, event.occurred_at)
            if event.type == EventType.LEAVE:
                session.left_at = event.occurred_at
        session.save()
        if session.left_at is not None:
            left.append(session.pk)
    return left


def browse_session_summarize(*, session_id: int) -> Notification | None:
    """Send the one summary of a microsite session; a second call does nothing."""
    with transaction.atomic():
        claimed = BrowseSession.objects.filter(pk=session_id, summarized_at__isnull=True).update(
            summarized_at=timezone.now()
        )
        if not claimed:
            return None
        session = BrowseSession.objects.select_related("visitor").get(pk=session_id)
        if session.salesperson_id is None or not session.items:
            return None
        by_kind: dict[str, list[int]] = defaultdict(list)
        for item_key in session.items:
            kind, _sep, pk = item_key.partition(":")
            by_kind[kind].append(int(pk))
        titles = {}
        for kind, ids in by_kind.items():
            for pk, title in titles_for(kind_code(kind), ids).items():
                titles[f"{kind}:{pk}"] = title
        lines, items = [], []
        with translation.override(salesperson_language(session.salesperson_id)):
            for item_key, item in sorted(session.items.items(), key=lambda pair: -pair[1]["seconds"]):
                kind, _sep, pk = item_key.partition(":")
                items.append({"kind": kind, "id": int(pk), "title": titles[item_key], **item})
                label = TargetKind[kind.upper()].label if kind.upper() in TargetKind.names else kind
                lines.append(
                    _("%(title)s (%(kind)s): %(seconds)s s")
                    % {"title": titles[item_key], "kind": label, "seconds": item["seconds"]}
                )
            visitor_name = session.visitor.nickname or visitor_fallback_name(session.visitor_id)
            total = sum(item["seconds"] for item in session.items.values())
            title = _("%(visitor)s browsed your microsite: %(count)s items, %(seconds)s s") % {
                "visitor": visitor_name,
                "count": len(items),
                "seconds": total,
            }
        notification = notification_create(
            enterprise_id=session.enterprise_id,
            salesperson_id=session.salesperson_id,
            visitor_id=session.visitor_id,
            kind=Notification.Kind.SESSION_SUMMARY,
            title=title,
            body="\n".join(lines),
            data={"session": session.key, "items": items, "seconds": total},
        )
    return notification


def browse_sessions_expire(*, now: dt.datetime | None = None) -> int:
    """Summarize sessions idle past their enterprise's timeout (beat entry)."""
    now = now or timezone.now()
    candidates = BrowseSession.objects.filter(
        summarized_at__isnull=True, last_event_at__lt=now - dt.timedelta(seconds=60)
    ).values_list("pk", "enterprise_id", "last_event_at")
    done = 0
    for pk, enterprise_id, last_event_at in candidates[:1000]:
        timeout = tracking_settings(enterprise_id).session_timeout_seconds
        if last_event_at <= now - dt.timedelta(seconds=timeout):
            if browse_session_summarize(session_id=pk) is not None:
                done += 1
    return done
