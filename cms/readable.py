"""What a visitor of an enterprise may read: one rule per shareable kind (issue 18, holes 2 and 7).

Every public read — GraphQL lists and by-id lookups, share links, the tracking beacon's event
targets — asks the same rule, so a by-id query can never return what its list hides and an event
can never name another tenant's (or an unpublished) object. Each rule takes the enterprise (or its
id) and answers a queryset of the readable objects of that kind; callers filter it by id.

Imports are lazy: ``trackers.registry`` resolves these by name so tracking does not import content
apps at start-up.
"""

from __future__ import annotations

from django.db.models import QuerySet

from enterprises.models import Enterprise


def _enterprise(enterprise: Enterprise | int) -> Enterprise | None:
    if isinstance(enterprise, Enterprise):
        return enterprise
    return Enterprise.objects.select_related("site").filter(pk=enterprise).first()


def _enterprise_id(enterprise: Enterprise | int) -> int:
    return enterprise.pk if isinstance(enterprise, Enterprise) else int(enterprise)


def pages_readable(*, enterprise: Enterprise | int) -> QuerySet:
    """Live pages of the enterprise's site tree (the microsite home included)."""
    from wagtail.models import Page

    found = _enterprise(enterprise)
    if found is None or found.site_id is None:
        return Page.objects.none()
    return Page.objects.live().descendant_of(found.site.root_page, inclusive=True)


def articles_readable(*, enterprise: Enterprise | int) -> QuerySet:
    """Live, enabled articles of the enterprise (``cms.articles.selectors.articles_readable``)."""
    from cms.articles.selectors import articles_readable as rule

    return rule(enterprise=_enterprise_id(enterprise))


def forms_readable(*, enterprise: Enterprise | int) -> QuerySet:
    """Live lead-form pages in the enterprise's site tree."""
    from cms.leadforms.models import LeadFormPage

    found = _enterprise(enterprise)
    if found is None or found.site_id is None:
        return LeadFormPage.objects.none()
    return LeadFormPage.objects.live().descendant_of(found.site.root_page)


def products_readable(*, enterprise: Enterprise | int) -> QuerySet:
    """Products on the enterprise's shelf."""
    from cms.products.models import Product

    return Product.objects.filter(enterprise_id=_enterprise_id(enterprise), is_active=True)


def files_readable(*, enterprise: Enterprise | int, salesperson_id: int | None = None) -> QuerySet:
    """Files of the enterprise library, plus the personal files of ``salesperson_id`` — the
    salesperson of a verified share token, never an id a client merely names. Another
    salesperson's personal file is readable once shared (``salesfile_share_to_enterprise``
    copies it into the library)."""
    from django.db.models import Q

    from cms.files.models import SalesFile

    mine = Q(owner__isnull=True)
    if salesperson_id:
        mine |= Q(owner_id=salesperson_id, owner__enterprise_id=_enterprise_id(enterprise))
    return SalesFile.objects.filter(mine, enterprise_id=_enterprise_id(enterprise))


def cards_readable(*, enterprise: Enterprise | int) -> QuerySet:
    """Cards of the enterprise's active salespeople."""
    from cms.cards.models import Card

    return Card.objects.filter(
        enterprise_id=_enterprise_id(enterprise),
        salesperson__enterprise_id=_enterprise_id(enterprise),
        salesperson__is_active=True,
    )


def posters_readable(*, enterprise: Enterprise | int) -> QuerySet:
    """Composed posters of the enterprise."""
    from cms.posters.models import GeneratedPoster

    return GeneratedPoster.objects.filter(enterprise_id=_enterprise_id(enterprise))


#: kind name (trackers.models.TargetKind label) -> rule
RULES = {
    "page": pages_readable,
    "article": articles_readable,
    "form": forms_readable,
    "product": products_readable,
    "file": files_readable,
    "card": cards_readable,
    "poster": posters_readable,
}


def readable(kind: str, *, enterprise: Enterprise | int) -> QuerySet:
    """The readable objects of ``kind`` for visitors of ``enterprise``; KeyError for unknown kinds."""
    return RULES[kind](enterprise=enterprise)


def readable_ids(kind: str, *, enterprise: Enterprise | int, ids) -> set[int]:
    """Which of ``ids`` a visitor of ``enterprise`` may read (one query)."""
    ids = [pk for pk in (int(pk) for pk in ids) if 0 < pk < 2**63]  # beyond bigint: not an id
    if not ids:
        return set()
    return set(readable(kind, enterprise=enterprise).filter(pk__in=ids).values_list("pk", flat=True))
