"""Writes for business cards: the template, cards made from it, tag likes."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Salesperson

from .models import Card, CardModule, CardModuleKey, CardTag, CardTagLike, CardTemplate


def card_template_get_or_create(*, enterprise: Enterprise) -> CardTemplate:
    """The enterprise's template, created with every module visible in the default order."""
    template, created = CardTemplate.objects.get_or_create(enterprise=enterprise)
    if created or not template.modules.exists():
        for order, key in enumerate(CardModuleKey.values):
            CardModule.objects.get_or_create(template=template, key=key, defaults={"sort_order": order})
    return template


def _split_tags(text: str) -> list[str]:
    seen: list[str] = []
    for raw in text.replace("，", ",").split(","):
        name = raw.strip()[:20]
        if name and name not in seen:
            seen.append(name)
    return seen


def _fill_from_template(card: Card, template: CardTemplate) -> None:
    card.intro = template.default_intro
    card.content = template.default_content.get_prep_value()
    card.products.set(template.default_products.filter(enterprise_id=card.enterprise_id))
    card.save()
    CardTag.objects.filter(card=card).delete()
    for order, name in enumerate(_split_tags(template.default_tags)):
        CardTag.objects.create(card=card, name=name, sort_order=order)


@transaction.atomic
def card_create_for_salesperson(salesperson: Salesperson) -> Card:
    """A new salesperson's card, from the template (SALESPERSON_CREATED_HOOKS; idempotent)."""
    existing = Card.objects.filter(salesperson=salesperson).first()
    if existing is not None:
        return existing
    template = card_template_get_or_create(enterprise=salesperson.enterprise)
    card = Card.objects.create(
        enterprise_id=salesperson.enterprise_id,
        salesperson=salesperson,
        name=salesperson.display_name,
        phone=salesperson.phone,
        wechat_id=salesperson.wechat_id,
        photo_id=salesperson.avatar_id,
        email=salesperson.user.email or "",
    )
    _fill_from_template(card, template)
    return card


@transaction.atomic
def card_template_apply(*, template: CardTemplate, salespeople: Iterable[Salesperson]) -> int:
    """Copy the template's defaults onto chosen salespeople's cards (contact details kept)."""
    count = 0
    for salesperson in salespeople:
        if salesperson.enterprise_id != template.enterprise_id:
            raise PermissionDenied(_("Salesperson of another enterprise."))
        card = Card.objects.filter(salesperson=salesperson).first()
        if card is None:
            card_create_for_salesperson(salesperson)
        else:
            _fill_from_template(card, template)
        count += 1
    return count


def card_tag_like(*, tag: CardTag, visitor) -> tuple[bool, int]:
    """Record a like; a visitor's second like of the same tag changes nothing. Returns (new, count)."""
    if visitor.enterprise_id != tag.card.enterprise_id:
        raise PermissionDenied(_("Visitor of another enterprise."))
    try:
        with transaction.atomic():
            CardTagLike.objects.create(tag=tag, visitor=visitor)
            CardTag.objects.filter(pk=tag.pk).update(like_count=F("like_count") + 1)
        created = True
    except IntegrityError:
        created = False
    tag.refresh_from_db(fields=["like_count"])
    return created, tag.like_count
