"""The H5 pages of every kind in Chromium: microsite blocks/theme/tabs, card likes, product, file, forms."""

import re
import time

import pytest
from playwright.sync_api import expect

from cms.cards.models import Card, CardTag
from cms.files.models import SalesFile
from cms.products.models import Product
from sites.models import MicrositeNavPage
from tests.factories import make_document, make_image
from tests.test_api_content import blocks_for
from trackers.models import Event, EventType
from trackers.share import share_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TYPENAMES = {
    "carousel": "CarouselBlockType",
    "title_bar": "TitleBarBlockType",
    "divider": "DividerBlockType",
    "rich_text": "RichTextBlockType",
    "image": "ImageBlockType",
    "video": "VideoBlockType",
    "articles": "ArticleListBlockType",
    "file": "FileBlockType",
    "form": "FormBlockType",
    "products": "ProductListBlockType",
    "contact": "ContactBlockType",
}


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def test_microsite_shows_every_block_in_order_with_theme_tabs_and_form_errors(
    live, browser_page, enterprise_a, salesperson_a, shot
):
    # given a microsite home holding every block type, a theme colour and two navigation pages
    home = enterprise_a.site.root_page.specific
    body = blocks_for(enterprise_a, 12)
    home.body = body
    home.theme_colour = "#aa3300"
    home.phone_policy = "on_consult"
    home.save_revision().publish()
    for title in ["Products", "About us"]:
        nav = MicrositeNavPage(title=title, body=[{"type": "rich_text", "value": f"<p>{title} page</p>"}])
        home.add_child(instance=nav)
        nav.save_revision().publish()
    page = browser_page

    # when a visitor opens salesperson A's link of the home
    page.goto(share_url(home, salesperson_a))

    # then every block is rendered, in the editor's order, in the theme colour, with the tabs
    blocks = page.locator("[data-block]")
    expect(blocks).to_have_count(len(body))
    assert [blocks.nth(i).get_attribute("data-block") for i in range(len(body))] == [
        TYPENAMES[block["type"]] for block in body
    ]
    theme = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--theme')")
    assert theme.strip() == "#aa3300"
    expect(page.locator(".h5-tabs a")).to_have_count(3)
    expect(page.locator(".h5-carousel figure")).to_have_count(6)
    expect(page.locator(".h5-rich a", has_text="x")).not_to_have_attribute("href", "javascript:alert(1)")
    expect(page.locator("video")).to_have_attribute("src", "https://v.example/a.mp4")
    shot(page, "h5-microsite-all-blocks")

    # when the embedded form is sent empty, then the field's error is shown next to it
    form = page.locator("form[data-form-id]")
    form.get_by_role("button").click()
    error = form.locator("[data-field=phone] [data-error-for=phone]")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-code", "REQUIRED")
    expect(form.get_by_label("Phone")).to_have_attribute("aria-invalid", "true")

    # when the visitor taps the contact button (policy: ask on consult), the phone dialog asks once
    page.locator("[data-block=ContactBlockType] [data-consult]").click()
    expect(page.locator("#phone-dialog")).to_be_visible()
    page.click("[data-phone=allow]")
    expect(page.locator("#phone-dialog")).to_be_hidden()

    # when the visitor moves to a navigation tab and to an article of the list
    page.get_by_role("link", name="About us").click()
    expect(page.get_by_role("heading", name="About us")).to_be_visible()
    expect(page.locator(".h5-rich")).to_contain_text("About us page")
    expect(page.locator(".h5-tabs a[aria-current]")).to_have_text("About us")
    page.locator("[data-tab='home']").click()  # the label follows the browser's language
    page.locator("[data-block=ArticleListBlockType] a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chosen 0")

    # then each is an open of that item, credited to A
    nav_id = MicrositeNavPage.objects.get(title="About us").pk
    opens = Event.objects.filter(
        enterprise=enterprise_a, salesperson_id=salesperson_a.pk, type=EventType.OPEN
    )
    page.goto("about:blank")  # pagehide: the tracker sends what is pending

    def seen():
        return set(opens.values_list("target_kind", "target_id"))  # a fresh query each time

    assert wait_for(lambda: {(1, home.pk), (1, nav_id)} <= seen() and any(k == 2 for k, _ in seen())), seen()
    assert Event.objects.filter(type=EventType.PHONE_AUTH, target_id=home.pk).count() == 1


def test_card_likes_product_and_file_pages(live, browser_page, enterprise_a, salesperson_a, shot):
    # given A's card with a tag, a product and a file of the enterprise
    card = Card.objects.get(salesperson=salesperson_a)
    tag = CardTag.objects.create(card=card, name="Reliable")
    product = Product.objects.create(
        enterprise=enterprise_a,
        name="Pump X",
        price="199.00",
        description="Quiet <b>pump</b>",
        cover=make_image(enterprise_a, "pump"),
    )
    sales_file = SalesFile.objects.create(
        enterprise=enterprise_a,
        title="Catalogue",
        kind="document",
        description="All models",
        document=make_document(enterprise_a, "catalogue"),
    )
    page = browser_page

    # when a visitor likes the tag twice
    page.goto(share_url(card, salesperson_a))
    expect(page.get_by_role("heading", name=card.name)).to_be_visible()
    like = page.locator(f"[data-like='{tag.pk}']")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator("[data-likes]")).to_have_text("1")
    like.click()

    # then it counts once
    expect(like.locator("[data-likes]")).to_have_text("1")
    tag.refresh_from_db()
    assert tag.like_count == 1
    shot(page, "h5-card")

    # the product page shows its text escaped, the file page a download link
    page.goto(share_url(product, salesperson_a))
    expect(page.get_by_role("heading", name="Pump X")).to_be_visible()
    expect(page.locator(".h5-price")).to_have_text("¥199.00")
    expect(page.locator(".h5-text")).to_have_text("Quiet <b>pump</b>")
    page.goto(share_url(sales_file, salesperson_a))
    expect(page.get_by_role("heading", name="Catalogue")).to_be_visible()
    expect(page.locator("[data-track='download']")).to_have_attribute("href", re.compile("catalogue"))


def test_editor_preview_renders_the_draft_without_tracking(live, browser_page, enterprise_a, admin_a):
    # given an unpublished draft of the microsite home (contract 2: token from api.preview)
    from sites.preview import preview_token_issue

    home = enterprise_a.site.root_page.specific
    home.body = [
        {"type": "title_bar", "value": {"title": "Draft heading", "subtitle": "not live yet"}},
        {"type": "rich_text", "value": "<p>Draft <b>text</b></p>"},
    ]
    home.save_revision(user=admin_a)
    token = preview_token_issue(page=home, enterprise=enterprise_a)
    page = browser_page
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/t/" in request.url else None)

    # when the preview URL opens in the client
    page.goto(f"{live}/h5/preview/{token}/")

    # then the draft's blocks show under the preview banner, and nothing is tracked or forwardable
    expect(page.locator(".h5-preview-banner")).to_be_visible()
    expect(page.locator("[data-block]")).to_have_count(2)
    expect(page.get_by_role("heading", name="Draft heading")).to_be_visible()
    expect(page.locator(".h5-rich b")).to_have_text("text")
    expect(page.locator("[data-share]")).to_have_count(0)
    page.reload()
    expect(page.locator("[data-block]")).to_have_count(2)
    assert sent == []
    assert not Event.objects.exists()

    # a tampered token is the plain 404 page
    assert page.goto(f"{live}/h5/preview/{token[:-2]}xx/").status == 404


def test_form_image_file_price_and_card_articles_render_as_intended(
    live, browser_page, enterprise_a, salesperson_a, shot
):
    """Issue 16: form header and rich description, an image file at its own aspect ratio, the price
    in yuan, and a card holding an article (was "Not available")."""
    from cms.articles.services import article_create
    from cms.cards.models import CardArticle
    from cms.leadforms.services import leadform_create

    form = leadform_create(
        enterprise=enterprise_a,
        title="联系我们",
        description="<p>Call <b>us</b> today</p><ul><li>Free quote</li></ul>",
        header_image=make_image(enterprise_a, "header", size=(600, 200), colour=(20, 120, 220)),
        fields=[{"label": "Phone", "field_type": "phone", "required": True}],
    )
    wide = SalesFile.objects.create(
        enterprise=enterprise_a,
        title="Factory photo",
        kind="image",
        size=1_258_291,
        image=make_image(enterprise_a, "factory", size=(400, 100), colour=(30, 160, 60)),
    )
    product = Product.objects.create(
        enterprise=enterprise_a, name="Pump X", price="1280", cover=make_image(enterprise_a, "pump")
    )
    article = article_create(
        enterprise=enterprise_a,
        title="Our story",
        summary="Since 1998",
        cover=make_image(enterprise_a, "story"),
        publish=True,
    )
    CardArticle.objects.create(card=Card.objects.get(salesperson=salesperson_a), page=article)
    page = browser_page

    # the form link: header image loaded, the description as formatting, not as "<p>" text
    page.goto(share_url(form, salesperson_a))
    header = page.locator("form img.h5-form-header")
    expect(header).to_be_visible()
    assert wait_for(lambda: header.evaluate("img => img.complete && img.naturalWidth") == 600)
    expect(page.locator(".h5-intro b")).to_have_text("us")
    expect(page.locator(".h5-intro li")).to_have_text("Free quote")
    assert "<p>" not in page.locator(".h5-form").inner_text()
    shot(page, "h5-form-header")

    # the image file keeps its 4:1 shape, its size reads in MB
    page.goto(share_url(wide, salesperson_a))
    viewer = page.locator("img.h5-viewer")
    expect(viewer).to_be_visible()
    assert wait_for(lambda: viewer.evaluate("img => img.complete && img.naturalWidth") == 400)
    box = viewer.bounding_box()
    assert abs(box["width"] / box["height"] - 4) < 0.1, box
    expect(page.locator("[data-file-meta]")).to_contain_text("1.2 MB")
    shot(page, "h5-file-image")

    # the product price in yuan
    page.goto(share_url(product, salesperson_a))
    expect(page.locator(".h5-price")).to_have_text("¥1,280.00")
    shot(page, "h5-product-price")

    # the card with the chosen article renders, the article opens from it
    page.goto(share_url(Card.objects.get(salesperson=salesperson_a), salesperson_a))
    articles = page.locator("[data-module='articles']")
    expect(articles.get_by_text("Our story")).to_be_visible()
    expect(page.locator("#app .h5-error")).to_have_count(0)
    shot(page, "h5-card-articles")
    articles.get_by_text("Our story").click()
    expect(page.get_by_role("heading", name="Our story")).to_be_visible()
