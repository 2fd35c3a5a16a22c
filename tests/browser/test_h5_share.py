"""A visitor opens a salesperson's share link of an article in Chromium: content, contact, tracking."""

import time

import pytest
from playwright.sync_api import expect

from cms.articles.services import article_create
from trackers.models import Event, EventType
from trackers.share import share_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def test_share_link_shows_the_article_with_contact_and_tracks_reading(
    live, browser_page, enterprise_a, salesperson_a, shot
):
    # given salesperson A's share link of a published article
    body = [{"type": "rich_text", "value": "<p>Pump curves explained.</p>" * 40}]
    article = article_create(enterprise=enterprise_a, title="Choosing a pump", body=body, publish=True)
    url = share_url(article.specific, salesperson_a)
    assert url.startswith(live)

    # when a visitor opens it and reads for a few seconds, scrolling down
    page = browser_page
    page.goto(url)
    expect(page.get_by_role("heading", name="Choosing a pump")).to_be_visible()
    expect(page.locator("[data-contact]").first).to_contain_text(salesperson_a.display_name)
    page.mouse.wheel(0, 2000)
    page.locator("[data-contact]").first.scroll_into_view_if_needed()
    shot(page, "h5-article-scrolled")
    page.wait_for_timeout(6000)

    # then the open and a heartbeat with read seconds are stored for A, once each (client ids)
    mine = Event.objects.filter(
        enterprise=enterprise_a, target_id=article.pk, salesperson_id=salesperson_a.pk
    )
    assert wait_for(lambda: mine.filter(type=EventType.HEARTBEAT).exists())
    assert mine.filter(type=EventType.OPEN).count() == 1
    assert mine.filter(type=EventType.HEARTBEAT, seconds__gt=0).exists()
    ids = list(mine.values_list("event_id", flat=True))
    assert len(ids) == len(set(ids))

    # when the visitor asks to consult, the phone-authorization stand-in dialog appears
    page.locator("[data-consult]").first.click()
    expect(page.locator("#phone-dialog")).to_be_visible()
    page.click("[data-phone=deny]")
    expect(page.locator("#phone-dialog")).to_be_hidden()


def test_tampered_share_link_is_a_plain_404(live, browser_page):
    response = browser_page.goto(f"{live}/h5/s/AAAAAAAAAAAAAAAAAAAAAA/")
    assert response.status == 404
    expect(browser_page.get_by_role("heading")).to_contain_text("链接无效")


def test_a_lost_answer_is_retried_with_the_same_ids_and_counted_once(
    live, browser_page, enterprise_a, salesperson_a
):
    # given the first answer of /t/ is lost after the server stored the batch (a 503 reaches the page)
    article = article_create(enterprise=enterprise_a, title="Valves", body=[], publish=True)
    page = browser_page
    lost = []

    def lose_first_answer(route):
        response = route.fetch()  # the server really receives and stores the batch
        if not lost:
            lost.append(route.request.post_data_json)
            route.fulfill(status=503, body="")
        else:
            route.fulfill(response=response)

    page.route("**/t/", lose_first_answer)

    # when the visitor opens the link and stays until the tracker retries
    page.goto(share_url(article.specific, salesperson_a))
    expect(page.get_by_role("heading", name="Valves")).to_be_visible()
    for _ in range(100):  # the route handler runs while Playwright waits
        if lost:
            break
        page.wait_for_timeout(100)
    page.wait_for_function(
        "Object.keys(localStorage).filter(k => k.startsWith('h5.pending.'))"
        ".every(k => JSON.parse(localStorage.getItem(k)).length === 0)",
        timeout=20_000,
    )

    # then the lost batch's open was sent twice with the same id and stored once
    assert lost and lost[0]["events"][0]["type"] == "open"
    opens = Event.objects.filter(enterprise=enterprise_a, target_id=article.pk, type=EventType.OPEN)
    assert wait_for(opens.exists)
    assert list(opens.values_list("event_id", flat=True)) == [lost[0]["events"][0]["id"]]
