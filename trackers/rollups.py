"""Rollups (DATA-1..5): per-day per-salesperson and per-content counters, per-content viewer rows.

Incremented from the events a drain stored as new (:mod:`trackers.store`), in its transaction:
one multi-row upsert per table per chunk, aggregated in Python first.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import connection

from .bulk import bulk_insert
from .figures import event_read_seconds
from .models import ContentVisitor, EventType

_DAYS: dict[tuple[str, int], dt.date] = {}


def local_day(moment: dt.datetime) -> dt.date:
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


def rollups_apply(events: list, salespeople: set[int]) -> set:
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
            local_day(event.occurred_at),
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
