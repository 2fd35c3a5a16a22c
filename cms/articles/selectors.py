"""Reads for articles: library listings, share counts and the effective article view (ART-5..8)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from enterprises.models import Enterprise, Salesperson
from enterprises.selectors import Scope

from .models import (
    MAX_RECOMMENDED,
    MODULES,
    ArticlePage,
    ArticleSettings,
    ContactPosition,
    Library,
    RecommendationMode,
    SalespersonArticleSettings,
)


def articles_visible_to(scope: Scope) -> QuerySet[ArticlePage]:
    """Articles a user may list in the admin: platform hot ones plus their enterprise's."""
    articles = ArticlePage.objects.select_related("owner_salesperson", "enterprise")
    if scope.is_platform:
        return articles
    mine = Q(enterprise_id=scope.enterprise_id)
    if not scope.sees_whole_enterprise:
        mine &= Q(library=Library.ENTERPRISE) | Q(owner_salesperson_id=scope.salesperson_id)
    return articles.filter(Q(library=Library.PLATFORM) | mine)


def articles_readable(*, enterprise: Enterprise | int) -> QuerySet[ArticlePage]:
    """Articles a visitor of ``enterprise`` (or its id) may open: live, enabled, of that enterprise."""
    return ArticlePage.objects.live().filter(enterprise=enterprise, is_enabled=True)


#: Tracking replaces this (``SHARE_COUNT_PROVIDERS.append(fn)``); fn(ids) -> {article_id: count}.
SHARE_COUNT_PROVIDERS: list[Callable[[list[int]], dict[int, int]]] = []


def article_share_counts(article_ids: Iterable[int]) -> dict[int, int]:
    """How many times each article was shared; 0 until a tracking provider is registered."""
    ids = list(article_ids)
    counts = dict.fromkeys(ids, 0)
    for provider in SHARE_COUNT_PROVIDERS:
        for pk, n in provider(ids).items():
            if pk in counts:
                counts[pk] += n
    return counts


@dataclass(frozen=True)
class ArticleView:
    """What a reader of ``article`` shared by ``salesperson`` sees (the same for every client)."""

    article: ArticlePage
    salesperson: Salesperson | None
    #: "top" | "bottom" | "floating", or None when the contact module is hidden.
    contact_position: str | None
    #: At most 3 articles (empty when the module is hidden).
    recommended: list[ArticlePage] = field(default_factory=list)
    #: The "more articles" list under the recommendations (empty when hidden).
    more_articles: list[ArticlePage] = field(default_factory=list)
    #: Products appended at the end (ART-7; empty when hidden).
    products: list = field(default_factory=list)
    #: Module name -> visible, for every name in models.MODULES.
    modules: dict[str, bool] = field(default_factory=dict)
    #: ART-4 date to show, or None.
    date: object = None


def article_effective_view(*, article: ArticlePage, salesperson: Salesperson | None) -> ArticleView:
    """ART-5..8: merge enterprise settings with the salesperson's, the enterprise always winning on 'hide'.

    A module is visible when the enterprise shows it and the salesperson has not hidden it;
    a salesperson can never show what the enterprise hid. Recommendations come from the
    enterprise or from the salesperson depending on the enterprise's mode.
    """
    enterprise_id = article.enterprise_id
    settings_row = (
        ArticleSettings.objects.filter(enterprise_id=enterprise_id)
        .prefetch_related("recommended_articles")
        .first()
        if enterprise_id
        else None
    ) or ArticleSettings(enterprise_id=enterprise_id)
    personal = None
    if salesperson is not None and salesperson.enterprise_id == enterprise_id:
        personal = (
            SalespersonArticleSettings.objects.filter(salesperson=salesperson)
            .prefetch_related("recommended_articles")
            .first()
        )
    else:
        salesperson = None
    modules = {}
    for name in MODULES:
        shown = bool(getattr(settings_row, f"show_{name}"))
        if personal is not None and getattr(personal, f"hide_{name}"):
            shown = False
        modules[name] = shown
    modules["date"] = modules["date"] and article.show_date

    contact_position = None
    if modules["contact"]:
        contact_position = (personal.contact_position if personal else "") or settings_row.contact_position
        contact_position = contact_position or ContactPosition.BOTTOM

    recommended: list[ArticlePage] = []
    more: list[ArticlePage] = []
    if modules["recommendations"] and enterprise_id:
        chosen = list(settings_row.recommended_articles.all()) if settings_row.pk else []
        if settings_row.recommendation_mode == RecommendationMode.SALESPERSON and personal is not None:
            # A salesperson who picked nothing yet falls back to the enterprise's picks.
            chosen = list(personal.recommended_articles.all()) or chosen
        readable = articles_readable(enterprise=enterprise_id)
        # Only the picks are checked (an unpublished or disabled pick is skipped), not the library.
        picked = [a.pk for a in chosen]
        readable_picks = set(readable.filter(pk__in=picked).values_list("pk", flat=True)) if picked else set()
        recommended = [a for a in chosen if a.pk in readable_picks and a.pk != article.pk][:MAX_RECOMMENDED]
        excluded = {article.pk, *(a.pk for a in recommended)}
        more = list(
            readable.filter(library=Library.ENTERPRISE)
            .exclude(pk__in=excluded)
            .order_by("-first_published_at")[: settings_row.more_articles_count or 10]
        )
    products = []
    if modules["products"]:
        products = list(article.products.filter(is_active=True, enterprise_id=enterprise_id))
    return ArticleView(
        article=article,
        salesperson=salesperson,
        contact_position=contact_position,
        recommended=recommended,
        more_articles=more,
        products=products,
        modules=modules,
        date=article.display_date() if modules["date"] else None,
    )
