"""Visitor identity (TEN-3): one person is one visitor, every device id of theirs recorded.

A device id is a ``Visitor`` row (unique per enterprise). The row of the device a person first
used becomes the person (upgraded in place); a device they use later is a row merged into the
person (``merged_into``), created empty when it has no history yet, so the drain, the H5 session
and a login all resolve that device to the person. Nothing here raises ``IntegrityError`` to a
caller: rows are inserted with ``ON CONFLICT DO NOTHING`` and a race lost to another login is
retried.

Locking (PostgreSQL), the same for every writer so they never deadlock:

1. insert missing device rows first, holding no row lock;
2. lock every visitor row involved in one statement, in primary-key order (the drain,
   :func:`trackers.store._resolve_visitors`, locks its rows ``FOR KEY SHARE`` the same way);
3. decide from the locked (latest) rows.

So a merge and a drain storing events of the merged device run one after the other: the drain
either stores before the merge (which then moves those events) or reads ``merged_into`` after it.
"""

from __future__ import annotations

import logging

from django.core import signing
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext

from .hooks import VISITOR_IDENTIFIED_HOOKS, VISITOR_MERGED_HOOKS, hooks_run
from .models import Visitor

logger = logging.getLogger(__name__)

#: A login losing a race (the same person inserted by another request, a deadlock victim) retries.
IDENTIFY_ATTEMPTS = 5


class TrackingError(ValueError):
    """A refused tracking write; ``code`` is the stable API error code."""

    def __init__(self, message: str, code: str = "VALIDATION"):
        super().__init__(message)
        self.code = code


class VisitorTokenInvalid(ValueError):
    """A visitor token that is forged, malformed or of another enterprise."""


class _Retry(Exception):
    """The rows changed between finding and locking them: start again."""


# --- tokens -----------------------------------------------------------------------------------


def visitor_from_token(token: str, *, enterprise_id: int | None = None) -> Visitor | None:
    """The visitor a signed visitor token names, following merges (the surviving person).

    Raises :class:`VisitorTokenInvalid` for a bad signature or a token of another enterprise
    than ``enterprise_id`` (when given); ``None`` when the row no longer exists or the token
    is past ``settings.VISITOR_TOKEN_MAX_AGE``.
    """
    from .intake import visitor_token_read

    try:
        token_enterprise_id, visitor_id = visitor_token_read(str(token))
    except signing.SignatureExpired:  # answered like a new device: no visitor yet
        return None
    except (signing.BadSignature, ValueError):
        raise VisitorTokenInvalid("invalid visitor token") from None
    if enterprise_id is not None and token_enterprise_id != enterprise_id:
        raise VisitorTokenInvalid("visitor of another enterprise")
    visitor = (
        Visitor.objects.select_related("enterprise")
        .filter(pk=visitor_id, enterprise_id=token_enterprise_id)
        .first()
    )
    return visitor_current(visitor) if visitor is not None else None


def visitor_current(visitor: Visitor) -> Visitor:
    """The person behind a (possibly merged) visitor row: merges are followed to the end."""
    seen = {visitor.pk}
    while visitor.merged_into_id and visitor.merged_into_id not in seen:
        seen.add(visitor.merged_into_id)
        visitor = Visitor.objects.select_related("enterprise").get(pk=visitor.merged_into_id)
    return visitor


def visitor_device_ids(visitor: Visitor) -> list[str]:
    """Every device id recorded for the person: their own row's and those merged into it."""
    return sorted(
        Visitor.objects.filter(enterprise_id=visitor.enterprise_id)
        .filter(Q(pk=visitor.pk) | Q(merged_into_id=visitor.pk))
        .exclude(device_id="")
        .values_list("device_id", flat=True)
    )


# --- login ------------------------------------------------------------------------------------


def visitor_identify(
    *,
    enterprise,
    unionid: str = "",
    openid: str = "",
    device_id: str = "",
    nickname: str = "",
    avatar_url: str = "",
    phone: str = "",
) -> Visitor:
    """The visitor for a login (TEN-3) or an H5 session: unionid, else openid, else the device.

    - device only (H5 ``visitorSession``): the person that device belongs to (its own row when
      anonymous); never a new blank visitor;
    - unknown person on an anonymous device: the device row is upgraded in place;
    - known person: the device's anonymous history is merged into them (audited, revertible),
      a device never seen before is recorded as an empty row merged into them;
    - two identified people are never merged (a shared device stays with its first person).

    Safe against concurrent logins, sessions, phone authorization and the drain (see module doc).
    ``VISITOR_IDENTIFIED_HOOKS`` run when a unionid, openid or phone is newly learned.
    """
    if not (unionid or openid or device_id):
        raise TrackingError("unionid, openid or device_id is required")
    for attempt in range(1, IDENTIFY_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                person, learned, created, merge = _identify_once(
                    enterprise=enterprise,
                    unionid=unionid,
                    openid=openid,
                    device_id=device_id,
                    nickname=nickname,
                    avatar_url=avatar_url,
                    phone=phone,
                )
            break
        except (_Retry, IntegrityError) as error:
            if attempt == IDENTIFY_ATTEMPTS:
                message = gettext("The visitor changed meanwhile; try again.")
                raise TrackingError(message, "CONFLICT") from error
        except DatabaseError as error:  # a deadlock victim: the other transaction went through
            if attempt == IDENTIFY_ATTEMPTS or "deadlock" not in str(error).lower():
                raise
            logger.info("visitor_identify retried after a deadlock")
    if merge is not None:
        hooks_run(VISITOR_MERGED_HOOKS, merge=merge)
    if learned:
        hooks_run(VISITOR_IDENTIFIED_HOOKS, visitor=person, created=created)
    return person


def _device_row_ensure(enterprise_id: int, device_id: str, person_id: int | None) -> None:
    """The device's row exists (an empty one merged into ``person_id`` when given)."""
    Visitor.objects.bulk_create(
        [Visitor(enterprise_id=enterprise_id, device_id=device_id, merged_into_id=person_id)],
        ignore_conflicts=True,
    )


def _lock(ids: set[int]) -> dict[int, Visitor]:
    return {
        visitor.pk: visitor
        for visitor in Visitor.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


def _identify_once(*, enterprise, unionid, openid, device_id, nickname, avatar_url, phone):
    from .services import visitor_merge

    base = Visitor.objects.filter(enterprise=enterprise)
    person_filter = Q(unionid=unionid) if unionid else Q(openid=openid) if openid else None
    if device_id:
        known_id = base.filter(person_filter).values_list("pk", flat=True).first() if person_filter else None
        _device_row_ensure(enterprise.pk, device_id, known_id)
    wanted = Q(pk__in=[])
    for column, value in (("unionid", unionid), ("openid", openid), ("device_id", device_id)):
        if value:
            wanted |= Q(**{column: value})
    found = list(base.filter(wanted).values_list("pk", "merged_into_id"))
    rows = _lock({pk for pair in found for pk in pair if pk})
    by = {column: None for column in ("unionid", "openid", "device_id")}
    for row in rows.values():
        for column, value in (("unionid", unionid), ("openid", openid), ("device_id", device_id)):
            if value and getattr(row, column) == value:
                by[column] = row
    device = by["device_id"]
    if device_id and device is None:
        raise _Retry  # cannot happen: the row was ensured above
    device_owner = None
    if device is not None and device.merged_into_id:
        device_owner = rows.get(device.merged_into_id)
        if device_owner is None:
            raise _Retry  # merged after we looked: lock its new person too

    if not (unionid or openid):  # an H5 session: the device's person, as it is
        person = device_owner or device
        learned = _learn(person, nickname=nickname, avatar_url=avatar_url, phone=phone)
        return person, learned, False, None

    known = by["unionid"]
    if known is None and openid:
        known = by["openid"]
        if known is not None and unionid and known.unionid and known.unionid != unionid:
            known = None  # an openid row of someone else: never merge two identified people
    if known is not None and known.merged_into_id:
        known = rows.get(known.merged_into_id)  # merged away by hand: its person
        if known is None:
            raise _Retry
    created = False
    if known is None:
        if device is not None and device_owner is None and not device.is_identified:
            known, device = device, None  # first login on this device: upgrade in place
        else:
            known = Visitor(enterprise=enterprise)
            created = True
    learned = bool(
        (unionid and not known.unionid)
        or (openid and not known.openid)
        or (phone and phone != known.phone)  # WeChat's phone authorization: the current number
    )
    known.unionid = known.unionid or unionid
    known.openid = known.openid or openid
    known.nickname = nickname or known.nickname
    known.avatar_url = avatar_url or known.avatar_url
    known.phone = phone or known.phone
    known.save()
    merge = None
    if device is not None and device.pk != known.pk:
        if device_owner is None and not device.is_identified:
            merge = visitor_merge(source=device, target=known, reason="identified")
        # else: the device already belongs to this person, or to another one (a shared device)
    return known, learned, created, merge


def _learn(person: Visitor, *, nickname: str = "", avatar_url: str = "", phone: str = "") -> bool:
    """Fill what a session or form tells about a locked person row; True when the phone is new."""
    changed, learned = [], False
    if nickname and not person.nickname:
        person.nickname = nickname[:80]
        changed.append("nickname")
    if avatar_url and not person.avatar_url:
        person.avatar_url = avatar_url
        changed.append("avatar_url")
    if phone and not person.phone:
        person.phone = phone[:20]
        changed.append("phone")
        learned = True
    if changed:
        person.save(update_fields=[*changed, "last_seen_at"])
    return learned


def visitor_contact_learn(*, visitor: Visitor, phone: str = "", name: str = "") -> Visitor:
    """A form told us the visitor's phone and name: the person gets them if they had none.

    A phone from WeChat's authorization is never overwritten by a typed one. A newly learned
    phone runs ``VISITOR_IDENTIFIED_HOOKS`` (the CRM links or creates the person's lead).
    """
    with transaction.atomic():
        person = visitor_current(visitor)
        person = Visitor.objects.select_for_update().get(pk=person.pk)
        learned = _learn(person, nickname=name, phone=phone)
    if learned:
        hooks_run(VISITOR_IDENTIFIED_HOOKS, visitor=person, created=False)
    return person
