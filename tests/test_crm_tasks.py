"""Tasks: issue with or without a customer, per-assignee progress, marketing completion from real events."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from crm import selectors, services
from crm.models import Lead, MarketingTask, Task
from crm.services import CrmError
from enterprises.selectors import scope_for_user
from trackers.models import EventType, TargetKind
from trackers.store import events_store


def test_issue_task_with_and_without_customer(enterprise_a, salesperson_a, other_salesperson_a, admin_a):
    lead = Lead.objects.create(enterprise=enterprise_a, salesperson=salesperson_a)
    rows = services.task_issue(
        enterprise=enterprise_a, title="Call back", assignees=[salesperson_a], lead=lead, created_by=admin_a
    )
    assert rows[0].lead == lead
    rows = services.task_issue(
        enterprise=enterprise_a, title="Weekly report", assignees=[salesperson_a, other_salesperson_a]
    )
    assert {r.lead for r in rows} == {None} and len(rows) == 2
    Task.objects.filter(pk=rows[0].pk).update(status=Task.Status.DONE)
    progress = selectors.task_progress(scope=scope_for_user(admin_a), title="Weekly report")
    assert progress == {salesperson_a.pk: {"done": 1}, other_salesperson_a.pk: {"open": 1}}
    # a salesperson's progress view shows only their own row
    mine = selectors.task_progress(scope=scope_for_user(salesperson_a.user), title="Weekly report")
    assert mine == {salesperson_a.pk: {"done": 1}}


def test_issue_task_refuses_other_enterprise(enterprise_a, salesperson_b):
    with pytest.raises(CrmError) as exc:
        services.task_issue(enterprise=enterprise_a, title="x", assignees=[salesperson_b])
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(CrmError):
        services.task_issue(enterprise=enterprise_a, title=" ", assignees=[])


def _events(enterprise, salesperson, article_id, kinds, when_ms, prefix):
    rows = [
        [f"{prefix}-{n}", kind, when_ms + n * 1000, 0, 0, TargetKind.ARTICLE, article_id]
        for n, kind in enumerate(kinds)
    ]
    events_store(
        [
            {
                "e": enterprise.pk,
                "s": salesperson.pk,
                "k": TargetKind.ARTICLE,
                "t": article_id,
                "f": None,
                "d": 0,
                "v": None,
                "dev": f"dev-{prefix}",
                "ses": "",
                "r": when_ms,
                "ev": rows,
            }
        ]
    )


def test_marketing_completion_follows_real_share_and_view_events(
    enterprise_a, salesperson_a, other_salesperson_a, admin_a
):
    # given a task: share article 77 twice and get 2 views, 1 new lead, this week
    now = timezone.now()
    task = MarketingTask.objects.create(
        enterprise=enterprise_a,
        title="Launch",
        target_kind=TargetKind.ARTICLE,
        target_id=77,
        starts_at=now - dt.timedelta(days=1),
        deadline=now + dt.timedelta(days=6),
        target_shares=2,
        target_views=2,
        target_new_leads=1,
    )
    now_ms = int(time.time() * 1000)
    # when A shares twice and two visitors open it, B shares another article only
    _events(enterprise_a, salesperson_a, 77, [EventType.SHARE, EventType.SHARE], now_ms - 60_000, "a-share")
    _events(enterprise_a, salesperson_a, 77, [EventType.OPEN], now_ms - 50_000, "v1")
    _events(enterprise_a, other_salesperson_a, 78, [EventType.SHARE, EventType.SHARE], now_ms - 60_000, "b")
    scope = scope_for_user(admin_a)
    progress = {p.salesperson_id: p for p in selectors.marketing_task_progress(scope=scope, task=task)}
    assert (progress[salesperson_a.pk].shares, progress[salesperson_a.pk].views) == (2, 1)
    assert not progress[salesperson_a.pk].done
    assert (progress[other_salesperson_a.pk].shares, progress[other_salesperson_a.pk].done) == (0, False)
    # then a second viewer and a new lead complete it for A only
    _events(enterprise_a, salesperson_a, 77, [EventType.OPEN], now_ms - 40_000, "v2")
    services.lead_upsert(enterprise=enterprise_a, salesperson=salesperson_a, phone="13800000001")
    progress = {p.salesperson_id: p for p in selectors.marketing_task_progress(scope=scope, task=task)}
    assert progress[salesperson_a.pk].done and not progress[other_salesperson_a.pk].done


def test_marketing_progress_of_another_enterprise_is_empty(enterprise_a, admin_b):
    now = timezone.now()
    task = MarketingTask.objects.create(
        enterprise=enterprise_a,
        title="Launch",
        target_kind=TargetKind.ARTICLE,
        target_id=1,
        starts_at=now,
        deadline=now,
    )
    assert selectors.marketing_task_progress(scope=scope_for_user(admin_b), task=task) == []
