"""TRK-4, SITE-5: open notifications through channels, throttled; one summary per microsite session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.selectors import scope_for_user
from trackers.models import BrowseSession, Notification, TrackingSettings
from trackers.notifications import register_channel, unregister_channel
from trackers.selectors import notification_inbox, notification_unread_count
from trackers.services import browse_sessions_expire, notification_mark_read, visitor_identify, visitor_token

from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_redis")


@pytest.fixture
def channel():
    sent = []
    register_channel("test", sent.extend)
    yield sent
    unregister_channel("test")


def test_opening_a_salespersons_content_notifies_them_through_channels(
    client, salesperson_a, channel, django_capture_on_commit_callbacks
):
    visitor = visitor_identify(enterprise=salesperson_a.enterprise, openid="O1", nickname="Zhang")
    with django_capture_on_commit_callbacks(execute=True):
        post_batch(
            client, token_for(salesperson_a, "card", 3), [event("open")], visitor=visitor_token(visitor)
        )
    notification = Notification.objects.get()
    assert notification.salesperson_id == salesperson_a.pk
    assert notification.kind == "visitor_open"
    assert notification.title == "Zhang is viewing card #3"
    assert [sent.pk for sent in channel] == [notification.pk]


def test_a_reading_visitor_does_not_spam(client, salesperson_a):
    token = token_for(salesperson_a, "article", 1)
    for _ in range(5):
        post_batch(client, token, [event("open"), event("heartbeat", seconds=10)])
    post_batch(client, token_for(salesperson_a, "article", 2), [event("open")])
    # one per (visitor, content) in the throttle window; heartbeats never notify
    assert Notification.objects.count() == 2


def test_a_failing_channel_keeps_the_in_app_record(client, salesperson_a, django_capture_on_commit_callbacks):
    def broken(notifications):
        raise RuntimeError("WeCom is down")

    register_channel("broken", broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_batch(client, token_for(salesperson_a), [event("open")])
    finally:
        unregister_channel("broken")
    assert response.status_code == 202
    assert Notification.objects.count() == 1


def test_a_salesperson_reads_only_their_own_inbox(client, salesperson_a, other_salesperson_a):
    post_batch(client, token_for(salesperson_a), [event("open")])
    post_batch(client, token_for(other_salesperson_a), [event("open")], device="device-0002")
    mine = scope_for_user(salesperson_a.user)
    assert [n.salesperson_id for n in notification_inbox(scope=mine)] == [salesperson_a.pk]
    assert notification_unread_count(scope=mine) == 1
    # marking another salesperson's notification read does nothing
    theirs = Notification.objects.get(salesperson=other_salesperson_a)
    assert notification_mark_read(salesperson_id=salesperson_a.pk, notification_ids=[theirs.pk]) == 0
    assert notification_mark_read(salesperson_id=salesperson_a.pk) == 1
    assert notification_unread_count(scope=mine) == 0


def microsite_visit(client, salesperson, *, leave: bool, session: str = "sess-1"):
    """Returns the (article, product) ids read: real ones, the beacon refuses unreadable targets."""
    from cms.articles.services import article_create
    from cms.products.models import Product

    article = article_create(enterprise=salesperson.enterprise, title="Visited article", publish=True).pk
    product = Product.objects.create(enterprise=salesperson.enterprise, name="Visited product").pk
    token = token_for(salesperson, "page", 10)
    post_batch(
        client,
        token,
        [
            event("open"),
            event("heartbeat", seconds=20),
            event("open", target=f"article:{article}"),
            event("heartbeat", seconds=45, target=f"article:{article}"),
            event("open", target=f"product:{product}"),
            event("heartbeat", seconds=5, target=f"product:{product}"),
        ],
        session=session,
    )
    if leave:
        post_batch(client, token, [event("leave", target=f"product:{product}")], session=session)
    return article, product


def test_leaving_the_microsite_sends_one_summary(
    client, salesperson_a, channel, django_capture_on_commit_callbacks
):
    # given a visit over a page, an article and a product, then a leave event
    with django_capture_on_commit_callbacks(execute=True):
        article, product = microsite_visit(client, salesperson_a, leave=True)
    summaries = Notification.objects.filter(kind="session_summary")
    # then exactly one summary lists each item with its seconds, longest first
    assert summaries.count() == 1
    summary = summaries.get()
    assert [(item["kind"], item["id"], item["seconds"]) for item in summary.data["items"]] == [
        ("article", article, 45),
        ("page", 10, 20),
        ("product", product, 5),
    ]
    assert summary.data["seconds"] == 70
    assert summary in channel
    # and a repeated leave or the inactivity sweep adds nothing
    post_batch(client, token_for(salesperson_a, "page", 10), [event("leave")], session="sess-1")
    assert browse_sessions_expire(now=timezone.now() + dt.timedelta(hours=2)) == 0
    assert Notification.objects.filter(kind="session_summary").count() == 1


def test_an_idle_session_is_summarized_once_by_the_timeout_sweep(client, salesperson_a):
    TrackingSettings.objects.create(enterprise=salesperson_a.enterprise, session_timeout_seconds=300)
    microsite_visit(client, salesperson_a, leave=False)
    assert browse_sessions_expire(now=timezone.now() + dt.timedelta(seconds=120)) == 0
    assert browse_sessions_expire(now=timezone.now() + dt.timedelta(seconds=400)) == 1
    assert browse_sessions_expire(now=timezone.now() + dt.timedelta(seconds=900)) == 0
    assert Notification.objects.filter(kind="session_summary").count() == 1
    assert BrowseSession.objects.get().summarized_at is not None


def test_content_opened_outside_the_microsite_makes_no_session(client, salesperson_a):
    post_batch(client, token_for(salesperson_a, "article", 5), [event("open"), event("leave")])
    assert not BrowseSession.objects.exists()
