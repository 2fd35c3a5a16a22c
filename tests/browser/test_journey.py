"""The whole journey in a real Chromium, against a live server, PostgreSQL, Redis and a Celery worker.

An operator builds the microsite in the Wagtail editor; a visitor reads salesperson B's article,
forwards it; a second visitor opens the forwarded link and fills the embedded form; B sees the
notification and the lead (timeline, forwarder) in the CRM; C sees none of it; the data center
charts the views. Each step leaves a screenshot in docs/images/ (shown in README).
"""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cms.articles.models import ArticleCategory, ArticleSettings
from cms.articles.services import article_create
from cms.leadforms.services import leadform_create
from crm.models import Lead
from tests.conftest import PASSWORD
from tests.factories import make_image, make_salesperson
from trackers.models import Event, EventType, Notification, ShareForward
from trackers.share import share_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

READ_SECONDS = 7  # more than one heartbeat (every 5 s), with a margin for a loaded machine
GOOD_PHONE = "13800138000"


def wait_for(predicate, timeout=20.0):
    """Poll the database for what the worker stores asynchronously."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def admin_login(context, live, user):
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live}/admin/")
    return page


def add_block(page, label: str):
    """Append a block with the StreamField's own 'Insert a block' menu (the last + button)."""
    page.locator("#body-root .c-sf-add-button").last.click()
    page.locator(".w-combobox__menu").get_by_role("option", name=label, exact=True).click()


def choose_in_modal(page, chooser, name: str):
    """Open a chooser widget (its container), pick ``name`` in the modal, wait until it shows."""
    chooser.get_by_role("button").first.click()
    modal = page.locator(".modal.show, .modal[open], [role=dialog]:visible").last
    modal.get_by_role("link", name=name).first.click()
    expect(page.locator(".modal.show")).to_have_count(0)
    expect(chooser).to_contain_text(name)


@pytest.fixture
def world(enterprise_a, admin_a):
    """Enterprise A: an image, a lead form, a category with an article that embeds the form,
    salespeople B and C."""
    banner = make_image(enterprise_a, "Spring banner", size=(750, 320), colour=(30, 110, 200))
    form = leadform_create(
        enterprise=enterprise_a,
        title="Book a consultation",
        fields=[
            {"label": "Name", "field_type": "singleline", "required": True},
            {"label": "Phone", "field_type": "phone", "required": True},
        ],
    )
    ArticleSettings.objects.update_or_create(enterprise=enterprise_a, defaults={"contact_position": "top"})
    category = ArticleCategory.objects.create(enterprise=enterprise_a, name="Guides")
    article = article_create(
        enterprise=enterprise_a,
        title="How to choose a water pump",
        body=[
            {"type": "rich_text", "value": "<p>Flow, head and power: what matters when choosing.</p>" * 6},
            {"type": "form", "value": {"form": form.pk, "title": "Ask our engineer"}},
        ],
        publish=True,
    )
    article.categories.add(category)
    article.save_revision().publish()
    salesperson_b = make_salesperson(
        enterprise_a, username="bella", display_name="Bella Wang", phone="13911112222"
    )
    salesperson_c = make_salesperson(enterprise_a, username="chen", display_name="Chen Li")
    return {
        "banner": banner,
        "form": form,
        "category": category,
        "article": article.specific,
        "b": salesperson_b,
        "c": salesperson_c,
        "admin": admin_a,
    }


def test_journey(live, chromium, celery_worker, world, enterprise_a, shot):
    desktop = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    try:
        _journey(live, chromium, desktop, world, enterprise_a, shot)
    except Exception:
        for i, pg in enumerate(desktop.pages):
            pg.screenshot(path=f"/tmp/h4/fail{i}.png", full_page=True)
            open(f"/tmp/h4/fail{i}.html", "w").write(pg.content())
        raise
    finally:
        desktop.close()


def _journey(live, chromium, desktop, world, enterprise_a, shot):
    home = enterprise_a.site.root_page.specific

    # --- 1. the operator builds the microsite home in the editor --------------------------------
    editor = admin_login(desktop, live, world["admin"])
    editor.goto(f"{live}/admin/pages/{home.pk}/edit/")
    add_block(editor, "Carousel")
    body = editor.locator("#body-root")
    choose_in_modal(editor, body.locator("[id$='-value-image-chooser']").last, "Spring banner")
    editor.locator("input[name$='-value-caption']").last.fill("Spring offers")
    editor.locator("select[name$='-value-link-link_type']").last.select_option("article")
    article_title = world["article"].title
    choose_in_modal(editor, body.locator("[id$='-value-link-article-chooser']").last, article_title)
    add_block(editor, "Rich text")
    rich = editor.locator("#body-root .DraftEditor-root [contenteditable=true]").last
    rich.click()
    rich.type("Pumps for every farm and factory.")
    add_block(editor, "Articles")
    editor.locator("input[name$='-value-title']").last.fill("Latest guides")
    choose_in_modal(editor, body.locator("[id$='-value-articles-0-value-chooser']").last, article_title)
    add_block(editor, "Form")
    choose_in_modal(editor, body.locator("[id$='-value-form-chooser']").last, "Book a consultation")

    # ... reorders them: the form moves above the article list ...
    blocks = editor.locator("#body-root > [data-streamfield-stream-container] > [data-streamfield-child]")
    expect(blocks).to_have_count(4)
    headings = [blocks.nth(i).locator(".w-panel__heading").first for i in range(4)]
    expect(headings[3]).to_contain_text("Form")
    blocks.nth(3).locator("[data-streamfield-action=MOVE_UP]").first.click()
    for heading, label in zip(headings, ["Carousel", "Rich text", "Form", "Articles"], strict=True):
        expect(heading).to_contain_text(label)
    for i in range(4):  # collapsed, the four blocks show in their new order on one screen
        blocks.nth(i).locator(".w-panel__toggle").first.click()
    editor.locator("#panel-child-content-body-section").scroll_into_view_if_needed()
    shot(editor, "editor")

    # ... and publishes
    editor.locator("footer .w-dropdown__toggle").first.click()
    editor.locator("button[name=action-publish]").click()
    published = editor.locator(".messages .success, .w-message--success, [role=status]").first
    expect(published).to_contain_text("published")
    home.refresh_from_db()
    assert [block.block_type for block in home.body] == ["carousel", "rich_text", "form", "articles"]

    # --- 2. the H5 microsite shows them in that order --------------------------------------------
    b, c = world["b"], world["c"]
    visitor_one = _phone_context(chromium)
    site = visitor_one.new_page()
    site.goto(share_url(home, b))
    rendered = site.locator("[data-block]")
    expect(rendered).to_have_count(4)
    assert [rendered.nth(i).get_attribute("data-block") for i in range(4)] == [
        "CarouselBlockType",
        "RichTextBlockType",
        "FormBlockType",
        "ArticleListBlockType",
    ]
    expect(site.locator(".h5-carousel figcaption")).to_have_text("Spring offers")
    expect(site.locator(".h5-rich")).to_contain_text("Pumps for every farm and factory.")
    expect(site.locator("[data-block=ArticleListBlockType]")).to_contain_text("How to choose a water pump")
    shot(site, "h5-microsite")
    site.goto("about:blank")

    # --- 3. a visitor reads B's article, then forwards it ----------------------------------------
    article = world["article"]
    reader = visitor_one.new_page()
    reader.goto(share_url(article, b))
    expect(reader.get_by_role("heading", level=1)).to_have_text(article.title)
    expect(reader.locator("[data-contact=top]")).to_contain_text("Bella Wang")
    shot(reader, "h5-article")
    reader.wait_for_timeout(READ_SECONDS * 1000)  # reading time must really pass (heartbeats)
    reader.locator("[data-share]").click()
    forward_url = reader.locator("[data-forward-url]")
    expect(forward_url).to_have_value(re.compile(r"/h5/s/[A-Za-z0-9_-]+/$"))
    forwarded = forward_url.input_value()
    reader.goto("about:blank")
    first_visitor = ShareForward.objects.get(salesperson_id=b.pk).forwarder

    # --- 4. a second visitor opens the forwarded link and fills the embedded form ------------------
    visitor_two = _phone_context(chromium)
    friend = visitor_two.new_page()
    friend.goto(forwarded)
    expect(friend.get_by_role("heading", level=1)).to_have_text(article.title)
    expect(friend.locator("[data-contact]").first).to_contain_text("Bella Wang")
    friend.wait_for_timeout(READ_SECONDS * 1000)
    form = friend.locator("form[data-form-id]")
    form.get_by_label("Name").fill("Zhang San")
    form.get_by_label("Phone").fill("12345")
    form.get_by_role("button", name="Submit").click()
    phone_error = form.locator("[data-field=phone] [data-error-for=phone]")
    expect(phone_error).to_be_visible()
    expect(phone_error).to_have_attribute("data-code", "INVALID_PHONE")
    expect(form.locator("[data-error-for=name]")).to_be_hidden()
    phone_error.scroll_into_view_if_needed()
    shot(friend, "h5-form-error")
    form.get_by_label("Phone").fill(GOOD_PHONE)
    form.get_by_role("button", name="Submit").click()
    expect(friend.locator(".h5-thanks")).to_be_visible()
    friend.goto("about:blank")
    visitor_one.close()
    visitor_two.close()

    assert wait_for(lambda: Lead.objects.filter(salesperson=b, phone=GOOD_PHONE).exists())
    lead = Lead.objects.get(salesperson=b, phone=GOOD_PHONE)
    second_visitor = lead.visitor
    assert second_visitor is not None and second_visitor != first_visitor
    reads = Event.objects.filter(visitor=second_visitor, type=EventType.HEARTBEAT, seconds__gt=0)
    assert wait_for(reads.exists)
    assert set(
        Event.objects.filter(visitor=second_visitor).values_list("salesperson_id", "forwarder_id")
    ) == {(b.pk, first_visitor.pk)}
    assert wait_for(lambda: Notification.objects.filter(salesperson=b, kind="form_submit").exists())

    # --- 5. salesperson B sees the notification and the lead with its timeline and forwarder -------
    b_context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    try:
        inbox = admin_login(b_context, live, b.user)
        notifications = inbox.locator("#visitor-notifications")
        submitted = notifications.locator("li[data-kind=form_submit]").first
        expect(submitted).to_contain_text("Book a consultation")
        inbox.goto(f"{live}{reverse('wagtailsnippets_crm_lead:list')}")
        row = inbox.locator("tr", has=inbox.get_by_role("link", name=str(lead)))
        row.locator("a.crm-detail-link").click()
        expect(inbox).to_have_url(re.compile(reverse("crm_lead_detail", args=[lead.pk]) + "$"))
        timeline = inbox.locator("#lead-timeline")
        expect(timeline.locator("li[data-type=heartbeat]").first).to_contain_text(re.compile(r"read \d+ s"))
        expect(timeline.locator("li[data-type=form_submit]").first).to_be_visible()
        expect(inbox.locator("#lead-forwarders")).to_contain_text(str(first_visitor))
        shot(inbox, "crm-lead-detail")
    finally:
        b_context.close()

    # --- 6. salesperson C sees none of it --------------------------------------------------------
    c_context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    try:
        other = admin_login(c_context, live, c.user)
        expect(other.locator("#visitor-notifications")).to_contain_text("No notifications yet.")
        other.goto(f"{live}{reverse('wagtailsnippets_crm_lead:list')}")
        expect(other.get_by_role("link", name=str(lead))).to_have_count(0)
        response = other.goto(f"{live}{reverse('crm_lead_detail', args=[lead.pk])}")
        assert response.status == 404
    finally:
        c_context.close()

    # --- 7. the data center charts the views ----------------------------------------------------
    editor.goto(f"{live}{reverse('trackers_data_center')}")
    chart = editor.locator("#trackers-daily-chart")
    expect(chart).to_be_visible()
    data = editor.evaluate("JSON.parse(document.getElementById('trackers-chart-data').textContent)")
    assert sum(data["opens"]) >= 3  # the microsite, the article, the forwarded article
    drawn = "Chart.getChart('trackers-daily-chart').data.datasets[0].data.reduce((a, b) => a + b, 0)"
    assert editor.evaluate(drawn) >= 3
    still = (
        "(c => { c.stop(); c.options.animation = false; c.update('none'); })"
        "(Chart.getChart('trackers-daily-chart'))"
    )
    editor.evaluate(still)  # the screenshot shows the finished chart, not its animation
    shot(editor, "data-center")


def _phone_context(chromium):
    """A visitor's own phone-sized browser (own device id, storage, cookies)."""
    from tests.browser.conftest import _serve_test_media

    context = chromium.new_context(viewport={"width": 414, "height": 800}, locale="zh-CN")
    context.route("**/media/**", _serve_test_media)
    context.set_default_timeout(20_000)
    return context
