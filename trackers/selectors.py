"""Reads of the tracking domain; every function takes a Scope (TEN-2, TEN-4).

Admins see the enterprise, salespeople what their own shares brought, managers their
subtree. Dashboards read the rollup tables; ``dashboard_raw`` scans events and exists
only as the benchmark's baseline.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from enterprises.models import Salesperson
from enterprises.selectors import Scope

from .figures import new_lead_counts, read_seconds_sum
from .models import (
    ContentDailyStat,
    ContentVisitor,
    Event,
    EventType,
    Notification,
    SalespersonDailyStat,
    ShareForward,
    TargetKind,
    Visitor,
)
from .registry import kind_code, kind_name, titles_for
from .rules import tracking_settings
from .visitor_totals import decayed

MAX_LIST = 200


def _scoped_rows(queryset: QuerySet, scope: Scope) -> QuerySet:
    """Rollup rows (plain id columns) visible to the scope."""
    if not scope.is_platform:
        queryset = queryset.filter(enterprise_id=scope.enterprise_id)
    if not scope.sees_whole_enterprise:
        queryset = queryset.filter(salesperson_id__in=scope.salespeople().values("pk"))
    return queryset


def _today() -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


# --- visitors ---------------------------------------------------------------------------------


def visitor_queryset(*, scope: Scope) -> QuerySet[Visitor]:
    """Visitors the scope may see (merged-away anonymous rows excluded)."""
    queryset = scope.filter_enterprise(Visitor.objects.filter(merged_into__isnull=True))
    if scope.sees_whole_enterprise:
        return queryset
    reached = ContentVisitor.objects.filter(
        enterprise_id=OuterRef("enterprise_id"),
        visitor_id=OuterRef("pk"),
        salesperson_id__in=scope.salespeople().values("pk"),
    )
    return queryset.filter(Exists(reached))


def visitor_get(*, scope: Scope, visitor_id: int) -> Visitor | None:
    return visitor_queryset(scope=scope).filter(pk=visitor_id).first()


@dataclass(frozen=True)
class Intent:
    score: float
    level: str  # none, low, medium, high


def visitor_intent(visitor: Visitor, *, now: dt.datetime | None = None) -> Intent:
    """TRK-5: decayed score plus rules (form submitted → high; precise user or repeat visits → medium)."""
    rules = tracking_settings(visitor.enterprise_id)
    score = decayed(
        visitor.intent_score, visitor.intent_at, now or timezone.now(), rules.intent_half_life_days
    )
    if visitor.opens == 0 and visitor.forms_submitted == 0 and score == 0:
        level = "none"
    elif visitor.forms_submitted or score >= rules.intent_high_score:
        level = "high"
    elif visitor.is_precise or visitor.opens >= 3 or score >= rules.intent_medium_score:
        level = "medium"
    else:
        level = "low"
    return Intent(round(score, 2), level)


def visitor_list(
    *,
    scope: Scope,
    precise: bool | None = None,
    since: dt.datetime | None = None,
    salesperson_id: int | None = None,
    order: str = "-last_event_at",
    limit: int = 50,
    offset: int = 0,
) -> list[Visitor]:
    """CRM-7 base: visitors by last visit or engagement, with simple filters."""
    queryset = visitor_queryset(scope=scope)
    if precise is not None:
        queryset = queryset.filter(is_precise=precise)
    if since is not None:
        queryset = queryset.filter(last_event_at__gte=since)
    if salesperson_id is not None:
        queryset = queryset.filter(first_salesperson_id=salesperson_id)
    if order not in {"-last_event_at", "-read_seconds", "-opens", "-intent_score"}:
        order = "-last_event_at"
    queryset = queryset.order_by(order, "-pk").select_related("first_salesperson")
    return list(queryset[offset : offset + min(limit, MAX_LIST)])


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: dt.datetime
    type: str
    kind: str
    target_id: int
    title: str
    seconds: int
    scroll: int
    salesperson_id: int | None
    forwarder_id: int | None


def visitor_timeline(
    *, scope: Scope, visitor: Visitor, limit: int = 100, before: dt.datetime | None = None
) -> list[TimelineEntry]:
    """TRK-3: a visitor's actions across all content, newest first, with item titles.

    A salesperson sees only the actions on shares they cover; two queries plus one per kind.
    """
    if visitor_get(scope=scope, visitor_id=visitor.pk) is None:
        return []
    events = Event.objects.filter(enterprise_id=visitor.enterprise_id, visitor_id=visitor.pk)
    if not scope.sees_whole_enterprise:
        events = events.filter(salesperson_id__in=scope.salespeople().values("pk"))
    if before is not None:
        events = events.filter(occurred_at__lt=before)
    rows = list(
        events.order_by("-occurred_at", "-id").values_list(
            "occurred_at",
            "type",
            "target_kind",
            "target_id",
            "seconds",
            "scroll",
            "salesperson_id",
            "forwarder_id",
        )[: min(limit, 1000)]
    )
    by_kind: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        by_kind[row[2]].add(row[3])
    titles = {
        (code, pk): title for code, ids in by_kind.items() for pk, title in titles_for(code, ids).items()
    }
    return [
        TimelineEntry(
            occurred_at,
            EventType(type_).name.lower(),
            kind_name(code),
            target_id,
            titles[(code, target_id)],
            seconds,
            scroll,
            salesperson_id,
            forwarder_id,
        )
        for occurred_at, type_, code, target_id, seconds, scroll, salesperson_id, forwarder_id in rows
    ]


# --- data center (DATA-1..5, POST-3) ------------------------------------------------------------

TOTAL_FIELDS = [
    "opens",
    "new_visitors",
    "read_seconds",
    "clicks",
    "shares",
    "likes",
    "form_submits",
    "phone_auths",
]


@dataclass
class Dashboard:
    days: int
    totals: dict[str, int]
    series: list[dict] = field(default_factory=list)  # one entry per day, oldest first
    precise_visitors: int = 0
    # Distinct visitors who opened the scope's content in the window; ``totals["new_visitors"]`` counts
    # first views per item, so one visitor reading three articles is 3 there and 1 here.
    readers: int = 0


def dashboard(*, scope: Scope, days: int = 30, kind: str | None = None) -> Dashboard:
    """Totals and a per-day series over the last ``days`` days, from the daily rollup."""
    days = max(1, min(days, 366))
    start = _today() - dt.timedelta(days=days - 1)
    if kind:
        rows = _scoped_rows(ContentDailyStat.objects.filter(day__gte=start), scope)
        rows = rows.filter(target_kind=kind_code(kind))
    else:
        rows = _scoped_rows(SalespersonDailyStat.objects.filter(day__gte=start), scope)
    per_day = {
        row["day"]: row
        for row in rows.values("day").annotate(**{name: Sum(name) for name in TOTAL_FIELDS}).order_by("day")
    }
    series = []
    totals = dict.fromkeys(TOTAL_FIELDS, 0)
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        row = per_day.get(day) or {}
        entry = {"day": day.isoformat(), **{name: int(row.get(name) or 0) for name in TOTAL_FIELDS}}
        series.append(entry)
        for name in TOTAL_FIELDS:
            totals[name] += entry[name]
    precise = visitor_queryset(scope=scope).filter(is_precise=True).count()
    return Dashboard(days, totals, series, precise, readers_count(scope=scope, start=start, kind=kind))


def _readers(*, scope: Scope, start: dt.date, kind: str | None = None) -> QuerySet:
    """ContentVisitor rows of visitors who opened the scope's content, active since ``start``."""
    since = dt.datetime.combine(start, dt.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    rows = _scoped_rows(ContentVisitor.objects.filter(last_at__gte=since, opens__gt=0), scope)
    if kind:
        rows = rows.filter(target_kind=kind_code(kind))
    return rows


def readers_count(*, scope: Scope, start: dt.date, kind: str | None = None) -> int:
    """Readers (glossary: visitor): distinct visitors who opened the scope's content in the window.

    One person reading two items, or submitting a form after reading, is one reader. Rows of a
    merged-away anonymous visitor are moved to the person by the merge, so they count once.
    """
    return _readers(scope=scope, start=start, kind=kind).values("visitor_id").distinct().count()


def reader_counts(*, scope: Scope, start: dt.date) -> dict[int, int]:
    """Readers per salesperson (the same definition as :func:`readers_count`, grouped)."""
    return dict(
        _readers(scope=scope, start=start)
        .order_by()
        .values_list("salesperson_id")
        .annotate(n=Count("visitor_id", distinct=True))
    )


def dashboard_raw(*, scope: Scope, days: int = 30) -> Dashboard:
    """The same daily opens/read seconds computed by scanning events (benchmark baseline only)."""
    start = _today() - dt.timedelta(days=days - 1)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    since = dt.datetime.combine(start, dt.time(), tzinfo=zone)
    events = Event.objects.filter(occurred_at__gte=since)
    if not scope.is_platform:
        events = events.filter(enterprise_id=scope.enterprise_id)
    if not scope.sees_whole_enterprise:
        events = events.filter(salesperson_id__in=scope.salespeople().values("pk"))
    from django.db.models.functions import TruncDate

    rows = (
        events.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("day")
        .annotate(
            opens=Count("pk", filter=Q(type=EventType.OPEN)),
            read_seconds=read_seconds_sum(),
            clicks=Count("pk", filter=Q(type=EventType.CLICK)),
            shares=Count("pk", filter=Q(type=EventType.SHARE)),
        )
        .order_by("day")
    )
    series = [
        {
            "day": row["day"].isoformat(),
            **{k: int(row[k] or 0) for k in ("opens", "read_seconds", "clicks", "shares")},
        }
        for row in rows
    ]
    totals = {k: sum(entry[k] for entry in series) for k in ("opens", "read_seconds", "clicks", "shares")}
    return Dashboard(days, totals, series)


@dataclass(frozen=True)
class ContentStat:
    kind: str
    target_id: int
    title: str
    opens: int
    viewers: int
    read_seconds: int
    clicks: int
    shares: int
    form_submits: int
    sharers: int = 0

    @property
    def kind_label(self) -> str:
        """The kind in the reader's language (文章, 名片, …)."""
        return str(TargetKind[self.kind.upper()].label)


def content_stats(
    *, scope: Scope, kind: str | None = None, days: int = 30, limit: int = 50
) -> list[ContentStat]:
    """DATA-1/4/5: per content totals (readers, read seconds, shares, submissions), busiest first."""
    start = _today() - dt.timedelta(days=max(1, min(days, 366)) - 1)
    rows = _scoped_rows(ContentDailyStat.objects.filter(day__gte=start), scope)
    if kind:
        rows = rows.filter(target_kind=kind_code(kind))
    rows = list(
        rows.values("target_kind", "target_id")
        .annotate(
            opens=Sum("opens"),
            viewers=Sum("new_visitors"),
            read_seconds=Sum("read_seconds"),
            clicks=Sum("clicks"),
            shares=Sum("shares"),
            form_submits=Sum("form_submits"),
        )
        .order_by("-opens", "target_kind", "target_id")[: min(limit, MAX_LIST)]
    )
    by_kind: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        by_kind[row["target_kind"]].add(row["target_id"])
    titles = {
        (code, pk): title for code, ids in by_kind.items() for pk, title in titles_for(code, ids).items()
    }
    sharer_counts = {
        (row["target_kind"], row["target_id"]): row["n"]
        for row in _scoped_rows(ContentVisitor.objects.filter(shares__gt=0), scope)
        .filter(target_id__in={row["target_id"] for row in rows})
        .values("target_kind", "target_id")
        .annotate(n=Count("visitor_id", distinct=True))
        .order_by()
    }
    return [
        ContentStat(
            kind_name(row["target_kind"]),
            row["target_id"],
            titles[(row["target_kind"], row["target_id"])],
            int(row["opens"] or 0),
            int(row["viewers"] or 0),
            int(row["read_seconds"] or 0),
            int(row["clicks"] or 0),
            int(row["shares"] or 0),
            int(row["form_submits"] or 0),
            sharer_counts.get((row["target_kind"], row["target_id"]), 0),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class SalespersonStat:
    salesperson_id: int
    name: str
    opens: int
    viewers: int
    read_seconds: int
    forwards: int
    new_leads: int


def salesperson_stats(*, scope: Scope, days: int = 30) -> list[SalespersonStat]:
    """DATA-2: per salesperson: their content's readers, read time, forwards and new leads."""
    start = _today() - dt.timedelta(days=max(1, min(days, 366)) - 1)
    rows = {
        row["salesperson_id"]: row
        for row in _scoped_rows(
            SalespersonDailyStat.objects.filter(day__gte=start, salesperson_id__gt=0), scope
        )
        .values("salesperson_id")
        .annotate(
            opens=Sum("opens"),
            read_seconds=Sum("read_seconds"),
            shares=Sum("shares"),
        )
        .order_by()
    }
    viewers = reader_counts(scope=scope, start=start)
    since = timezone.now() - dt.timedelta(days=days)
    leads = new_lead_counts(scope=scope, since=since)
    people = (
        scope.salespeople().order_by("display_name") if not scope.is_platform else Salesperson.objects.none()
    )
    result = []
    for person in people:
        row = rows.get(person.pk) or {}
        result.append(
            SalespersonStat(
                person.pk,
                person.display_name,
                int(row.get("opens") or 0),
                viewers.get(person.pk, 0),
                int(row.get("read_seconds") or 0),
                int(row.get("shares") or 0),
                int(leads.get(person.pk, 0)),
            )
        )
    return sorted(result, key=lambda stat: (-stat.opens, stat.name))


@dataclass(frozen=True)
class ContentViewer:
    visitor: Visitor
    salesperson_id: int
    first_at: dt.datetime
    last_at: dt.datetime
    opens: int
    read_seconds: int
    shares: int


def content_viewers(
    *, scope: Scope, kind: str, target_id: int, sharers_only: bool = False, limit: int = 100
) -> list[ContentViewer]:
    """DATA-5: who viewed (or shared) one item, most recent first."""
    rows = _scoped_rows(
        ContentVisitor.objects.filter(target_kind=kind_code(kind), target_id=target_id), scope
    )
    if sharers_only:
        rows = rows.filter(shares__gt=0)
    rows = list(rows.order_by("-last_at")[: min(limit, MAX_LIST)])
    visitors = Visitor.objects.in_bulk({row.visitor_id for row in rows})
    return [
        ContentViewer(
            visitors[row.visitor_id],
            row.salesperson_id,
            row.first_at,
            row.last_at,
            row.opens,
            row.read_seconds,
            row.shares,
        )
        for row in rows
        if row.visitor_id in visitors
    ]


def content_forwards(*, scope: Scope, kind: str, target_id: int, limit: int = 100) -> list[ShareForward]:
    """The share chain of one item: each forward with its forwarder and depth."""
    queryset = scope.filter_salespeople(
        ShareForward.objects.filter(target_kind=kind_code(kind), target_id=target_id)
    )
    return list(queryset.select_related("forwarder").order_by("-created_at")[: min(limit, MAX_LIST)])


@dataclass(frozen=True)
class PosterStat:
    poster_id: int
    title: str
    scans: int
    visitors_acquired: int


def poster_stats(*, scope: Scope, days: int = 30) -> list[PosterStat]:
    """POST-3: scans (opens through a poster's QR code) and visitors whose first visit was that poster."""
    stats = content_stats(scope=scope, kind="poster", days=days, limit=MAX_LIST)
    acquired = dict(
        visitor_queryset(scope=scope)
        .filter(first_target_kind=TargetKind.POSTER)
        .values("first_target_id")
        .annotate(n=Count("pk"))
        .values_list("first_target_id", "n")
        .order_by()
    )
    return [
        PosterStat(stat.target_id, stat.title, stat.opens, int(acquired.get(stat.target_id, 0)))
        for stat in stats
    ]


def visitor_stats(*, scope: Scope, limit: int = 50) -> list[Visitor]:
    """DATA-3: most engaged visitors by read time."""
    return visitor_list(scope=scope, order="-read_seconds", limit=limit)


# --- notifications ------------------------------------------------------------------------------


def notification_inbox(*, scope: Scope, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    """The signed-in salesperson's own inbox (TRK-4); empty for users who are not salespeople."""
    if scope.salesperson_id is None:
        return []
    queryset = Notification.objects.filter(salesperson_id=scope.salesperson_id)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return list(queryset.select_related("visitor")[: min(limit, MAX_LIST)])


def notification_unread_count(*, scope: Scope) -> int:
    if scope.salesperson_id is None:
        return 0
    return Notification.objects.filter(salesperson_id=scope.salesperson_id, read_at__isnull=True).count()


def content_share_counts(*, kind: str, target_ids) -> dict[int, int]:
    """Forwards (glossary: ``share`` events) per item of ``kind``, all time, from the daily rollup.

    ART-3's "Shares" column of the article library reads this (registered by cms.articles).
    """
    ids = list(target_ids)
    if not ids:
        return {}
    return {
        target_id: int(n or 0)
        for target_id, n in ContentDailyStat.objects.filter(target_kind=kind_code(kind), target_id__in=ids)
        .order_by()
        .values_list("target_id")
        .annotate(n=Sum("shares"))
    }
