"""Celery entry points: follow-up reminders (at their time, plus a beat scan) and imports."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services
from .models import FollowUp


@shared_task
def followup_remind(followup_id: int) -> bool:
    return services.followup_remind_due(followup_id=followup_id)


@shared_task
def followups_due_scan() -> int:
    """Safety net for reminders whose eta message was lost: remind everything already due."""
    due = FollowUp.objects.filter(next_at__lte=timezone.now(), reminded_at__isnull=True).values_list(
        "pk", flat=True
    )
    return sum(services.followup_remind_due(followup_id=pk) for pk in list(due[:1000]))


@shared_task(soft_time_limit=1800, time_limit=1900)
def import_job_run(job_id: int) -> str:
    """Large files take longer than the default task limit (60 s): 30 minutes for imports."""
    return services.import_job_run(job_id=job_id).status


@shared_task
def tag_rules_scan() -> int:
    """Automatic tags for visitors active recently (intent rules change without new tagged reads)."""
    return services.tag_rules_scan()


@shared_task
def tag_rules_apply_enterprise(enterprise_id: int) -> int:
    """'Apply rules now' from the admin: every lead with a visitor in the enterprise."""
    return services.tag_rules_apply(enterprise_id=enterprise_id)
