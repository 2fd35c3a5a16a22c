"""Writes of the tracking domain: visitors (TEN-3), ingestion entry points, shares, notifications.

Names are stable; the CRM and WeChat apps call them:
``visitor_identify``, ``visitor_from_token``, ``visitor_contact_learn`` (all three in
:mod:`trackers.identity`), ``visitor_merge``, ``visitor_merge_revert``, ``events_ingest``,
``share_forward``, ``browse_session_summarize``, ``notification_mark_read``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .derived import decayed, intent_points, tracking_settings
from .figures import is_precise, read_seconds_sum
from .identity import (  # noqa: F401 - identity lives in identity.py; names stay importable here
    TrackingError,
    VisitorTokenInvalid,
    visitor_contact_learn,
    visitor_current,
    visitor_device_ids,
    visitor_from_token,
    visitor_identify,
)
from .ingest import (  # noqa: F401 - all but EVENT_KEY_RETENTION are re-exported
    EVENT_KEY_RETENTION,
    AcceptResult,
    events_accept,
    events_store,
    visitor_token,
)
from .models import (
    BrowseSession,
    ContentVisitor,
    Event,
    EventKey,
    EventType,
    Notification,
    ShareForward,
    Visitor,
    VisitorMerge,
    VisitorTag,
)
from .notifications import notification_create
from .registry import kind_code, titles_for
from .share import ShareTokenInvalid, share_token_forward, share_token_verify


def events_ingest(*, payload: dict, client_ip: str = "", enterprise_key: str | None = None) -> AcceptResult:
    """The one ingestion entry point for the /t/ view and the GraphQL mutation."""
    return events_accept(payload=payload, client_ip=client_ip, enterprise_key=enterprise_key)


# --- visitors -----------------------------------------------------------------------------


def visitor_merge(*, source: Visitor, target: Visitor, reason: str = "identified") -> VisitorMerge:
    """Move an anonymous visitor's history to another visitor of the same enterprise (audited)."""
    if source.enterprise_id != target.enterprise_id:
        raise TrackingError("visitors belong to different enterprises", "FORBIDDEN")
    if source.pk == target.pk:
        raise TrackingError("a visitor cannot be merged into itself")
    if source.is_identified and target.is_identified:
        raise TrackingError("two identified visitors are never merged")
    with transaction.atomic():
        event_ids = list(
            Event.objects.filter(enterprise_id=source.enterprise_id, visitor_id=source.pk).values_list(
                "pk", flat=True
            )
        )
        Event.objects.filter(enterprise_id=source.enterprise_id, visitor_id=source.pk).update(
            visitor_id=target.pk
        )
        target_tags = set(VisitorTag.objects.filter(visitor=target).values_list("name", flat=True))
        moved_tags = list(
            VisitorTag.objects.filter(visitor=source)
            .exclude(name__in=target_tags)
            .values_list("name", flat=True)
        )
        VisitorTag.objects.filter(visitor=source, name__in=moved_tags).update(visitor=target)
        VisitorTag.objects.filter(visitor=source).delete()
        BrowseSession.objects.filter(visitor=source).update(visitor=target)
        Visitor.objects.filter(pk=source.pk).update(merged_into=target)
        source.merged_into = target
        merge = VisitorMerge.objects.create(
            enterprise_id=source.enterprise_id,
            source=source,
            target=target,
            event_ids=event_ids,
            tag_names=moved_tags,
            reason=reason,
        )
        visitor_recompute(visitor_id=source.pk)
        visitor_recompute(visitor_id=target.pk)
    return merge


def visitor_merge_revert(*, merge: VisitorMerge) -> None:
    """Undo a merge: the moved events and tags go back, both visitors' totals are recomputed."""
    if merge.reverted_at is not None:
        raise TrackingError("this merge was already reverted")
    with transaction.atomic():
        Event.objects.filter(
            enterprise_id=merge.enterprise_id, visitor_id=merge.target_id, pk__in=merge.event_ids
        ).update(visitor_id=merge.source_id)
        VisitorTag.objects.filter(visitor_id=merge.target_id, name__in=merge.tag_names).update(
            visitor_id=merge.source_id
        )
        Visitor.objects.filter(pk=merge.source_id).update(merged_into=None)
        merge.reverted_at = timezone.now()
        merge.save(update_fields=["reverted_at"])
        visitor_recompute(visitor_id=merge.source_id)
        visitor_recompute(visitor_id=merge.target_id)


def visitor_recompute(*, visitor_id: int) -> None:
    """Rebuild one visitor's totals, intent and per-content rows from its events (after a merge)."""
    visitor = Visitor.objects.get(pk=visitor_id)
    events = Event.objects.filter(enterprise_id=visitor.enterprise_id, visitor_id=visitor_id)
    ContentVisitor.objects.filter(enterprise_id=visitor.enterprise_id, visitor_id=visitor_id).delete()
    rows = (
        events.values("target_kind", "target_id", "salesperson_id")
        .annotate(
            first_at=Min("occurred_at"),
            last_at=Max("occurred_at"),
            opens=Count("pk", filter=Q(type=EventType.OPEN)),
            read_seconds=read_seconds_sum(),
            clicks=Count("pk", filter=Q(type=EventType.CLICK)),
            shares=Count("pk", filter=Q(type=EventType.SHARE)),
        )
        .order_by()
    )
    merged: dict[tuple, dict] = defaultdict(dict)
    for row in rows:
        key = (row["target_kind"], row["target_id"], row["salesperson_id"] or 0)
        current = merged.get(key)
        if current:
            current["first_at"] = min(current["first_at"], row["first_at"])
            current["last_at"] = max(current["last_at"], row["last_at"])
            for name in ("opens", "read_seconds", "clicks", "shares"):
                current[name] += row[name]
        else:
            merged[key] = dict(row)
    ContentVisitor.objects.bulk_create(
        [
            ContentVisitor(
                enterprise_id=visitor.enterprise_id,
                target_kind=key[0],
                target_id=key[1],
                visitor_id=visitor_id,
                salesperson_id=key[2],
                first_at=row["first_at"],
                last_at=row["last_at"],
                opens=row["opens"],
                read_seconds=row["read_seconds"],
                clicks=row["clicks"],
                shares=row["shares"],
            )
            for key, row in merged.items()
        ]
    )
    totals = events.aggregate(
        opens=Count("pk", filter=Q(type=EventType.OPEN)),
        read_seconds=read_seconds_sum(),
        clicks=Count("pk", filter=Q(type=EventType.CLICK)),
        shares=Count("pk", filter=Q(type=EventType.SHARE)),
        forms_submitted=Count("pk", filter=Q(type=EventType.FORM_SUBMIT)),
        last_event_at=Max("occurred_at"),
    )
    rules = tracking_settings(visitor.enterprise_id)
    anchor = totals["last_event_at"]
    score = 0.0
    if anchor is not None:
        for event in events.only("type", "seconds", "occurred_at", "target_kind", "target_id"):
            score += decayed(
                intent_points(event, 1.0), event.occurred_at, anchor, rules.intent_half_life_days
            )
    precise = is_precise(clicks=totals["clicks"], read_seconds=totals["read_seconds"], rules=rules)
    Visitor.objects.filter(pk=visitor_id).update(
        **totals, is_precise=precise, intent_score=round(score, 4), intent_at=anchor
    )


# --- shares -------------------------------------------------------------------------------


def share_forward(*, parent_token: str, visitor: Visitor) -> str:
    """A visitor forwards a share: a new token keeping the origin salesperson, recording the chain."""
    try:
        parent = share_token_verify(parent_token)
    except ShareTokenInvalid as error:
        raise TrackingError("invalid share token", "VALIDATION") from error
    if parent.enterprise_id != visitor.enterprise_id:
        raise TrackingError("this share belongs to another enterprise", "FORBIDDEN")
    if parent.salesperson_id is None:
        raise TrackingError("only a salesperson's share can be forwarded")
    token = share_token_forward(parent, forwarder_id=visitor.pk)
    ShareForward.objects.get_or_create(
        enterprise_id=parent.enterprise_id,
        token=token,
        defaults={
            "salesperson_id": parent.salesperson_id,
            "forwarder": visitor,
            "target_kind": kind_code(parent.kind),
            "target_id": parent.target_id,
            "parent_token": parent.token,
            "depth": parent.depth + 1,
        },
    )
    return token


# --- browse sessions (SITE-5) ---------------------------------------------------------------


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
            kind, _, pk = item_key.partition(":")
            by_kind[kind].append(int(pk))
        titles = {}
        for kind, ids in by_kind.items():
            for pk, title in titles_for(kind_code(kind), ids).items():
                titles[f"{kind}:{pk}"] = title
        lines, items = [], []
        for item_key, item in sorted(session.items.items(), key=lambda pair: -pair[1]["seconds"]):
            kind, _, pk = item_key.partition(":")
            items.append({"kind": kind, "id": int(pk), "title": titles[item_key], **item})
            lines.append(f"{titles[item_key]} ({kind}): {item['seconds']} s")
        visitor_name = session.visitor.nickname or f"Visitor {session.visitor_id}"
        total = sum(item["seconds"] for item in session.items.values())
        notification = notification_create(
            enterprise_id=session.enterprise_id,
            salesperson_id=session.salesperson_id,
            visitor_id=session.visitor_id,
            kind=Notification.Kind.SESSION_SUMMARY,
            title=f"{visitor_name} browsed your microsite: {len(items)} items, {total} s",
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


# --- replay guard ---------------------------------------------------------------------------


def event_keys_prune(*, now: dt.datetime | None = None) -> int:
    """Delete replay-guard keys older than EVENT_KEY_RETENTION; returns how many.

    The key table takes one row per event ever stored and every insert pays for its index, so it
    must not grow forever. A pruned key cannot let a double in: such an old event is refused by
    the endpoint and dropped by the drain. One daily statement, scanning the table (an index on
    ``occurred_at`` would cost every insert more than the daily scan costs).
    """
    cutoff = (now or timezone.now()) - EVENT_KEY_RETENTION
    deleted, _ = EventKey.objects.filter(occurred_at__lt=cutoff).delete()
    return deleted


# --- notifications --------------------------------------------------------------------------


def notification_mark_read(*, salesperson_id: int, notification_ids: list[int] | None = None) -> int:
    """Mark the salesperson's own notifications read (all unread ones when no ids are given)."""
    queryset = Notification.objects.filter(salesperson_id=salesperson_id, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())


def events_store_now(messages: list[dict]):
    """Store already-accepted messages synchronously (benchmarks, tests of the storing step)."""
    return events_store(messages)


__all__ = [
    "TrackingError",
    "browse_session_summarize",
    "browse_sessions_expire",
    "events_ingest",
    "notification_mark_read",
    "share_forward",
    "visitor_contact_learn",
    "visitor_from_token",
    "visitor_identify",
    "visitor_merge",
    "visitor_merge_revert",
    "visitor_recompute",
    "visitor_token",
]
