"""Derived data from newly stored events, in the storing transaction (TRK-3..5, ART-9/10, SITE-5).

Only events that were new get here, so every update is an increment and a replay adds nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from enterprises.models import Salesperson

from . import queue
from .bulk import bulk_insert, unnest_source
from .figures import event_read_seconds, is_precise
from .hooks import FORM_SUBMITTED_HOOKS, VISITOR_TAGGED_HOOKS, hooks_run
from .models import (
    BrowseSession,
    ContentVisitor,
    EventType,
    Notification,
    TargetKind,
    TrackingSettings,
    Visitor,
    VisitorTag,
)
from .notifications import notifications_create
from .registry import kind_name, tags_for, titles_for, weights_for
from .schedule import BROWSE_SESSION_SUMMARIZE, task_delay

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


@dataclass
class Followups:
    notification_ids: list[int] = field(default_factory=list)
    left_session_ids: list[int] = field(default_factory=list)
    form_submits: list[dict] = field(default_factory=list)
    tagged: list[dict] = field(default_factory=list)


_SETTINGS_CACHE: dict[int, tuple[float, TrackingSettings]] = {}
SETTINGS_CACHE_SECONDS = 30


def tracking_settings(enterprise_id: int) -> TrackingSettings:
    """The enterprise's rules (defaults when it never saved any), kept in process for 30 s."""
    now = time.monotonic()
    cached = _SETTINGS_CACHE.get(enterprise_id)
    if cached and now - cached[0] < SETTINGS_CACHE_SECONDS:
        return cached[1]
    found = TrackingSettings.objects.filter(enterprise_id=enterprise_id).first() or TrackingSettings(
        enterprise_id=enterprise_id
    )
    _SETTINGS_CACHE[enterprise_id] = (now, found)
    return found


def tracking_settings_forget(enterprise_id: int | None = None) -> None:
    """Drop cached rules (after an admin edits them; tests)."""
    if enterprise_id is None:
        _SETTINGS_CACHE.clear()
    else:
        _SETTINGS_CACHE.pop(enterprise_id, None)


def intent_points(event, weight: float) -> float:
    if event.type == EventType.HEARTBEAT:
        return weight * event.seconds / 30.0
    return weight * INTENT_POINTS.get(event.type, 0.0)


def decayed(score: float, since: dt.datetime | None, now: dt.datetime, half_life_days: float) -> float:
    if not score or since is None or half_life_days <= 0:
        return score
    age_days = max((now - since).total_seconds(), 0) / 86400
    return score * math.pow(0.5, age_days / half_life_days)


_DAYS: dict[tuple[str, int], dt.date] = {}


def _day(moment: dt.datetime) -> dt.date:
    """The local day of a moment, memoized per 15 minutes (every zone offset is a multiple of 15 min)."""
    zone = settings.TIME_ZONE
    key = (zone, int(moment.timestamp()) // 900)
    day = _DAYS.get(key)
    if day is None:
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        day = _DAYS[key] = moment.astimezone(zoneinfo.ZoneInfo(zone)).date()
    return day


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})"


def _greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})"


COUNTER_TYPE = "bigint"


def _upsert(
    cursor, table: str, key: list[tuple[str, str]], columns: list[tuple[str, str]], rows, updates: str
):
    bulk_insert(
        cursor,
        table,
        key + columns,
        rows,
        f"ON CONFLICT ({', '.join(name for name, _type in key)}) DO UPDATE SET {updates}",
    )


def derived_apply(events: list) -> Followups:
    """Rollups, visitor totals, intent, tags, sessions and notifications for new events."""
    followups = Followups()
    salespeople = set(
        Salesperson.objects.filter(
            pk__in={event.salesperson_id for event in events if event.salesperson_id}
        ).values_list("pk", flat=True)
    )
    weights: dict[tuple[int, int], float] = {}
    by_kind: dict[int, set[int]] = defaultdict(set)
    for event in events:
        by_kind[event.target_kind].add(event.target_id)
    for code, ids in by_kind.items():
        for pk, weight in weights_for(code, ids).items():
            weights[(code, pk)] = weight

    new_viewer_keys = _content_rollups(events, salespeople)
    _visitor_totals(events, salespeople, weights)
    followups.tagged = _auto_tag(events)
    followups.left_session_ids = _browse_sessions(events, salespeople)
    followups.notification_ids = _notifications(events, salespeople)
    followups.form_submits = [
        {
            "enterprise_id": event.enterprise_id,
            "visitor_id": event.visitor_id,
            "salesperson_id": event.salesperson_id if event.salesperson_id in salespeople else None,
            "form_id": event.target_id,
            "occurred_at": event.occurred_at,
        }
        for event in events
        if event.type == EventType.FORM_SUBMIT and event.target_kind == TargetKind.FORM
    ]
    del new_viewer_keys
    return followups


def _content_rollups(events: list, salespeople: set[int]) -> set:
    daily: dict[tuple, list[int]] = defaultdict(lambda: [0] * 8)
    viewers: dict[tuple, list] = {}
    visitor_ids = {event.visitor_id for event in events}
    existing = set(
        ContentVisitor.objects.filter(
            enterprise_id__in={event.enterprise_id for event in events}, visitor_id__in=visitor_ids
        ).values_list("enterprise_id", "target_kind", "target_id", "visitor_id", "salesperson_id")
    )
    new_keys = set()
    for event in events:
        salesperson_id = event.salesperson_id if event.salesperson_id in salespeople else 0
        day_key = (
            event.enterprise_id,
            _day(event.occurred_at),
            salesperson_id,
            event.target_kind,
            event.target_id,
        )
        totals = daily[day_key]
        viewer_key = (
            event.enterprise_id,
            event.target_kind,
            event.target_id,
            event.visitor_id,
            salesperson_id,
        )
        viewer = viewers.get(viewer_key)
        if viewer is None:
            viewer = viewers[viewer_key] = [event.occurred_at, event.occurred_at, 0, 0, 0, 0]
        viewer[0] = min(viewer[0], event.occurred_at)
        viewer[1] = max(viewer[1], event.occurred_at)
        if viewer_key not in existing and viewer_key not in new_keys:
            new_keys.add(viewer_key)
            totals[1] += 1
        if event.type == EventType.OPEN:
            totals[0] += 1
            viewer[2] += 1
        elif event.type == EventType.HEARTBEAT:
            seconds = event_read_seconds(event.type, event.seconds)
            totals[2] += seconds
            viewer[3] += seconds
        elif event.type == EventType.CLICK:
            totals[3] += 1
            viewer[4] += 1
        elif event.type == EventType.SHARE:
            totals[4] += 1
            viewer[5] += 1
        elif event.type == EventType.LIKE:
            totals[5] += 1
        elif event.type == EventType.FORM_SUBMIT:
            totals[6] += 1
        elif event.type == EventType.PHONE_AUTH:
            totals[7] += 1
    daily_columns = [
        "opens",
        "new_visitors",
        "read_seconds",
        "clicks",
        "shares",
        "likes",
        "form_submits",
        "phone_auths",
    ]
    viewer_columns = ["first_at", "last_at", "opens", "read_seconds", "clicks", "shares"]
    table_daily, table_viewer = "trackers_contentdailystat", "trackers_contentvisitor"
    per_salesperson: dict[tuple, list[int]] = defaultdict(lambda: [0] * 8)
    for (enterprise_id, day, salesperson_id, _kind, _target), values in daily.items():
        sums = per_salesperson[(enterprise_id, day, salesperson_id)]
        for index, value in enumerate(values):
            sums[index] += value
    with connection.cursor() as cursor:
        _upsert(
            cursor,
            "trackers_salespersondailystat",
            [("enterprise_id", "bigint"), ("day", "date"), ("salesperson_id", "bigint")],
            [(name, COUNTER_TYPE) for name in daily_columns],
            [key + tuple(values) for key, values in per_salesperson.items()],
            ", ".join(
                f"{name} = trackers_salespersondailystat.{name} + EXCLUDED.{name}" for name in daily_columns
            ),
        )
        _upsert(
            cursor,
            table_daily,
            [
                ("enterprise_id", "bigint"),
                ("day", "date"),
                ("salesperson_id", "bigint"),
                ("target_kind", "smallint"),
                ("target_id", "bigint"),
            ],
            [(name, COUNTER_TYPE) for name in daily_columns],
            [key + tuple(values) for key, values in daily.items()],
            ", ".join(f"{name} = {table_daily}.{name} + EXCLUDED.{name}" for name in daily_columns),
        )
        _upsert(
            cursor,
            table_viewer,
            [
                ("enterprise_id", "bigint"),
                ("target_kind", "smallint"),
                ("target_id", "bigint"),
                ("visitor_id", "bigint"),
                ("salesperson_id", "bigint"),
            ],
            [("first_at", "timestamptz"), ("last_at", "timestamptz")]
            + [(name, COUNTER_TYPE) for name in viewer_columns[2:]],
            [key + tuple(values) for key, values in viewers.items()],
            ", ".join(
                [
                    f"first_at = {_least(f'{table_viewer}.first_at', 'EXCLUDED.first_at')}",
                    f"last_at = {_greatest(f'{table_viewer}.last_at', 'EXCLUDED.last_at')}",
                ]
                + [f"{name} = {table_viewer}.{name} + EXCLUDED.{name}" for name in viewer_columns[2:]]
            ),
        )
    return new_keys


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


def _visitor_totals(events: list, salespeople: set[int], weights: dict) -> None:
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


def _auto_tag(events: list) -> list[dict]:
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


def _browse_sessions(events: list, salespeople: set[int]) -> list[int]:
    """SITE-5: accumulate microsite sessions (entry by a microsite page link); return those left."""
    groups: dict[tuple, list] = defaultdict(list)
    for event in events:
        if event.entry_kind != TargetKind.PAGE:
            continue
        key = event.session or f"auto:{event.salesperson_id or 0}:{_day(event.occurred_at).isoformat()}"
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


def _notifications(events: list, salespeople: set[int]) -> list[int]:
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
    for event in notify:
        visitor_name = names.get(event.visitor_id) or f"Visitor {event.visitor_id}"
        title = titles[(event.target_kind, event.target_id)]
        data = queue.json_dumps(
            {
                "kind": kind_name(event.target_kind),
                "id": event.target_id,
                "forwarder_id": event.forwarder_id,
                "depth": event.depth,
            }
        ).decode()
        body = "Forwarded by another visitor." if event.forwarder_id else ""
        rows.append(
            (
                event.enterprise_id,
                event.salesperson_id,
                event.visitor_id,
                Notification.Kind.VISITOR_OPEN.value,
                f"{visitor_name} is viewing {title}",
                body,
                data,
            )
        )
    return notifications_create(rows)


def derived_after_commit(followups: Followups) -> None:
    """Session summaries and consumer hooks, once the events are safely stored.

    (Notifications schedule their own channel dispatch when created: ``notifications_create``.)
    """
    for session_id in followups.left_session_ids:
        transaction.on_commit(lambda pk=session_id: task_delay(BROWSE_SESSION_SUMMARIZE, pk))
    for submit in followups.form_submits:
        hooks_run(FORM_SUBMITTED_HOOKS, **submit)
    for tagged in followups.tagged:
        hooks_run(VISITOR_TAGGED_HOOKS, **tagged)
