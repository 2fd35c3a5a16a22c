"""Writes of the tracking domain: visitors (TEN-3), ingestion entry points, shares, notifications.

Names are stable; the CRM and WeChat apps call them:
``visitor_identify``, ``visitor_from_token``, ``visitor_contact_learn`` (all three in
:mod:`trackers.identity`), ``visitor_merge``, ``visitor_merge_revert``, ``events_ingest``,
``share_forward``, ``browse_session_summarize``, ``notification_mark_read``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .identity import (  # noqa: F401 - identity lives in identity.py; names stay importable here
    TrackingError,
    VisitorTokenInvalid,
    visitor_contact_learn,
    visitor_current,
    visitor_device_ids,
    visitor_from_token,
    visitor_identify,
)
from .intake import AcceptResult, events_accept, visitor_token  # noqa: F401 - re-exported
from .models import (
    BrowseSession,
    Event,
    ShareForward,
    Visitor,
    VisitorMerge,
    VisitorTag,
)
from .notifications import (
    notification_mark_read,  # noqa: F401 - re-exported
)
from .registry import kind_code
from .sessions import browse_session_summarize, browse_sessions_expire  # noqa: F401 - re-exported
from .share import ShareTokenInvalid, share_token_forward, share_token_verify
from .store import event_keys_prune, events_store  # noqa: F401 - re-exported
from .visitor_totals import visitor_recompute


def events_ingest(*, payload: dict, client_ip: str = "", enterprise_key: str | None = None) -> AcceptResult:
    """The one ingestion entry point for the /t/ view and the GraphQL mutation."""
    return events_accept(payload=payload, client_ip=client_ip, enterprise_key=enterprise_key)


# --- visitors -----------------------------------------------------------------------------


FIRST_VISIT_FIELDS = ("first_salesperson_id", "first_target_kind", "first_target_id")


def _first_visit_keep(*, source: Visitor, target: Visitor) -> None:
    """The person's first visit (source salesperson, entry item: POST-3 acquisitions) is the earlier
    of the two: when the merged device was there first, its entry becomes the person's."""
    from django.db.models import Min

    firsts = dict(
        Event.objects.filter(enterprise_id=source.enterprise_id, visitor_id__in=[source.pk, target.pk])
        .values_list("visitor_id")
        .annotate(first=Min("occurred_at"))
        .order_by()
    )
    if source.pk in firsts and (target.pk not in firsts or firsts[source.pk] < firsts[target.pk]):
        entry = Visitor.objects.filter(pk=source.pk).values(*FIRST_VISIT_FIELDS).get()
        Visitor.objects.filter(pk=target.pk).update(**entry)


def visitor_merge(*, source: Visitor, target: Visitor, reason: str = "identified") -> VisitorMerge:
    """Move an anonymous visitor's history to another visitor of the same enterprise (audited)."""
    if source.enterprise_id != target.enterprise_id:
        raise TrackingError("visitors belong to different enterprises", "FORBIDDEN")
    if source.pk == target.pk:
        raise TrackingError("a visitor cannot be merged into itself")
    if source.is_identified and target.is_identified:
        raise TrackingError("two identified visitors are never merged")
    with transaction.atomic():
        _first_visit_keep(source=source, target=target)
        event_ids = list(
            Event.objects.filter(enterprise_id=source.enterprise_id, visitor_id=source.pk).values_list(
                "pk", flat=True
            )
        )
        Event.objects.filter(enterprise_id=source.enterprise_id, visitor_id=source.pk).update(
            visitor_id=target.pk
        )
        target_tags = set(VisitorTag.objects.filter(visitor=target).values_list("name", flat=True))
        moved_tags = list(
            VisitorTag.objects.filter(visitor=source)
            .exclude(name__in=target_tags)
            .values_list("name", flat=True)
        )
        VisitorTag.objects.filter(visitor=source, name__in=moved_tags).update(visitor=target)
        VisitorTag.objects.filter(visitor=source).delete()
        BrowseSession.objects.filter(visitor=source).update(visitor=target)
        Visitor.objects.filter(pk=source.pk).update(merged_into=target)
        source.merged_into = target
        merge = VisitorMerge.objects.create(
            enterprise_id=source.enterprise_id,
            source=source,
            target=target,
            event_ids=event_ids,
            tag_names=moved_tags,
            reason=reason,
        )
        visitor_recompute(visitor_id=source.pk)
        visitor_recompute(visitor_id=target.pk)
    return merge


def visitor_merge_revert(*, merge: VisitorMerge) -> None:
    """Undo a merge: the moved events and tags go back, both visitors' totals are recomputed."""
    if merge.reverted_at is not None:
        raise TrackingError("this merge was already reverted")
    with transaction.atomic():
        Event.objects.filter(
            enterprise_id=merge.enterprise_id, visitor_id=merge.target_id, pk__in=merge.event_ids
        ).update(visitor_id=merge.source_id)
        VisitorTag.objects.filter(visitor_id=merge.target_id, name__in=merge.tag_names).update(
            visitor_id=merge.source_id
        )
        Visitor.objects.filter(pk=merge.source_id).update(merged_into=None)
        merge.reverted_at = timezone.now()
        merge.save(update_fields=["reverted_at"])
        visitor_recompute(visitor_id=merge.source_id)
        visitor_recompute(visitor_id=merge.target_id)


# --- shares -------------------------------------------------------------------------------


def share_forward(*, parent_token: str, visitor: Visitor) -> str:
    """A visitor forwards a share: a new token keeping the origin salesperson, recording the chain."""
    try:
        parent = share_token_verify(parent_token)
    except ShareTokenInvalid as error:
        raise TrackingError("invalid share token", "VALIDATION") from error
    if parent.enterprise_id != visitor.enterprise_id:
        raise TrackingError("this share belongs to another enterprise", "FORBIDDEN")
    if parent.salesperson_id is None:
        raise TrackingError("only a salesperson's share can be forwarded")
    token = share_token_forward(parent, forwarder_id=visitor.pk)
    ShareForward.objects.get_or_create(
        enterprise_id=parent.enterprise_id,
        token=token,
        defaults={
            "salesperson_id": parent.salesperson_id,
            "forwarder": visitor,
            "target_kind": kind_code(parent.kind),
            "target_id": parent.target_id,
            "parent_token": parent.token,
            "depth": parent.depth + 1,
        },
    )
    return token


# --- browse sessions (SITE-5) ---------------------------------------------------------------


# --- replay guard ---------------------------------------------------------------------------


# --- notifications --------------------------------------------------------------------------


def events_store_now(messages: list[dict]):
    """Store already-accepted messages synchronously (benchmarks, tests of the storing step)."""
    return events_store(messages)


__all__ = [
    "TrackingError",
    "browse_session_summarize",
    "browse_sessions_expire",
    "events_ingest",
    "notification_mark_read",
    "share_forward",
    "visitor_contact_learn",
    "visitor_from_token",
    "visitor_identify",
    "visitor_merge",
    "visitor_merge_revert",
    "visitor_recompute",
    "visitor_token",
]
