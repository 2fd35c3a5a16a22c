"""CRM writes: lead upsert (unionid/phone), assignment, release, merge, collision, follow-ups, tasks, import.

Admin views, the lead-form hook and Celery tasks call these; nothing here reads a request.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from enterprises.models import Enterprise, Salesperson

from .models import Collision, FollowUp, ImportJob, Lead, MergeAudit, Pool, Tag, Task

PROTECTION = dt.timedelta(days=15)  # a freshly assigned lead cannot be claimed by another salesperson
COOLDOWN = dt.timedelta(days=3)  # after release, the previous owner must wait before reclaiming


class CrmError(Exception):
    """A refused CRM operation; ``code`` is stable (VALIDATION, FORBIDDEN, NOT_FOUND)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _notify(
    *, lead: Lead, salesperson: Salesperson, kind: str, title: str, params: dict, body: str = ""
) -> None:
    """``title`` is an untranslated message (gettext_noop): it is written in the reader's language."""
    from trackers.notifications import notification_create, salesperson_language

    with translation.override(salesperson_language(salesperson.pk)):
        text = gettext(title) % {name: str(value) for name, value in params.items()}
    notification_create(
        enterprise_id=lead.enterprise_id,
        salesperson_id=salesperson.pk,
        visitor_id=lead.visitor_id,
        kind=kind,
        title=text,
        body=body,
        data={"lead_id": lead.pk},
    )


def lead_assign(*, lead: Lead, salesperson: Salesperson, now: dt.datetime | None = None) -> Lead:
    """Hand a lead to a salesperson of its enterprise; it moves to ``following``."""
    if salesperson.enterprise_id != lead.enterprise_id:
        raise CrmError("FORBIDDEN", gettext("Salesperson of another enterprise."))
    now = now or timezone.now()
    lead.salesperson = salesperson
    lead.pool = Pool.FOLLOWING
    lead.assigned_at = now
    lead.protected_until = now + PROTECTION
    lead.save(update_fields=["salesperson", "pool", "assigned_at", "protected_until", "updated_at"])
    return lead


def leads_assign_round_robin(*, leads: list[Lead], salespeople: list[Salesperson]) -> dict[int, int]:
    """Deal leads out in turn so counts differ by at most one; returns lead id -> salesperson id."""
    if not salespeople:
        raise CrmError("VALIDATION", gettext("Choose at least one salesperson."))
    result = {}
    with transaction.atomic():
        for n, lead in enumerate(leads):
            salesperson = salespeople[n % len(salespeople)]
            lead_assign(lead=lead, salesperson=salesperson)
            result[lead.pk] = salesperson.pk
    return result


def leads_assign_least_busy(*, leads: list[Lead], salespeople: list[Salesperson]) -> dict[int, int]:
    """Give each lead to whoever follows the fewest leads right now (ties by id)."""
    if not salespeople:
        raise CrmError("VALIDATION", gettext("Choose at least one salesperson."))
    load = Counter(
        dict(
            Lead.objects.filter(salesperson__in=salespeople, pool=Pool.FOLLOWING)
            .values_list("salesperson")
            .annotate(n=Count("pk"))
        )
    )
    result = {}
    with transaction.atomic():
        for lead in leads:
            salesperson = min(salespeople, key=lambda s: (load[s.pk], s.pk))
            lead_assign(lead=lead, salesperson=salesperson)
            load[salesperson.pk] += 1
            result[lead.pk] = salesperson.pk
    return result


def lead_release(*, lead: Lead, reason: str = "") -> Lead:
    """Back to the to-assign pool; open collisions on it are resolved by the release."""
    with transaction.atomic():
        lead.salesperson = None
        lead.pool = Pool.TO_ASSIGN
        lead.protected_until = None
        lead.pool_reason = reason[:200]
        lead.save(update_fields=["salesperson", "pool", "protected_until", "pool_reason", "updated_at"])
        Collision.objects.filter(Q(lead=lead) | Q(other_lead=lead), resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution=f"released: {reason}"[:200]
        )
    return lead


def lead_move(*, lead: Lead, pool: str, reason: str) -> Lead:
    """Move between following and eliminated (CRM-3); a reason is required."""
    if pool not in (Pool.FOLLOWING, Pool.ELIMINATED):
        raise CrmError("VALIDATION", gettext("Customers move between following and eliminated only."))
    if not reason.strip():
        raise CrmError("VALIDATION", gettext("Give a reason."))
    lead.pool = pool
    lead.pool_reason = reason.strip()[:200]
    lead.save(update_fields=["pool", "pool_reason", "updated_at"])
    return lead


def lead_convert(*, lead: Lead) -> Lead:
    lead.is_customer = True
    if lead.pool != Pool.ELIMINATED:
        lead.pool = Pool.FOLLOWING
    lead.save(update_fields=["is_customer", "pool", "updated_at"])
    return lead


def lead_tag_add(*, lead: Lead, tag: Tag) -> None:
    """Tag a lead by hand (CRM-5); the tag must belong to the lead's enterprise."""
    if tag.enterprise_id != lead.enterprise_id:
        raise CrmError("FORBIDDEN", gettext("Tag of another enterprise."))
    lead.tags.add(tag)


def lead_tag_remove(*, lead: Lead, tag: Tag) -> None:
    lead.tags.remove(tag)


def _person_visitor_ids(visitor) -> list[int]:
    """The visitor and the rows merged into it (its other devices): one person."""
    from trackers.models import Visitor

    return [visitor.pk, *Visitor.objects.filter(merged_into_id=visitor.pk).values_list("pk", flat=True)]


def lead_upsert(
    *,
    enterprise: Enterprise,
    salesperson: Salesperson | None,
    unionid: str = "",
    phone: str = "",
    name: str = "",
    source: str = "",
    visitor=None,
    pool: str = Pool.POTENTIAL,
    company: str = "",
) -> Lead:
    """Find the person's lead by unionid, else by visitor, else by phone, else create it (CRM-1).

    One person (unionid, or visitor and the devices merged into it) is one lead, kept by its
    salesperson: another salesperson's share bringing them again is a claim recorded as a
    collision (撞单), never a takeover. By phone it finds a lead of the same salesperson or an
    unowned one (without a salesperson: any lead, oldest first); the same phone owned by another
    salesperson gets its own lead and a collision. Safe when two requests create the same
    unionid's lead at once (the loser updates the winner's row).
    """
    if salesperson is not None and salesperson.enterprise_id != enterprise.pk:
        salesperson = None
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                lead, same_person = _lead_find_or_create(
                    enterprise, salesperson, unionid, phone, name, source, visitor, pool, company
                )
            break
        except IntegrityError:  # the same unionid's lead was created meanwhile
            if attempt == 2:
                raise
    if salesperson is not None and lead.salesperson_id is None:
        lead_assign(lead=lead, salesperson=salesperson)
    elif salesperson is not None and lead.salesperson_id != salesperson.pk and same_person:
        collision_claim(lead=lead, claimant=salesperson)
    if lead.phone:
        collision_check(lead=lead)
    return lead


def _lead_find_or_create(enterprise, salesperson, unionid, phone, name, source, visitor, pool, company):
    leads = Lead.objects.select_for_update().filter(enterprise=enterprise)
    lead = leads.filter(unionid=unionid).first() if unionid else None
    if lead is None and visitor is not None:
        lead = leads.filter(visitor_id__in=_person_visitor_ids(visitor)).order_by("pk").first()
        if lead is not None and unionid and lead.unionid and lead.unionid != unionid:
            lead = None  # linked to another person's unionid: not this one
    same_person = lead is not None
    if lead is None and phone:
        by_phone = leads.filter(phone=phone).order_by("pk")
        lead = by_phone.filter(Q(salesperson=salesperson) | Q(salesperson__isnull=True)).first()
        if lead is None and salesperson is None:
            lead = by_phone.first()
    if lead is None:
        lead = Lead.objects.create(
            enterprise=enterprise,
            unionid=unionid,
            phone=phone,
            name=name,
            company=company,
            source=source,
            visitor=visitor,
            pool=pool,
        )
        return lead, False
    changed = []
    for attr, value in (("phone", phone), ("name", name), ("unionid", unionid), ("company", company)):
        if value and not getattr(lead, attr):
            setattr(lead, attr, value)
            changed.append(attr)
    if visitor is not None and lead.visitor_id != visitor.pk:
        current = lead.visitor
        if current is None or current.merged_into_id == visitor.pk or not (current.unionid or current.openid):
            lead.visitor = visitor  # the person, not a device row merged into them
            changed.append("visitor")
    if changed:
        lead.save(update_fields=[*changed, "updated_at"])
    return lead, same_person


def collision_claim(*, lead: Lead, claimant: Salesperson) -> Collision:
    """Another salesperson's share brought a person whose lead is followed: 撞单, both are warned.

    The owner keeps the lead (one person is one lead, kept by one salesperson); an admin may
    release it, after which it can be assigned to the claimant. One open claim per salesperson.
    """
    existing = Collision.objects.filter(lead=lead, claimant=claimant, resolved_at__isnull=True).first()
    if existing:
        return existing
    collision = Collision.objects.create(
        enterprise_id=lead.enterprise_id, phone=lead.phone, lead=lead, claimant=claimant
    )
    _notify(
        lead=lead,
        salesperson=lead.salesperson,
        kind="collision",
        title=gettext_noop("Collision: %(lead)s came again through %(claimant)s's share"),
        params={"lead": lead, "claimant": claimant},
    )
    _notify(
        lead=lead,
        salesperson=claimant,
        kind="collision",
        title=gettext_noop("Collision: %(lead)s is already followed by %(owner)s"),
        params={"lead": lead, "owner": lead.salesperson},
    )
    return collision


def collision_check(*, lead: Lead) -> Collision | None:
    """Raise 撞单 when another salesperson owns a lead with the same phone; both are warned."""
    if not lead.phone or lead.salesperson_id is None:
        return None
    other = (
        Lead.objects.filter(enterprise_id=lead.enterprise_id, phone=lead.phone, salesperson__isnull=False)
        .exclude(pk=lead.pk)
        .exclude(salesperson_id=lead.salesperson_id)
        .select_related("salesperson")
        .first()
    )
    if other is None:
        return None
    existing = Collision.objects.filter(
        Q(lead=lead, other_lead=other) | Q(lead=other, other_lead=lead), resolved_at__isnull=True
    ).first()
    if existing:
        return existing
    collision = Collision.objects.create(
        enterprise_id=lead.enterprise_id, phone=lead.phone, lead=lead, other_lead=other
    )
    for mine, theirs in ((lead, other), (other, lead)):
        _notify(
            lead=mine,
            salesperson=mine.salesperson,
            kind="collision",
            title=gettext_noop("Collision: %(phone)s is also followed by %(owner)s"),
            params={"phone": mine.phone, "owner": theirs.salesperson},
        )
    return collision


def collision_resolve(*, collision: Collision, keep: Lead, now: dt.datetime | None = None) -> Collision:
    """Admin decision: ``keep`` stays, the other lead is released. Protection and cooldown decide.

    A lead still in its protection period wins against a claimant; the released owner
    cannot take the phone back before the cooldown passes (checked by :func:`lead_claim`).
    """
    now = now or timezone.now()
    if collision.claimant_id is not None:  # a claim on one lead: the owner keeps it
        if keep.pk != collision.lead_id:
            message = gettext("Keep the claimed lead, or release it to give it to the claimant.")
            raise CrmError("VALIDATION", message)
        collision.resolved_at = now
        collision.resolution = f"kept lead {keep.pk}; claim by {collision.claimant} dismissed"[:200]
        collision.save(update_fields=["resolved_at", "resolution"])
        return collision
    if keep.pk not in (collision.lead_id, collision.other_lead_id):
        raise CrmError("VALIDATION", gettext("Keep one of the two colliding leads."))
    loser = collision.other_lead if keep.pk == collision.lead_id else collision.lead
    if (
        loser.protected_until
        and loser.protected_until > now
        and not (
            keep.protected_until and keep.protected_until > now and keep.assigned_at <= loser.assigned_at
        )
    ):
        raise CrmError("FORBIDDEN", gettext("The other lead is still protected."))
    with transaction.atomic():
        loser.pool_reason = f"collision lost to {keep.salesperson}"[:200]
        loser.salesperson = None
        loser.pool = Pool.TO_ASSIGN
        loser.protected_until = now + COOLDOWN  # cooldown: nobody claims it back at once
        loser.save(update_fields=["salesperson", "pool", "pool_reason", "protected_until", "updated_at"])
        collision.resolved_at = now
        collision.resolution = f"kept lead {keep.pk}"
        collision.save(update_fields=["resolved_at", "resolution"])
    return collision


def lead_claim(*, lead: Lead, salesperson: Salesperson, now: dt.datetime | None = None) -> Lead:
    """A salesperson takes an unowned lead from the pool, unless it is cooling down."""
    now = now or timezone.now()
    if lead.salesperson_id is not None:
        raise CrmError("FORBIDDEN", gettext("This lead is already followed."))
    if lead.protected_until and lead.protected_until > now:
        raise CrmError("FORBIDDEN", gettext("This lead is cooling down; try again later."))
    return lead_assign(lead=lead, salesperson=salesperson, now=now)


@dataclass
class MergePreview:
    target_id: int | None
    merged_ids: list[int] = field(default_factory=list)
    result: dict = field(default_factory=dict)
    followups: int = 0
    error: str = ""


def leads_merge_by_phone(
    *, enterprise: Enterprise, phone: str, dry_run: bool = True, actor=None
) -> MergePreview:
    """Merge leads with one phone owned by one salesperson (or none) into the oldest; dry-run first."""
    leads = list(Lead.objects.filter(enterprise=enterprise, phone=phone).order_by("created_at", "pk"))
    if len(leads) < 2:
        return MergePreview(target_id=leads[0].pk if leads else None, error="Nothing to merge.")
    owners = {lead.salesperson_id for lead in leads if lead.salesperson_id}
    if len(owners) > 1:
        return MergePreview(target_id=None, error="Owned by several salespeople: a collision, not a merge.")
    target, rest = leads[0], leads[1:]
    result = {
        "name": target.name or next((x.name for x in rest if x.name), ""),
        "unionid": target.unionid or next((x.unionid for x in rest if x.unionid), ""),
        "company": target.company or next((x.company for x in rest if x.company), ""),
        "salesperson_id": next(iter(owners), None),
        "is_customer": any(x.is_customer for x in leads),
    }
    preview = MergePreview(
        target_id=target.pk,
        merged_ids=[x.pk for x in rest],
        result=result,
        followups=FollowUp.objects.filter(lead__in=rest).count(),
    )
    if dry_run:
        return preview
    with transaction.atomic():
        snapshot = list(
            Lead.objects.filter(pk__in=preview.merged_ids).values("pk", "name", "unionid", "salesperson_id")
        )
        tags = set(Lead.tags.through.objects.filter(lead__in=rest).values_list("tag_id", flat=True))
        FollowUp.objects.filter(lead__in=rest).update(lead=target)
        Task.objects.filter(lead__in=rest).update(lead=target)
        Collision.objects.filter(lead__in=rest).delete()
        Lead.objects.filter(pk__in=preview.merged_ids).delete()
        for attr, value in result.items():
            setattr(target, attr, value)
        if target.salesperson_id and target.pool in (Pool.POTENTIAL, Pool.TO_ASSIGN):
            target.pool = Pool.FOLLOWING
        target.save()
        target.tags.add(*tags)
        MergeAudit.objects.create(
            enterprise=enterprise,
            target=target,
            merged_ids=preview.merged_ids,
            snapshot=snapshot,
            actor=actor,
        )
    return preview


def visitor_mark_seen(*, user, visitor, now: dt.datetime | None = None) -> None:
    """CRM-7: remember that ``user`` looked at ``visitor``; later activity makes it unseen again."""
    from .models import VisitorSeen

    VisitorSeen.objects.update_or_create(
        user=user,
        visitor=visitor,
        defaults={"enterprise_id": visitor.enterprise_id, "seen_at": now or timezone.now()},
    )


POOLS_FOR_VISITORS = (Pool.POTENTIAL, Pool.TO_ASSIGN, Pool.FOLLOWING)


def lead_add_visitor(*, visitor, pool: str, salesperson: Salesperson | None) -> tuple[Lead, bool]:
    """Add a viewer from a content's viewer list to a pool; returns (lead, created).

    ``following`` needs an owner (the salesperson adding it). A visitor who already is a lead
    keeps its lead and owner; an unowned one only moves to the chosen pool.
    """
    if pool not in POOLS_FOR_VISITORS:
        raise CrmError("VALIDATION", gettext("Choose the potential, to-assign or following pool."))
    if salesperson is not None and salesperson.enterprise_id != visitor.enterprise_id:
        raise CrmError("FORBIDDEN", gettext("Visitor of another enterprise."))
    if pool == Pool.FOLLOWING and salesperson is None:
        raise CrmError("VALIDATION", gettext("Choose who follows this lead."))
    enterprise = Enterprise.objects.get(pk=visitor.enterprise_id)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(enterprise=enterprise, visitor=visitor).first()
        if lead is None and (visitor.unionid or visitor.phone):
            lead = (
                Lead.objects.select_for_update()
                .filter(enterprise=enterprise)
                .filter(
                    Q(unionid=visitor.unionid)
                    if visitor.unionid
                    else Q(phone=visitor.phone, salesperson=None)
                )
                .first()
            )
        if lead is not None:
            if lead.salesperson_id is None:
                if pool == Pool.FOLLOWING:
                    lead_assign(lead=lead, salesperson=salesperson)
                elif lead.pool != pool:
                    lead.pool = pool
                    lead.save(update_fields=["pool", "updated_at"])
            if lead.visitor_id is None:
                lead.visitor = visitor
                lead.save(update_fields=["visitor", "updated_at"])
            return lead, False
        lead = lead_upsert(
            enterprise=enterprise,
            salesperson=salesperson if pool == Pool.FOLLOWING else None,
            unionid=visitor.unionid,
            phone=visitor.phone,
            name=visitor.nickname,
            source="visitor",
            visitor=visitor,
            pool=pool,
        )
    return lead, True


def lead_from_submission(submission) -> Lead | None:
    """FORM-3 hook: the submission becomes (or updates) the sharing salesperson's lead, now following.

    Name, phone and company come from the fields' roles (``cms.leadforms.roles``), whatever the
    labels are called; the person is the visitor's (merges followed).
    """
    from cms.leadforms.services import submission_contact
    from trackers.identity import visitor_current

    if submission.enterprise_id is None:
        return None
    contact = submission_contact(submission)
    phone, name = contact.phone, contact.name
    visitor = visitor_current(submission.visitor) if submission.visitor is not None else None
    unionid = visitor.unionid if visitor is not None else ""
    lead = lead_upsert(
        enterprise=submission.enterprise,
        salesperson=submission.salesperson,
        unionid=unionid,
        phone=phone,
        name=name,
        source="form",
        visitor=visitor,
        pool=Pool.FOLLOWING if submission.salesperson_id else Pool.TO_ASSIGN,
        company=contact.company,
    )
    if lead.salesperson_id and lead.pool != Pool.FOLLOWING:
        lead.pool = Pool.FOLLOWING
        lead.save(update_fields=["pool", "updated_at"])
    if lead.salesperson_id:
        _notify(
            lead=lead,
            salesperson=lead.salesperson,
            kind="form_submit",
            title=gettext_noop("%(lead)s submitted %(form)s"),
            params={"lead": lead, "form": submission.page.title},
        )
    return lead


def lead_on_visitor_identified(*, visitor, **_) -> Lead | None:
    """Tracking hook (VISITOR_IDENTIFIED_HOOKS): every identified visitor is a lead (CRM-1).

    A unionid or phone learned later reaches the person's existing lead (found by unionid,
    visitor, or phone); without one, a new unowned lead waits in the potential pool.
    """
    from trackers.identity import visitor_current

    visitor = visitor_current(visitor)
    if not (visitor.unionid or visitor.openid or visitor.phone):
        return None
    enterprise = Enterprise.objects.get(pk=visitor.enterprise_id)
    with transaction.atomic():
        return lead_upsert(
            enterprise=enterprise,
            salesperson=None,
            unionid=visitor.unionid,
            phone=visitor.phone,
            name=visitor.nickname,
            source="visitor",
            visitor=visitor,
            pool=Pool.POTENTIAL,
        )


def leads_follow_merge(*, merge, **_) -> Lead | None:
    """Tracking hook (VISITOR_MERGED_HOOKS): leads of the merged visitor follow it to the person.

    When the person already had a lead, the two become one if one salesperson (or none) owns
    them (follow-ups, tasks and tags moved, audited like a phone merge); owned by two
    salespeople, both stay and the later owner's claim is a collision.
    """
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update()
            .filter(enterprise_id=merge.enterprise_id, visitor_id__in=[merge.source_id, merge.target_id])
            .order_by("created_at", "pk")
        )
        if not leads:
            return None
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(visitor_id=merge.target_id)
        for lead in leads:  # the rows in hand too: saving the kept one must not point it back
            lead.visitor_id = merge.target_id
        keep, rest = leads[0], leads[1:]
        owners = {lead.salesperson_id for lead in leads if lead.salesperson_id}
        if len(owners) > 1:
            for lead in rest:
                if lead.salesperson_id and lead.salesperson_id != keep.salesperson_id:
                    collision_claim(lead=keep, claimant=lead.salesperson)
            return keep
        if rest:
            _leads_merge_into(keep, rest, owner_id=next(iter(owners), None))
        return keep


def _leads_merge_into(target: Lead, rest: list[Lead], *, owner_id: int | None, actor=None) -> None:
    """Fold ``rest`` into ``target`` (same person): fields, follow-ups, tasks, tags; audited."""
    snapshot = [
        {"pk": x.pk, "name": x.name, "unionid": x.unionid, "phone": x.phone, "owner": x.salesperson_id}
        for x in rest
    ]
    tags = set(Lead.tags.through.objects.filter(lead__in=rest).values_list("tag_id", flat=True))
    FollowUp.objects.filter(lead__in=rest).update(lead=target)
    Task.objects.filter(lead__in=rest).update(lead=target)
    values = {
        attr: getattr(target, attr) or next((getattr(x, attr) for x in rest if getattr(x, attr)), "")
        for attr in ("name", "phone", "unionid", "company")
    }
    Lead.objects.filter(pk__in=[x.pk for x in rest]).delete()
    for attr, value in values.items():
        setattr(target, attr, value)
    target.is_customer = target.is_customer or any(x.is_customer for x in rest)
    if owner_id and not target.salesperson_id:
        owned = next(x for x in rest if x.salesperson_id == owner_id)
        target.salesperson_id, target.assigned_at = owner_id, owned.assigned_at
        target.protected_until = owned.protected_until
        if target.pool in (Pool.POTENTIAL, Pool.TO_ASSIGN):
            target.pool = Pool.FOLLOWING
    target.save()
    target.tags.add(*tags)
    MergeAudit.objects.create(
        enterprise_id=target.enterprise_id,
        target=target,
        merged_ids=[x.pk for x in rest],
        snapshot=snapshot,
        actor=actor,
    )


def followup_create(
    *,
    lead: Lead,
    salesperson: Salesperson | None,
    content: str,
    status: str = FollowUp.Status.CONTACTED,
    next_at: dt.datetime | None = None,
) -> FollowUp:
    """Record a follow-up; a reminder is queued for ``next_at`` (eta) after commit."""
    if not content.strip():
        raise CrmError("VALIDATION", gettext("Write what happened."))
    if status not in FollowUp.Status.values:
        raise CrmError("VALIDATION", gettext("Unknown status."))
    followup = FollowUp.objects.create(
        enterprise_id=lead.enterprise_id,
        lead=lead,
        salesperson=salesperson or lead.salesperson,
        status=status,
        content=content.strip(),
        next_at=next_at,
    )
    followup_schedule(followup=followup)
    return followup


def followup_schedule(*, followup: FollowUp) -> None:
    if followup.next_at is None:
        return
    from .tasks import followup_remind

    pk, eta = followup.pk, followup.next_at
    transaction.on_commit(lambda: followup_remind.apply_async(args=[pk], eta=eta))


def followup_remind_due(*, followup_id: int, now: dt.datetime | None = None) -> bool:
    """Notify the salesperson once when the follow-up is due (idempotent)."""
    now = now or timezone.now()
    with transaction.atomic():
        followup = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("lead", "salesperson")
            .filter(pk=followup_id)
            .first()
        )
        if (
            followup is None
            or followup.reminded_at
            or followup.next_at is None
            or followup.salesperson is None
        ):
            return False
        if followup.next_at > now + dt.timedelta(seconds=1):
            return False
        _notify(
            lead=followup.lead,
            salesperson=followup.salesperson,
            kind="followup_due",
            title=gettext_noop("Follow up with %(lead)s"),
            params={"lead": followup.lead},
            body=followup.content[:500],
        )
        followup.reminded_at = now
        followup.save(update_fields=["reminded_at"])
    return True


def task_issue(
    *,
    enterprise: Enterprise,
    title: str,
    assignees: list[Salesperson],
    description: str = "",
    due_at: dt.datetime | None = None,
    lead: Lead | None = None,
    created_by=None,
    personal: bool = False,
) -> list[Task]:
    """One task row per assignee (TASK-1); ``lead`` is optional ("no customer")."""
    if not title.strip():
        raise CrmError("VALIDATION", gettext("Give the task a title."))
    if any(a.enterprise_id != enterprise.pk for a in assignees) or (
        lead and lead.enterprise_id != enterprise.pk
    ):
        raise CrmError("FORBIDDEN", gettext("Assignees and customer must belong to the enterprise."))
    return [
        Task.objects.create(
            enterprise=enterprise,
            salesperson=a,
            title=title.strip(),
            description=description,
            due_at=due_at,
            lead=lead,
            created_by=created_by,
            personal=personal,
        )
        for a in assignees
    ]


# ---- automatic tags (CRM-5) ------------------------------------------------------------------

TAG_RULE_SCAN_WINDOW = dt.timedelta(minutes=15)  # the periodic scan looks at visitors active since


def _content_tag_reads(enterprise_id: int, visitor_ids: list[int]) -> dict[int, Counter]:
    """Per visitor: how many times they opened content carrying each content tag (ART-9 tags)."""
    from django.db.models import Sum

    from trackers.models import ContentVisitor
    from trackers.registry import tags_for
    from trackers.visitor_totals import TAGGING_KINDS

    rows = list(
        ContentVisitor.objects.filter(
            enterprise_id=enterprise_id, visitor_id__in=visitor_ids, target_kind__in=list(TAGGING_KINDS)
        )
        .values("visitor_id", "target_kind", "target_id")
        .annotate(n=Sum("opens"))
    )
    wanted: dict[int, set[int]] = {}
    for row in rows:
        wanted.setdefault(row["target_kind"], set()).add(row["target_id"])
    names = {(code, pk): tags for code, ids in wanted.items() for pk, tags in tags_for(code, ids).items()}
    reads: dict[int, Counter] = {}
    for row in rows:
        for name in names.get((row["target_kind"], row["target_id"]), []):
            reads.setdefault(row["visitor_id"], Counter())[name.lower()] += row["n"]
    return reads


def tag_rules_apply(*, enterprise_id: int, visitor_ids: list[int] | None = None) -> int:
    """Give every lead whose visitor meets an active rule of its enterprise the rule's tag.

    Tags are only added (a decayed intent does not untag); returns how many were added.
    Idempotent: existing lead tags are skipped.
    """
    from trackers.selectors import visitor_intent

    from .models import TagRule

    rules = list(TagRule.objects.filter(enterprise_id=enterprise_id, is_active=True).select_related("tag"))
    if not rules:
        return 0
    leads = Lead.objects.filter(enterprise_id=enterprise_id, visitor__isnull=False).select_related("visitor")
    if visitor_ids is not None:
        leads = leads.filter(visitor_id__in=visitor_ids)
    leads = list(leads.order_by("pk")[:5000])
    if not leads:
        return 0
    reads = {}
    if any(rule.kind == TagRule.Kind.CONTENT_TAG_READS for rule in rules):
        reads = _content_tag_reads(enterprise_id, sorted({lead.visitor_id for lead in leads}))
    through = Lead.tags.through
    have = set(through.objects.filter(lead__in=leads).values_list("lead_id", "tag_id"))
    new = []
    for lead in leads:
        intent = None
        for rule in rules:
            if (lead.pk, rule.tag_id) in have:
                continue
            if rule.kind == TagRule.Kind.INTENT:
                intent = intent if intent is not None else visitor_intent(lead.visitor).score
                met = intent >= rule.threshold
            else:
                met = (
                    reads.get(lead.visitor_id, Counter())[rule.content_tag.strip().lower()] >= rule.threshold
                )
            if met:
                have.add((lead.pk, rule.tag_id))
                new.append(through(lead_id=lead.pk, tag_id=rule.tag_id))
    through.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def tag_rules_on_visitor_tagged(*, enterprise_id: int, visitor_id: int, names=(), **_) -> None:
    """Tracking hook (VISITOR_TAGGED_HOOKS): re-check the rules for that one visitor's leads."""
    tag_rules_apply(enterprise_id=enterprise_id, visitor_ids=[visitor_id])


def tag_rules_scan(*, now: dt.datetime | None = None) -> int:
    """Periodic: visitors active in the last window, per enterprise with active rules (intent rules)."""
    from trackers.models import Visitor

    from .models import TagRule

    since = (now or timezone.now()) - TAG_RULE_SCAN_WINDOW
    added = 0
    for enterprise_id in (
        TagRule.objects.filter(is_active=True).values_list("enterprise_id", flat=True).distinct()
    ):
        visitor_ids = list(
            Visitor.objects.filter(enterprise_id=enterprise_id, last_event_at__gte=since).values_list(
                "pk", flat=True
            )[:5000]
        )
        if visitor_ids:
            added += tag_rules_apply(enterprise_id=enterprise_id, visitor_ids=visitor_ids)
    return added


# ---- import (CRM-2) -------------------------------------------------------------------------

IMPORT_FIELDS = ("name", "phone", "unionid", "company", "note")


def _rows(filename: str, content: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        return [
            ["" if c is None else str(c).strip() for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    text = content.decode("utf-8-sig", errors="replace")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


IMPORT_PROGRESS_EVERY = 100  # rows between two progress writes
IMPORT_PROGRESS_TTL = 6 * 3600


def import_progress_key(job_id: int) -> str:
    return f"crm:import-progress:{job_id}"


def import_progress_set(*, job_id: int, phase: str, processed: int, total: int) -> None:
    """Progress of a running import, written to the cache (Redis): it is outside the import's
    all-or-nothing transaction, so the status page sees counts while rows are still uncommitted."""
    from django.core.cache import cache

    cache.set(
        import_progress_key(job_id),
        {"phase": phase, "processed": processed, "total": total},
        IMPORT_PROGRESS_TTL,
    )


IMPORT_BATCH = 500


def _import_batch(enterprise: Enterprise, records: list[dict]) -> int:
    """Upsert validated rows like :func:`lead_upsert` without an owner (unionid, else the phone of an
    unowned lead), with two lookups, one bulk insert and one bulk update per batch."""
    unionids = [r["unionid"][:64] for r in records if r.get("unionid")]
    phones = [r["phone"] for r in records if r["phone"]]
    leads = Lead.objects.select_for_update().filter(enterprise=enterprise)
    same: dict[int, Lead] = {}  # one instance per row id, whichever lookup found it
    by_unionid = {lead.unionid: same.setdefault(lead.pk, lead) for lead in leads.filter(unionid__in=unionids)}
    by_phone: dict[str, Lead] = {}
    for lead in leads.filter(phone__in=phones, salesperson__isnull=True).order_by("pk"):
        by_phone.setdefault(lead.phone, same.setdefault(lead.pk, lead))
    new, changed = [], {}
    now = timezone.now()
    for record in records:
        values = {
            "unionid": record.get("unionid", "")[:64],
            "phone": record["phone"],
            "name": record.get("name", "")[:80],
            "company": record.get("company", "")[:120],
        }
        lead = by_unionid.get(values["unionid"]) if values["unionid"] else None
        if lead is None and values["phone"]:
            lead = by_phone.get(values["phone"])
        if lead is None:
            new.append(Lead(enterprise=enterprise, source="import", pool=Pool.TO_ASSIGN, **values))
            continue
        for attr, value in values.items():
            if value and not getattr(lead, attr):
                setattr(lead, attr, value)
                lead.updated_at = now
                changed[lead.pk] = lead
    Lead.objects.bulk_create(new, batch_size=IMPORT_BATCH)
    if changed:
        fields = ["unionid", "phone", "name", "company", "updated_at"]
        Lead.objects.bulk_update(list(changed.values()), fields, batch_size=100)
    return len(records)


def leads_import(
    *,
    enterprise: Enterprise,
    filename: str,
    content: bytes,
    mapping: dict[str, str] | None = None,
    job: ImportJob | None = None,
) -> tuple[int, list[dict]]:
    """Import leads all-or-nothing: every row validated first; any error imports nothing.

    ``mapping`` maps our field -> the file's column header (default: same name).
    Returns (imported count, [{row, field, message}]).
    """
    try:
        rows = _rows(filename, content)
    except Exception:  # noqa: BLE001 - a corrupt file is a user error, not a crash
        return 0, [{"row": 0, "field": "file", "message": gettext("Cannot read this file (CSV or XLSX).")}]
    if not rows:
        return 0, [{"row": 0, "field": "file", "message": gettext("The file is empty.")}]
    header = [h.lower() for h in rows[0]]
    mapping = {f: ((mapping or {}).get(f) or f).lower() for f in IMPORT_FIELDS}
    columns = {f: header.index(mapping[f]) for f in IMPORT_FIELDS if mapping[f] in header}
    errors: list[dict] = []
    if "phone" not in columns and "unionid" not in columns:
        return 0, [{"row": 1, "field": "phone", "message": gettext("Map a phone or unionid column.")}]
    body = [r for r in rows[1:] if any(r)]
    if job is not None:
        ImportJob.objects.filter(pk=job.pk).update(total=len(body), status=ImportJob.Status.RUNNING)
    seen_phones: set[str] = set()
    seen_unionids: set[str] = set()
    records = []
    for n, row in enumerate(body, start=2):
        if job is not None and (n - 2) % IMPORT_PROGRESS_EVERY == 0:
            import_progress_set(job_id=job.pk, phase="validating", processed=n - 2, total=len(body))
        record = {f: (row[i] if i < len(row) else "") for f, i in columns.items()}
        phone = record.get("phone", "").replace(" ", "").replace("-", "")
        if phone and not (phone.lstrip("+").isdigit() and 5 <= len(phone) <= 20):
            errors.append(
                {
                    "row": n,
                    "field": "phone",
                    "message": gettext("Not a phone number: %(value)s") % {"value": phone[:30]},
                }
            )
        if not phone and not record.get("unionid"):
            errors.append({"row": n, "field": "phone", "message": gettext("Phone or unionid is required.")})
        if phone and phone in seen_phones:
            errors.append({"row": n, "field": "phone", "message": gettext("Duplicate phone in the file.")})
        unionid = record.get("unionid", "")
        if unionid and unionid in seen_unionids:
            errors.append(
                {"row": n, "field": "unionid", "message": gettext("Duplicate unionid in the file.")}
            )
        seen_unionids.add(unionid)
        if len(record.get("name", "")) > 80:
            errors.append(
                {"row": n, "field": "name", "message": gettext("Name is longer than 80 characters.")}
            )
        seen_phones.add(phone)
        record["phone"] = phone
        records.append(record)
    if errors:
        return 0, errors
    imported = 0
    with transaction.atomic():
        for start in range(0, len(records), IMPORT_BATCH):
            imported += _import_batch(enterprise, records[start : start + IMPORT_BATCH])
            if job is not None:
                import_progress_set(job_id=job.pk, phase="importing", processed=imported, total=len(records))
    return imported, []


def import_job_run(*, job_id: int) -> ImportJob:
    """Celery entry: run a stored import once (idempotent: a finished job is left alone)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    with job.file.open("rb") as handle:
        content = handle.read()
    imported, errors = leads_import(
        enterprise=job.enterprise, filename=job.file.name, content=content, mapping=job.mapping, job=job
    )
    job.refresh_from_db()
    job.imported = imported
    job.processed = job.total
    job.errors = errors[:500]
    job.status = ImportJob.Status.FAILED if errors else ImportJob.Status.DONE
    job.save(update_fields=["imported", "processed", "errors", "status"])
    import_progress_set(job_id=job.pk, phase=job.status, processed=job.total, total=job.total)
    return job
