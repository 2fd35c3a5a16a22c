"""Business cards (CARD-1..4): template modules, copy, 140-char intro, tag likes once, ownership."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cms.cards.models import Card, CardModule, CardTag
from cms.cards.selectors import card_effective
from cms.cards.services import card_tag_like, card_template_apply, card_template_get_or_create
from cms.products.models import Product
from trackers.models import Visitor

URL = "/admin/snippets/cards/card/"


def test_new_salesperson_gets_a_card_from_the_template(enterprise_a, salesperson_a):
    # given a template with defaults, when a salesperson joins, then their card starts from it
    template = card_template_get_or_create(enterprise=enterprise_a)
    template.default_intro = "We make pumps"
    template.default_tags = "Honest, Fast,  Honest"
    product = Product.objects.create(enterprise=enterprise_a, name="Pump")
    template.default_products.add(product)
    template.save()  # parental many-to-many: saved with the template
    from tests.factories import make_salesperson

    newcomer = make_salesperson(enterprise_a, display_name="王小明")
    card = newcomer.card
    assert card.name == "王小明" and card.intro == "We make pumps"
    assert [t.name for t in card.tags.order_by("sort_order")] == ["Honest", "Fast"]
    assert list(card.products.all()) == [product]
    assert Card.objects.get(salesperson=salesperson_a).enterprise == enterprise_a


def test_intro_longer_than_140_characters_is_refused(salesperson_a):
    card = salesperson_a.card
    card.intro = "好" * 140
    card.full_clean()
    card.intro = "好" * 141
    with pytest.raises(ValidationError) as excinfo:
        card.full_clean()
    assert "intro" in excinfo.value.message_dict


def test_module_rename_hide_reorder_reach_the_effective_card(enterprise_a, salesperson_a):
    template = card_template_get_or_create(enterprise=enterprise_a)
    modules = {m.key: m for m in template.modules.all()}
    modules["products"].label, modules["products"].sort_order = "Our best sellers", -1
    modules["products"].save()
    modules["tags"].visible = False
    modules["tags"].save()

    effective = card_effective(salesperson=salesperson_a)
    keys = [m.key for m in effective.modules]
    assert keys[0] == "products" and effective.modules[0].label == "Our best sellers"
    assert "tags" not in keys
    assert effective.module("contact").label == "Contact"


def test_off_shelf_card_has_no_effective_card(salesperson_a):
    Card.objects.filter(salesperson=salesperson_a).update(is_published=False)
    assert card_effective(salesperson=salesperson_a) is None


def test_effective_card_drops_off_shelf_products(enterprise_a, salesperson_a):
    on = Product.objects.create(enterprise=enterprise_a, name="On")
    off = Product.objects.create(enterprise=enterprise_a, name="Off", is_active=False)
    card = salesperson_a.card
    card.products.add(on, off)
    card.save()
    assert card_effective(salesperson=salesperson_a).module("products").data == [on]


def test_template_copy_replaces_content_and_keeps_contact(enterprise_a, salesperson_a, other_salesperson_a):
    card = salesperson_a.card
    card.intro, card.phone = "my own words", "13800000000"
    card.save()
    template = card_template_get_or_create(enterprise=enterprise_a)
    template.default_intro, template.default_tags = "Template intro", "A,B"
    template.save()

    assert card_template_apply(template=template, salespeople=[salesperson_a]) == 1
    card.refresh_from_db()
    assert card.intro == "Template intro" and card.phone == "13800000000"
    assert sorted(card.tags.values_list("name", flat=True)) == ["A", "B"]
    assert other_salesperson_a.card.intro != "Template intro"


def test_template_copy_refuses_other_enterprise(enterprise_a, salesperson_b):
    template = card_template_get_or_create(enterprise=enterprise_a)
    with pytest.raises(PermissionDenied):
        card_template_apply(template=template, salespeople=[salesperson_b])


def test_tag_liked_twice_by_one_visitor_counts_once(enterprise_a, enterprise_b, salesperson_a):
    tag = CardTag.objects.create(card=salesperson_a.card, name="Reliable")
    visitor = Visitor.objects.create(enterprise=enterprise_a, device_id="dev-1")
    other = Visitor.objects.create(enterprise=enterprise_a, device_id="dev-2")
    assert card_tag_like(tag=tag, visitor=visitor) == (True, 1)
    assert card_tag_like(tag=tag, visitor=visitor) == (False, 1)
    assert card_tag_like(tag=tag, visitor=other) == (True, 2)
    with pytest.raises(PermissionDenied):
        card_tag_like(tag=tag, visitor=Visitor.objects.create(enterprise=enterprise_b, device_id="x"))
    assert tag.likes.count() == 2


def test_admin_copy_template_action(login, admin_a, enterprise_a, salesperson_a, salesperson_b):
    template = card_template_get_or_create(enterprise=enterprise_a)
    template.default_intro = "From the action"
    template.save()
    client = login(admin_a)
    page = client.get("/admin/cards/template-apply/").content.decode()
    assert salesperson_a.display_name in page and salesperson_b.display_name not in page
    response = client.post("/admin/cards/template-apply/", {"salespeople": [salesperson_a.pk]})
    assert response.status_code == 302
    assert Card.objects.get(salesperson=salesperson_a).intro == "From the action"
    # a salesperson of another enterprise is not a valid choice
    client.post("/admin/cards/template-apply/", {"salespeople": [salesperson_b.pk]})
    assert Card.objects.get(salesperson=salesperson_b).intro != "From the action"


def test_salesperson_cannot_use_copy_action(login, enterprise_a, salesperson_a):
    template = card_template_get_or_create(enterprise=enterprise_a)
    template.default_intro = "Not allowed"
    template.save()
    client = login(salesperson_a.user)
    # Wagtail turns PermissionDenied into a redirect to the dashboard with an error message
    assert client.get("/admin/cards/template-apply/")["Location"] == "/admin/"
    client.post("/admin/cards/template-apply/", {"salespeople": [salesperson_a.pk]})
    assert Card.objects.get(salesperson=salesperson_a).intro != "Not allowed"


def _edit_payload(card, **changes):
    data = {
        "name": card.name,
        "title": "",
        "phone": "",
        "wechat_id": "",
        "email": "",
        "address": "",
        "intro": card.intro,
        "is_published": "on",
        "tags-TOTAL_FORMS": "0",
        "tags-INITIAL_FORMS": "0",
        "tags-MIN_NUM_FORMS": "0",
        "tags-MAX_NUM_FORMS": "1000",
        "articles-TOTAL_FORMS": "0",
        "articles-INITIAL_FORMS": "0",
        "articles-MIN_NUM_FORMS": "0",
        "articles-MAX_NUM_FORMS": "1000",
        "content-count": "0",
    }
    data.update(changes)
    return data


def test_salesperson_edits_own_card_only(login, salesperson_a, other_salesperson_a, salesperson_b):
    client = login(salesperson_a.user)
    own, theirs = salesperson_a.card, other_salesperson_a.card
    response = client.post(f"{URL}edit/{own.pk}/", _edit_payload(own, intro="Hi there"))
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert own.intro == "Hi there"
    assert client.get(f"{URL}edit/{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}edit/{theirs.pk}/", _edit_payload(theirs, intro="hacked")).status_code == 404
    assert client.get(f"{URL}edit/{salesperson_b.card.pk}/").status_code == 404
    listing = client.get(URL).content.decode()
    assert other_salesperson_a.card.name not in listing


def test_admin_edit_refuses_long_intro_and_foreign_products(login, admin_a, salesperson_a, enterprise_b):
    client = login(admin_a)
    card = salesperson_a.card
    response = client.post(f"{URL}edit/{card.pk}/", _edit_payload(card, intro="x" * 141))
    assert response.status_code == 200 and "140" in response.content.decode()
    foreign = Product.objects.create(enterprise=enterprise_b, name="Beta pump")
    response = client.post(f"{URL}edit/{card.pk}/", _edit_payload(card, products=[foreign.pk]))
    assert response.status_code == 200
    assert not salesperson_a.card.products.exists()


def test_admins_see_all_cards_of_their_enterprise_only(login, admin_a, admin_b, salesperson_a, salesperson_b):
    listing = login(admin_a).get(URL).content.decode()
    assert salesperson_a.card.name in listing and salesperson_b.card.name not in listing
    assert login(admin_a).get(f"{URL}edit/{salesperson_b.card.pk}/").status_code == 404


def test_template_admin_is_per_enterprise(login, admin_a, admin_b, enterprise_a, enterprise_b):
    mine = card_template_get_or_create(enterprise=enterprise_a)
    theirs = card_template_get_or_create(enterprise=enterprise_b)
    client = login(admin_a)
    assert client.get(f"/admin/snippets/cards/cardtemplate/edit/{mine.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/cards/cardtemplate/edit/{theirs.pk}/").status_code == 404
    assert CardModule.objects.filter(template=mine).count() == 7


def test_chosen_articles_of_own_enterprise_only(login, admin_a, enterprise_a, enterprise_b, salesperson_a):
    from cms.articles.services import article_create
    from cms.cards.models import CardArticle

    own = article_create(enterprise=enterprise_a, title="Our story", publish=True)
    draft = article_create(enterprise=enterprise_a, title="Draft")
    foreign = article_create(enterprise=enterprise_b, title="Their story", publish=True)
    card = salesperson_a.card
    for order, page in enumerate((own, draft)):
        CardArticle.objects.create(card=card, page=page, sort_order=order)
    assert card_effective(salesperson=salesperson_a).module("articles").data == [own]
    payload = _edit_payload(
        card,
        **{
            "articles-TOTAL_FORMS": "1",
            "articles-0-page": str(foreign.pk),
            "articles-0-ORDER": "1",
            "articles-0-id": "",
            "articles-0-DELETE": "",
        },
    )
    response = login(admin_a).post(f"{URL}edit/{card.pk}/", payload)
    assert response.status_code == 200 and "Choose an article of your enterprise" in response.content.decode()
    assert not CardArticle.objects.filter(card=card, page=foreign).exists()


def test_card_articles_are_the_readable_articles_themselves_in_chosen_order(enterprise_a, salesperson_a):
    """The card module hands out ArticlePage objects (cover, summary), not bare Page rows."""
    from cms.articles.services import article_create
    from cms.cards.models import CardArticle
    from tests.factories import make_image

    cover = make_image(enterprise_a, "cover")
    first = article_create(enterprise=enterprise_a, title="First", cover=cover, publish=True)
    second = article_create(enterprise=enterprise_a, title="Second", publish=True)
    disabled = article_create(enterprise=enterprise_a, title="Hidden", publish=True)
    disabled.is_enabled = False
    disabled.save_revision().publish()
    for order, page in enumerate((second, disabled, first)):
        CardArticle.objects.create(card=salesperson_a.card, page=page, sort_order=order)

    articles = card_effective(salesperson=salesperson_a).module("articles").data

    assert [a.title for a in articles] == ["Second", "First"]
    assert articles[1].cover_id == cover.pk and articles[0].cover_id is None
