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
