"""Reads for business cards: the effective card clients render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from cms.articles.selectors import articles_readable
from enterprises.models import Salesperson

from .models import Card, CardModule, CardModuleKey, CardTag, CardTemplate


@dataclass
class EffectiveModule:
    key: str
    label: str
    data: Any


@dataclass
class EffectiveCard:
    card: Card
    modules: list[EffectiveModule] = field(default_factory=list)

    def module(self, key: str) -> EffectiveModule | None:
        return next((m for m in self.modules if m.key == key), None)


def _module_data(key: str, card: Card, template: CardTemplate | None):
    if key == CardModuleKey.INTRO:
        return card.intro
    if key == CardModuleKey.CONTACT:
        return {
            "name": card.name,
            "title": card.title,
            "phone": card.phone,
            "wechat_id": card.wechat_id,
            "email": card.email,
            "address": card.address,
        }
    if key == CardModuleKey.TAGS:
        return list(card.tags.all())
    if key == CardModuleKey.PRODUCTS:
        return [p for p in card.products.all() if p.is_active and p.enterprise_id == card.enterprise_id]
    if key == CardModuleKey.ARTICLES:
        # The articles themselves (cover, summary, author), not the bare Page rows the
        # CardArticle foreign key points at; readable ones only, in the salesperson's order.
        chosen = [a.page_id for a in card.articles.all()]
        readable = articles_readable(enterprise=card.enterprise_id).in_bulk(chosen) if chosen else {}
        return [readable[pk] for pk in chosen if pk in readable]
    if key == CardModuleKey.ENTERPRISE:
        return {"name": card.enterprise.name, "intro": template.enterprise_intro if template else ""}
    if key == CardModuleKey.CUSTOM:
        return card.content
    return None


def card_effective(*, salesperson: Salesperson) -> EffectiveCard | None:
    """The card as a visitor sees it: template module order, labels and visibility applied.

    None when the salesperson has no card, the card is off the shelf or they are inactive.
    """
    card = (
        Card.objects.select_related("enterprise__site__root_page", "photo", "salesperson")
        .prefetch_related(
            Prefetch("tags", queryset=CardTag.objects.order_by("sort_order")),
            "products",
            "articles",
        )
        .filter(salesperson=salesperson, is_published=True, salesperson__is_active=True)
        .first()
    )
    if card is None:
        return None
    template = CardTemplate.objects.filter(enterprise_id=card.enterprise_id).first()
    modules = (
        list(CardModule.objects.filter(template=template, visible=True).order_by("sort_order", "pk"))
        if template
        else [CardModule(key=key) for key in CardModuleKey.values]
    )
    return EffectiveCard(
        card=card,
        modules=[
            EffectiveModule(m.key, m.display_label, _module_data(m.key, card, template)) for m in modules
        ],
    )
