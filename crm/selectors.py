"""CRM reads, always through a :class:`enterprises.selectors.Scope`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from enterprises.selectors import Scope

from .models import Collision, FollowUp, Lead, MarketingTask, Pool, Task


def lead_queryset(*, scope: Scope) -> QuerySet[Lead]:
    """Leads the scope may see: own ones for salespeople, the subtree for managers, all for admins."""
    return scope.filter_salespeople(Lead.objects.select_related("salesperson", "visitor"))


def customer_list(*, scope: Scope, eliminated: bool = False) -> QuerySet[Lead]:
    pool = Pool.ELIMINATED if eliminated else Pool.FOLLOWING
    return lead_queryset(scope=scope).filter(is_customer=True, pool=pool)


def lead_get(*, scope: Scope, lead_id: int) -> Lead | None:
    return lead_queryset(scope=scope).filter(pk=lead_id).first()


def followup_queryset(*, scope: Scope) -> QuerySet[FollowUp]:
    return scope.filter_salespeople(FollowUp.objects.select_related("lead"), field="lead__salesperson")


def task_queryset(*, scope: Scope) -> QuerySet[Task]:
    return scope.filter_salespeople(Task.objects.select_related("lead", "salesperson"))


def task_progress(*, scope: Scope, title: str) -> dict[int, dict[str, int]]:
    """Per assignee counts per status for one issued task (TASK-2)."""
    rows = (
        task_queryset(scope=scope)
        .filter(title=title)
        .values("salesperson_id", "status")
        .annotate(n=Count("pk"))
    )
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row["salesperson_id"], {})[row["status"]] = row["n"]
    return out


def collision_open_list(*, scope: Scope) -> QuerySet[Collision]:
    if not scope.sees_whole_enterprise:
        return Collision.objects.none()
    return scope.filter_enterprise(Collision.objects.filter(resolved_at__isnull=True))


@dataclass
class MarketingProgress:
    salesperson_id: int
    shares: int
    views: int
    new_leads: int
    done: bool


def marketing_events(*, task: MarketingTask) -> QuerySet:
    """Tracking events on the task's target in its window (reads trackers' event table)."""
    from trackers.models import Event

    return Event.objects.filter(
        enterprise_id=task.enterprise_id,
        target_kind=task.target_kind,
        target_id=task.target_id,
        occurred_at__gte=task.starts_at,
        occurred_at__lte=task.deadline,
        salesperson_id__isnull=False,
    )


def marketing_task_progress(*, scope: Scope, task: MarketingTask) -> list[MarketingProgress]:
    """Completion per salesperson computed from real share/open events and new leads, not self-reported."""
    from trackers.models import EventType

    if not scope.is_platform and scope.enterprise_id != task.enterprise_id:
        return []
    salespeople = list(scope.salespeople().filter(is_active=True).values_list("pk", flat=True))
    counts = {
        row["salesperson_id"]: row
        for row in marketing_events(task=task)
        .filter(salesperson_id__in=salespeople)
        .values("salesperson_id")
        .annotate(
            shares=Count("pk", filter=Q(type=EventType.SHARE)),
            views=Count("visitor_id", filter=Q(type=EventType.OPEN), distinct=True),
        )
    }
    leads = dict(
        Lead.objects.filter(
            enterprise_id=task.enterprise_id,
            salesperson_id__in=salespeople,
            created_at__gte=task.starts_at,
            created_at__lte=task.deadline,
        )
        .values_list("salesperson_id")
        .annotate(n=Count("pk"))
    )
    out = []
    for pk in salespeople:
        row = counts.get(pk, {})
        shares, views, new = row.get("shares", 0), row.get("views", 0), leads.get(pk, 0)
        done = shares >= task.target_shares and views >= task.target_views and new >= task.target_new_leads
        out.append(MarketingProgress(pk, shares, views, new, done))
    return out


# ---- lead detail (CRM-3): tracking timeline, forwarders, tags ---------------------------------

#: How a tracking event reads on the lead page; ``{s}`` is the seconds, ``{t}`` the item title.
TIMELINE_TEXT = {
    "open": "opened {k} “{t}”",
    "heartbeat": "read {s} s of {k} “{t}”",
    "leave": "left {k} “{t}” after {s} s",
    "click": "clicked in {k} “{t}”",
    "share": "shared {k} “{t}”",
    "like": "liked {k} “{t}”",
    "form_submit": "submitted the form on {k} “{t}”",
    "phone_auth": "gave a phone number on {k} “{t}”",
}


@dataclass(frozen=True)
class LeadTimelineEntry:
    occurred_at: object
    type: str
    text: str
    forwarder: str


@dataclass
class LeadDetail:
    lead: Lead
    visitor: object
    timeline: list[LeadTimelineEntry]
    forwarded_by: list  # visitors whose forward brought this visitor
    forwards: list  # trackers.ShareForward rows this visitor made
    followups: list[FollowUp]
    tags: list
    visitor_tags: list[str]
    available_tags: list


def lead_visitor(*, lead: Lead):
    """The lead's tracked visitor: the linked one, else the one with the same unionid."""
    if lead.visitor_id:
        return lead.visitor
    if lead.unionid:
        from trackers.models import Visitor

        return Visitor.objects.filter(
            enterprise_id=lead.enterprise_id, unionid=lead.unionid, merged_into__isnull=True
        ).first()
    return None


def _titles(keys: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    from trackers.registry import titles_for

    by_kind: dict[int, set[int]] = {}
    for code, pk in keys:
        by_kind.setdefault(code, set()).add(pk)
    return {(code, pk): title for code, ids in by_kind.items() for pk, title in titles_for(code, ids).items()}


def lead_detail(*, scope: Scope, lead: Lead, limit: int = 200) -> LeadDetail:
    """Everything the lead page shows, read through trackers' scoped selectors (TRK-3, DATA-5).

    The caller has already checked that ``lead`` is in ``scope``; tracking rows are scoped again
    by trackers, so a salesperson sees only the actions their own shares brought.
    """
    from trackers import selectors as tracking
    from trackers.models import ShareForward, TargetKind, Visitor

    from .models import Tag

    visitor = lead_visitor(lead=lead)
    timeline, forwarded_by, forwards, visitor_tags = [], [], [], []
    if visitor is not None:
        raw = tracking.visitor_timeline(scope=scope, visitor=visitor, limit=limit)
        forwarder_ids = {e.forwarder_id for e in raw if e.forwarder_id}
        names = {
            v.pk: str(v)
            for v in Visitor.objects.filter(enterprise_id=lead.enterprise_id, pk__in=forwarder_ids)
        }
        for e in raw:
            template = TIMELINE_TEXT.get(e.type, e.type + " {k} “{t}”")
            text = template.format(s=e.seconds, k=e.kind, t=e.title)
            forwarder = names.get(e.forwarder_id, "")
            if forwarder:
                text += f" (forwarded by {forwarder})"
            timeline.append(LeadTimelineEntry(e.occurred_at, e.type, text, forwarder))
        forwarded_by = [names[pk] for pk in sorted(names)]
        if tracking.visitor_get(scope=scope, visitor_id=visitor.pk) is not None:
            rows = list(
                scope.filter_salespeople(ShareForward.objects.filter(forwarder=visitor)).order_by(
                    "-created_at"
                )[:50]
            )
            titles = _titles({(row.target_kind, row.target_id) for row in rows})
            forwards = [
                {
                    "title": titles.get((row.target_kind, row.target_id), ""),
                    "kind": TargetKind(row.target_kind).label,
                    "depth": row.depth,
                    "created_at": row.created_at,
                }
                for row in rows
            ]
            visitor_tags = list(visitor.tags.values_list("name", flat=True))
    tags = list(lead.tags.all())
    return LeadDetail(
        lead=lead,
        visitor=visitor,
        timeline=timeline,
        forwarded_by=forwarded_by,
        forwards=forwards,
        followups=list(lead.followups.select_related("salesperson__user")[:100]),
        tags=tags,
        visitor_tags=visitor_tags,
        available_tags=list(
            Tag.objects.filter(enterprise_id=lead.enterprise_id).exclude(pk__in=[t.pk for t in tags])
        ),
    )


# ---- visitor list for a salesperson (CRM-7) ---------------------------------------------------

VISITOR_ORDERS = {
    "last_visit": ("-last_event_at", "Last visit"),
    "card_views": ("-card_views", "Card views"),
    "article_views": ("-article_views", "Article views"),
}
INTENT_LEVELS = ("none", "low", "medium", "high")


def _views_subquery(scope: Scope, kind: int):
    from django.db.models import IntegerField, OuterRef, Subquery, Sum
    from django.db.models.functions import Coalesce

    from trackers.models import ContentVisitor

    rows = ContentVisitor.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), visitor_id=OuterRef("pk"), target_kind=kind
    )
    if not scope.sees_whole_enterprise:
        rows = rows.filter(salesperson_id__in=scope.salespeople().values("pk"))
    total = rows.values("visitor_id").annotate(n=Sum("opens")).values("n")
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def _intent_level(enterprise_id: int | None, now):
    """TRK-5's level rules as SQL (same as trackers.selectors.visitor_intent), so lists filter by it."""
    from django.db.models import Case, CharField, FloatField, Value, When
    from django.db.models.expressions import RawSQL

    from trackers.models import TrackingSettings
    from trackers.rules import tracking_settings

    rules = tracking_settings(enterprise_id) if enterprise_id else TrackingSettings()
    half_life = max(float(rules.intent_half_life_days), 0.001)
    score = RawSQL(
        "CASE WHEN trackers_visitor.intent_at IS NULL THEN trackers_visitor.intent_score "
        "ELSE trackers_visitor.intent_score * power(0.5, GREATEST(EXTRACT(EPOCH FROM (%s - "
        "trackers_visitor.intent_at)), 0) / 86400.0 / %s) END",
        (now, half_life),
        output_field=FloatField(),
    )
    level = Case(
        When(Q(opens=0, forms_submitted=0, intent_score=0), then=Value("none")),
        When(Q(forms_submitted__gt=0) | Q(intent_now__gte=rules.intent_high_score), then=Value("high")),
        When(
            Q(is_precise=True) | Q(opens__gte=3) | Q(intent_now__gte=rules.intent_medium_score),
            then=Value("medium"),
        ),
        default=Value("low"),
        output_field=CharField(),
    )
    return score, level


def visitor_screen(
    *,
    scope: Scope,
    user_id: int,
    intent: str = "",
    source: str = "",
    since=None,
    until=None,
    seen: bool | None = None,
    order: str = "last_visit",
    limit: int = 50,
    offset: int = 0,
) -> QuerySet:
    """Visitors in scope with intent level, card/article views and seen flag, filtered and sorted.

    ``source`` is the kind of content that brought the visitor first (article, card, poster…);
    ``seen`` means ``user_id`` looked at the visitor after their last visit.
    """
    from django.db.models import Exists, F, OuterRef
    from django.utils import timezone

    from trackers import selectors as tracking
    from trackers.models import TargetKind

    from .models import VisitorSeen

    now = timezone.now()
    score, level = _intent_level(scope.enterprise_id, now)
    seen_q = VisitorSeen.objects.filter(user_id=user_id, visitor_id=OuterRef("pk")).filter(
        Q(seen_at__gte=OuterRef("last_event_at")) | Q(visitor__last_event_at__isnull=True)
    )
    queryset = (
        tracking.visitor_queryset(scope=scope)
        .select_related("first_salesperson")
        .annotate(
            intent_now=score,
            card_views=_views_subquery(scope, TargetKind.CARD),
            article_views=_views_subquery(scope, TargetKind.ARTICLE),
            seen=Exists(seen_q),
        )
        .annotate(intent_level=level)
    )
    if intent in INTENT_LEVELS:
        queryset = queryset.filter(intent_level=intent)
    if source:
        codes = [kind.value for kind in TargetKind if kind.name.lower() == source]  # not the label
        queryset = queryset.filter(first_target_kind__in=codes or [-1])
    if since is not None:
        queryset = queryset.filter(last_event_at__gte=since)
    if until is not None:
        queryset = queryset.filter(last_event_at__lt=until)
    if seen is not None:
        queryset = queryset.filter(seen=seen)
    field, _label = VISITOR_ORDERS.get(order, VISITOR_ORDERS["last_visit"])
    return queryset.order_by(F(field[1:]).desc(nulls_last=True), "-pk")[offset : offset + min(limit, 200)]


def import_progress(*, job) -> dict:
    """Status of an import for the polling page: the job row plus the live counts from the cache."""
    from django.core.cache import cache

    from .services import import_progress_key

    live = cache.get(import_progress_key(job.pk)) or {}
    finished = job.status in ("done", "failed")
    return {
        "status": job.status,
        "phase": job.status if finished else live.get("phase", job.status),
        "processed": job.processed if finished else live.get("processed", 0),
        "total": job.total or live.get("total", 0),
        "imported": job.imported,
        "errors": len(job.errors or []),
        "finished": finished,
    }


def lead_new_counts(*, scope: Scope, since) -> dict[int, int]:
    """New leads in a window, per salesperson: leads created since ``since`` attributed to them.

    The one definition of "new lead" (docs/tracking.md glossary); the data center reads it too.
    """
    return dict(
        lead_queryset(scope=scope)
        .filter(created_at__gte=since, salesperson__isnull=False)
        .order_by()
        .values_list("salesperson_id")
        .annotate(n=Count("pk"))
    )
