"""Customers: move with a reason, phone merge (dry-run, audit), collision, follow-up reminders."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone

from crm import services, tasks
from crm.models import Collision, FollowUp, Lead, MergeAudit, Pool, Tag
from crm.services import CrmError
from trackers.models import Notification


def _lead(enterprise, salesperson=None, **kwargs):
    lead = Lead.objects.create(enterprise=enterprise, **kwargs)
    if salesperson:
        services.lead_assign(lead=lead, salesperson=salesperson)
    return lead


def test_move_between_following_and_eliminated_needs_a_reason(enterprise_a, salesperson_a):
    lead = services.lead_convert(lead=_lead(enterprise_a, salesperson_a))
    with pytest.raises(CrmError):
        services.lead_move(lead=lead, pool=Pool.ELIMINATED, reason=" ")
    services.lead_move(lead=lead, pool=Pool.ELIMINATED, reason="bought elsewhere")
    lead.refresh_from_db()
    assert (lead.pool, lead.pool_reason, lead.is_customer) == (Pool.ELIMINATED, "bought elsewhere", True)
    services.lead_move(lead=lead, pool=Pool.FOLLOWING, reason="came back")
    assert Lead.objects.get(pk=lead.pk).pool == Pool.FOLLOWING


def test_phone_merge_dry_run_changes_nothing_then_merges_with_audit(enterprise_a, salesperson_a, admin_a):
    # given two leads with one phone: one A's with a follow-up and a tag, one unowned with a unionid
    tag = Tag.objects.create(enterprise=enterprise_a, name="VIP")
    first = _lead(enterprise_a, salesperson_a, phone="13800000001", name="Ann")
    second = _lead(enterprise_a, phone="13800000001", unionid="u-9", company="Acme")
    second.tags.add(tag)
    services.followup_create(lead=second, salesperson=salesperson_a, content="called")
    # when previewed
    preview = services.leads_merge_by_phone(enterprise=enterprise_a, phone="13800000001", dry_run=True)
    # then the preview shows the result and nothing changed
    assert (preview.target_id, preview.merged_ids, preview.followups) == (first.pk, [second.pk], 1)
    assert preview.result["unionid"] == "u-9" and preview.result["salesperson_id"] == salesperson_a.pk
    assert Lead.objects.count() == 2 and not MergeAudit.objects.exists()
    # when merged for real
    services.leads_merge_by_phone(enterprise=enterprise_a, phone="13800000001", dry_run=False, actor=admin_a)
    first.refresh_from_db()
    assert Lead.objects.count() == 1
    assert (first.unionid, first.company, first.salesperson) == ("u-9", "Acme", salesperson_a)
    assert list(first.tags.all()) == [tag] and first.followups.count() == 1
    audit = MergeAudit.objects.get()
    assert (audit.target, audit.merged_ids, audit.actor) == (first, [second.pk], admin_a)


def test_phone_merge_refuses_two_owners(enterprise_a, salesperson_a, other_salesperson_a):
    _lead(enterprise_a, salesperson_a, phone="13800000001")
    _lead(enterprise_a, other_salesperson_a, phone="13800000001")
    preview = services.leads_merge_by_phone(enterprise=enterprise_a, phone="13800000001", dry_run=False)
    assert "collision" in preview.error and Lead.objects.count() == 2


def test_collision_raised_warns_both_and_release_resolves(
    enterprise_a, salesperson_a, other_salesperson_a, admin_a
):
    # given A follows a phone
    mine = services.lead_upsert(enterprise=enterprise_a, salesperson=salesperson_a, phone="13800000001")
    # when B's share brings the same phone
    theirs = services.lead_upsert(
        enterprise=enterprise_a, salesperson=other_salesperson_a, phone="13800000001"
    )
    # then a collision is open and both are warned
    assert theirs.pk != mine.pk and theirs.salesperson == other_salesperson_a
    collision = Collision.objects.get(resolved_at__isnull=True)
    assert set(Notification.objects.filter(kind="collision").values_list("salesperson_id", flat=True)) == {
        salesperson_a.pk,
        other_salesperson_a.pk,
    }
    # when the second owner releases it, the collision is resolved
    services.lead_release(lead=theirs, reason="A had it first")
    collision.refresh_from_db()
    assert collision.resolved_at is not None and "released" in collision.resolution


def test_collision_protection_and_cooldown(enterprise_a, salesperson_a, other_salesperson_a):
    now = timezone.now()
    first = _lead(enterprise_a, phone="13800000001")
    services.lead_assign(lead=first, salesperson=salesperson_a, now=now - dt.timedelta(days=1))
    second = _lead(enterprise_a, phone="13800000001")
    services.lead_assign(lead=second, salesperson=other_salesperson_a, now=now)
    collision = services.collision_check(lead=second)
    # the earlier protected lead cannot be the loser
    with pytest.raises(CrmError):
        services.collision_resolve(collision=collision, keep=second, now=now)
    services.collision_resolve(collision=collision, keep=first, now=now)
    second.refresh_from_db()
    assert second.salesperson is None
    # the loser cannot claim it back during the cooldown, but can after it
    with pytest.raises(CrmError):
        services.lead_claim(lead=second, salesperson=other_salesperson_a, now=now + dt.timedelta(days=1))
    services.lead_claim(lead=second, salesperson=other_salesperson_a, now=now + dt.timedelta(days=4))


def test_followup_reminder_beat_scan_reminds_once(enterprise_a, salesperson_a):
    lead = _lead(enterprise_a, salesperson_a, name="Ann")
    due = FollowUp.objects.create(
        enterprise=enterprise_a,
        lead=lead,
        salesperson=salesperson_a,
        content="call",
        next_at=timezone.now() - dt.timedelta(minutes=1),
    )
    FollowUp.objects.create(
        enterprise=enterprise_a,
        lead=lead,
        salesperson=salesperson_a,
        content="later",
        next_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert tasks.followups_due_scan() == 1
    assert tasks.followups_due_scan() == 0
    due.refresh_from_db()
    assert due.reminded_at is not None
    assert Notification.objects.filter(kind="followup_due", salesperson=salesperson_a).count() == 1


def test_followup_needs_content(enterprise_a, salesperson_a):
    with pytest.raises(CrmError) as exc:
        services.followup_create(
            lead=_lead(enterprise_a, salesperson_a), salesperson=salesperson_a, content=" "
        )
    assert exc.value.code == "VALIDATION"


@pytest.mark.worker
def test_followup_reminder_fires_through_celery_at_its_time(celery_worker, enterprise_a, salesperson_a):
    # given a follow-up due in 3 seconds, written through the service (reminder queued with eta)
    lead = _lead(enterprise_a, salesperson_a, name="Ann")
    with transaction.atomic():
        followup = services.followup_create(
            lead=lead,
            salesperson=salesperson_a,
            content="call back",
            next_at=timezone.now() + dt.timedelta(seconds=3),
        )
    # then nothing yet, and the worker reminds once the time has come
    assert not Notification.objects.filter(kind="followup_due").exists()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Notification.objects.filter(kind="followup_due").exists():
        time.sleep(0.3)
    followup.refresh_from_db()
    assert followup.reminded_at is not None
    assert followup.reminded_at >= followup.next_at - dt.timedelta(seconds=1)
    assert Notification.objects.filter(kind="followup_due", salesperson=salesperson_a).count() == 1
