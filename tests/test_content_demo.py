"""Demo content of cards, posters, forms, files and products: complete and idempotent."""

from __future__ import annotations

import re

import pytest
from PIL import Image as PILImage

from cms.articles.models import ArticlePage
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
from enterprises.models import Enterprise

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
    visible = (
        PosterTemplate.objects.filter(enterprise__isnull=True).count()
        + PosterTemplate.objects.filter(enterprise=enterprise).count()
    )
    assert visible == 4
    first = _counts()
    for seeder in SEEDERS:
        seeder.seed_content(context)
    assert _counts() == first


# ---- demo people, files and microsite a buyer would believe ------------------------------------


def _account_form_data(response) -> dict:
    """What the browser posts from /admin/account/: every panel's current values, files left empty."""
    data = {}
    for panels in response.context["panels_by_tab"].values():
        for panel in panels:
            form = panel.get_form()
            for bound in form:
                value = bound.value()
                if getattr(bound.field.widget, "input_type", "") == "file":
                    continue
                if isinstance(value, bool):
                    if value:
                        data[bound.html_name] = "on"
                elif isinstance(value, list | tuple):
                    data[bound.html_name] = [str(v) for v in value]
                elif value is not None:
                    data[bound.html_name] = str(value)
    return data


@pytest.mark.parametrize("username", ["alice", "bob", "carol", "demo-admin", "demo-operator", "platform"])
def test_every_demo_user_saves_account_preferences(db, client, username):
    # the demo users had no first name, last name or email: Wagtail's account form refused every save
    from django.contrib.auth import get_user_model
    from wagtail.users.models import UserProfile

    demo.seed()
    user = get_user_model().objects.get(username=username)
    assert user.first_name and user.last_name and "@" in user.email
    assert UserProfile.get_for_user(user).avatar
    assert client.login(username=username, password=demo.DEMO_PASSWORD)
    page = client.get("/admin/account/")
    assert page.status_code == 200
    data = _account_form_data(page)
    data["locale-preferred_language"] = "zh-hans"
    response = client.post("/admin/account/", data)
    assert response.status_code == 302, response.context and [
        (p.name, p.get_form().errors) for ps in response.context["panels_by_tab"].values() for p in ps
    ]
    assert UserProfile.get_for_user(user).preferred_language == "zh-hans"


def test_demo_salespeople_have_chinese_names_and_avatars(db):
    context = demo.seed()
    names = {s.user.username: s.display_name for s in context.salespeople}
    assert names == {"alice": "王敏", "bob": "李强", "carol": "张丽"}
    for salesperson in context.salespeople:
        salesperson.avatar.file.open("rb")
        with PILImage.open(salesperson.avatar.file) as image:
            assert image.size == (256, 256)
        salesperson.avatar.file.close()


def _pdf_pages(data: bytes) -> int:
    match = re.search(rb"/Type /Pages\s*/Count (\d+)", data)
    return int(match.group(1)) if match else 0


def test_demo_files_are_real_pdfs_and_photos(db):
    # the demo PDFs were 45-byte stubs that no reader opens
    context = demo.seed()
    products_demo.seed_content(context)
    files_demo.seed_content(context)
    documents = SalesFile.objects.filter(enterprise=context.enterprise, kind="document")
    assert documents.count() == 3
    for sales_file in documents:
        sales_file.document.file.open("rb")
        data = sales_file.document.file.read()
        sales_file.document.file.close()
        assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
        assert _pdf_pages(data) >= 2 and len(data) > 20_000, sales_file.title
        assert sales_file.description
    photo = SalesFile.objects.get(enterprise=context.enterprise, kind="image")
    photo.image.file.open("rb")
    with PILImage.open(photo.image.file) as image:
        image.load()
        assert (image.format, image.size) == ("JPEG", (1200, 800))
        assert len(set(image.resize((40, 40)).getdata())) > 50  # a picture, not a flat fill
    photo.image.file.close()


def _seed_content(context) -> None:
    """The content apps' seeders in seed_demo's order (tracking left out: it needs no content check)."""
    import importlib

    for app in ("sites", "cms.products", "cms.files", "cms.scripts", "cms.leadforms", "cms.articles"):
        importlib.import_module(f"{app}.demo").seed_content(context)
    for seeder in (cards_demo, posters_demo):
        seeder.seed_content(context)
    importlib.import_module("crm.demo").seed_content(context)


def test_demo_builds_a_chinese_microsite_with_every_block_kind(db):
    from crm.models import Lead
    from sites.models import MicrositeHomePage, MicrositeNavPage

    context = demo.seed()
    _seed_content(context)
    enterprise = Enterprise.objects.get(slug=demo.DEMO_SLUG)
    home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
    kinds = set(home.body.stream_block.child_blocks)
    assert {block.block_type for block in home.body} == kinds
    pages = list(MicrositeNavPage.objects.child_of(home).live())
    assert len(pages) == 5
    for page in [home, *pages]:
        text = " ".join(str(block.value) for block in page.body if block.block_type == "rich_text")
        assert re.search(r"[\u4e00-\u9fff]{4}", text), page.title
    slides = home.body[0].value["slides"]
    assert all(re.search(r"[\u4e00-\u9fff]", slide["caption"]) for slide in slides)
    products = Product.objects.filter(enterprise=enterprise)
    assert all(re.search(r"[\u4e00-\u9fff]", p.description) for p in products)
    articles = ArticlePage.objects.filter(enterprise=enterprise)
    assert articles.count() >= 6
    assert all(len(article.summary) >= 10 and "demo" not in article.summary for article in articles)
    leads = Lead.objects.filter(enterprise=enterprise)
    assert leads.count() >= 60 and all(re.fullmatch(r"[\u4e00-\u9fff（）]+", lead.name) for lead in leads)
    first = _everything()
    _seed_content(demo.seed())
    assert _everything() == first


def _everything() -> list[int]:
    from wagtail.images import get_image_model
    from wagtail.models import Page

    from crm.models import Lead

    models = (Page, get_image_model(), SalesFile, Product, Card, ArticlePage, Lead)
    return [m.objects.count() for m in models]
