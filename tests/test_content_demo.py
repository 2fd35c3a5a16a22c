"""Demo content of cards, posters, forms, files and products: complete and idempotent."""

from __future__ import annotations

from cms.cards import demo as cards_demo
from cms.cards.models import Card
from cms.files import demo as files_demo
from cms.files.models import SalesFile
from cms.leadforms import demo as leadforms_demo
from cms.leadforms.models import LeadFormPage
from cms.posters import demo as posters_demo
from cms.posters.models import GeneratedPoster, PosterTemplate
from cms.products import demo as products_demo
from cms.products.models import Product
from enterprises import demo

SEEDERS = [products_demo, files_demo, leadforms_demo, cards_demo, posters_demo]


def _counts():
    models = (Card, SalesFile, LeadFormPage, PosterTemplate, GeneratedPoster, Product)
    return [m.objects.count() for m in models]


def test_demo_content_is_complete_and_idempotent(db):
    context = demo.seed()
    for seeder in SEEDERS:
        seeder.seed_content(context)
    enterprise = context.enterprise
    assert all(Card.objects.filter(salesperson=s).exclude(title="").exists() for s in context.salespeople)
    assert Product.objects.filter(enterprise=enterprise).count() == 6
    assert SalesFile.objects.filter(enterprise=enterprise).count() == 5
    assert LeadFormPage.objects.live().descendant_of(enterprise.root_page).count() == 2
    visible = PosterTemplate.objects.filter(enterprise__isnull=True).count() + PosterTemplate.objects.filter(
        enterprise=enterprise
    ).count()
    assert visible == 4
    first = _counts()
    for seeder in SEEDERS:
        seeder.seed_content(context)
    assert _counts() == first
