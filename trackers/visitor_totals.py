"""Visitor totals (TRK-3..5, ART-9/10): opens, read seconds, clicks, forwards, forms, source, entry,
precise user and intent per visitor, and the tags reading earns.

``visitor_totals_apply``/``visitor_tags_apply`` increment them from a drain's new events;
``visitor_recompute`` rebuilds one visitor from its events after a merge (same definitions:
:mod:`trackers.figures`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Max, Min, Q

from .bulk import unnest_source
from .figures import event_read_seconds, is_precise, read_seconds_sum
from .models import ContentVisitor, Event, EventType, TargetKind, Visitor, VisitorTag
from .registry import tags_for
from .rules import tracking_settings

#: Intent points per event type (heartbeat: per 30 read seconds), times the content weight.
INTENT_POINTS = {
    EventType.OPEN: 1.0,
    EventType.CLICK: 2.0,
    EventType.SHARE: 5.0,
    EventType.LIKE: 2.0,
    EventType.FORM_SUBMIT: 20.0,
    EventType.PHONE_AUTH: 15.0,
    EventType.LEAVE: 0.0,
}


PRECISE_BONUS = 10.0


TAGGING_KINDS = {TargetKind.ARTICLE, TargetKind.FILE}


READING_TYPES = {EventType.OPEN, EventType.HEARTBEAT}


def intent_points(event, weight: float) -> float:
    if event.type == EventType.HEARTBEAT:
        return weight * event.seconds / 30.0
    return weight * INTENT_POINTS.get(event.type, 0.0)


def decayed(score: float, since: dt.datetime | None, now: dt.datetime, half_life_days: float) -> float:
    if not score or since is None or half_life_days <= 0:
        return score
    age_days = max((now - since).total_seconds(), 0) / 86400
    return score * math.pow(0.5, age_days / half_life_days)


VISITOR_FIELDS = [
    "opens",
    "read_seconds",
    "clicks",
    "shares",
    "forms_submitted",
    "last_event_at",
    "first_salesperson_id",
    "first_target_kind",
    "first_target_id",
    "is_precise",
    "intent_score",
    "intent_at",
]


def visitor_totals_apply(events: list, salespeople: set[int], weights: dict) -> None:
    by_visitor: dict[int, list] = defaultdict(list)
    for event in events:
        by_visitor[event.visitor_id].append(event)
    visitors = Visitor.objects.filter(pk__in=by_visitor).only("enterprise_id", *VISITOR_FIELDS)
    changed = []
    for visitor in visitors:
        rules = tracking_settings(visitor.enterprise_id)
        own = sorted(by_visitor[visitor.pk], key=lambda event: event.occurred_at)
        latest = own[-1].occurred_at
        anchor = max(latest, visitor.intent_at) if visitor.intent_at else latest
        score = decayed(visitor.intent_score, visitor.intent_at, anchor, rules.intent_half_life_days)
        for event in own:
            if event.type == EventType.OPEN:
                visitor.opens += 1
            elif event.type == EventType.HEARTBEAT:
                visitor.read_seconds += event_read_seconds(event.type, event.seconds)
            elif event.type == EventType.CLICK:
                visitor.clicks += 1
            elif event.type == EventType.SHARE:
                visitor.shares += 1
            elif event.type == EventType.FORM_SUBMIT:
                visitor.forms_submitted += 1
            points = intent_points(event, weights.get((event.target_kind, event.target_id), 1.0))
            score += decayed(points, event.occurred_at, anchor, rules.intent_half_life_days)
        if visitor.first_salesperson_id is None:
            first = next((event for event in own if event.salesperson_id in salespeople), None)
            if first is not None:
                visitor.first_salesperson_id = first.salesperson_id
                visitor.first_target_kind = first.entry_kind
                visitor.first_target_id = first.target_id if first.entry_kind == first.target_kind else None
        if visitor.first_target_kind is None:
            visitor.first_target_kind = own[0].target_kind
            visitor.first_target_id = own[0].target_id
        precise = is_precise(clicks=visitor.clicks, read_seconds=visitor.read_seconds, rules=rules)
        if precise and not visitor.is_precise:
            score += PRECISE_BONUS
        visitor.is_precise = visitor.is_precise or precise
        visitor.intent_score = round(score, 4)
        visitor.intent_at = anchor
        visitor.last_event_at = max(latest, visitor.last_event_at) if visitor.last_event_at else latest
        changed.append(visitor)
    if not changed:
        return
    columns = [("id", "bigint")] + [(name, VISITOR_FIELD_TYPES[name]) for name in VISITOR_FIELDS]
    source, params = unnest_source(
        columns,
        [tuple([visitor.pk] + [getattr(visitor, name) for name in VISITOR_FIELDS]) for visitor in changed],
    )
    assignments = ", ".join(f"{name} = d.{name}" for name in VISITOR_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE trackers_visitor v SET {assignments} FROM ({source}) d WHERE v.id = d.id", params
        )


VISITOR_FIELD_TYPES = {
    "opens": "integer",
    "read_seconds": "integer",
    "clicks": "integer",
    "shares": "integer",
    "forms_submitted": "integer",
    "last_event_at": "timestamptz",
    "first_salesperson_id": "bigint",
    "first_target_kind": "smallint",
    "first_target_id": "bigint",
    "is_precise": "boolean",
    "intent_score": "double precision",
    "intent_at": "timestamptz",
}


def visitor_tags_apply(events: list) -> list[dict]:
    """ART-9: reading tagged content tags the visitor."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for event in events:
        if event.target_kind in TAGGING_KINDS and event.type in READING_TYPES:
            wanted[event.target_kind].add(event.target_id)
    tags: dict[tuple[int, int], list[str]] = {}
    for code, ids in wanted.items():
        for pk, names in tags_for(code, ids).items():
            tags[(code, pk)] = names
    if not tags:
        return []
    earned: dict[tuple[int, int], dict[str, tuple[int, int]]] = defaultdict(dict)
    for event in events:
        names = tags.get((event.target_kind, event.target_id))
        if names and event.type in READING_TYPES:
            for name in names:
                earned[(event.enterprise_id, event.visitor_id)].setdefault(
                    name, (event.target_kind, event.target_id)
                )
    VisitorTag.objects.bulk_create(
        [
            VisitorTag(
                enterprise_id=enterprise_id,
                visitor_id=visitor_id,
                name=name,
                source_kind=source[0],
                source_id=source[1],
            )
            for (enterprise_id, visitor_id), names in earned.items()
            for name, source in names.items()
        ],
        ignore_conflicts=True,
    )
    return [
        {"enterprise_id": enterprise_id, "visitor_id": visitor_id, "names": sorted(names)}
        for (enterprise_id, visitor_id), names in earned.items()
    ]


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
