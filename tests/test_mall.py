"""Mall connection (PROD-1,2 mall part; DATA-6): feed import, signed webhooks, attribution, stats."""

from __future__ import annotations

import json
import time

import pytest

from enterprises.selectors import scope_for_user
from mall.models import MallConnection, MallOrder, MallProduct
from mall.selectors import mall_stats, mall_totals, product_mall_links
from mall.services import feed_import, feed_parse, webhook_signature
from trackers.models import Visitor
from trackers.share import share_token_for, share_token_forward, share_token_verify


@pytest.fixture
def mall_a(enterprise_a):
    return MallConnection.objects.create(
        enterprise=enterprise_a,
        h5_enabled=True,
        h5_base_url="https://shop.alpha.example/",
        miniprogram_enabled=True,
        miniprogram_appid="wxmall",
    )


FEED = [
    {
        "id": "sku-1",
        "name": "Tea set",
        "price": "199.00",
        "h5_path": "/p/1",
        "miniprogram_path": "pages/p?id=1",
    },
    {"id": "sku-2", "name": "Green tea", "price": "59.5", "h5_path": "/p/2"},
]


def test_feed_import_creates_then_updates_without_duplicates(mall_a):
    first = feed_import(connection=mall_a, rows=FEED)
    assert (first.created, first.updated, first.errors) == (2, 0, [])
    renamed = [dict(FEED[0], name="Tea set deluxe"), FEED[1]]
    second = feed_import(connection=mall_a, rows=renamed)
    assert (second.created, second.updated) == (0, 2)
    origins = MallProduct.objects.filter(enterprise=mall_a.enterprise)
    assert origins.count() == 2
    assert origins.get(external_id="sku-1").product.name == "Tea set deluxe"


def test_bad_feed_reports_every_row_and_imports_nothing(mall_a):
    rows = [FEED[0], {"id": "", "name": "No id"}, {"id": "sku-3", "name": "Bad", "price": "cheap"}, "junk"]
    result = feed_import(connection=mall_a, rows=rows)
    assert not result.ok
    assert any("row 2: id is required" in e for e in result.errors)
    assert any("row 3: price" in e for e in result.errors)
    assert any("row 4: not an object" in e for e in result.errors)
    assert not MallProduct.objects.exists()


def test_feed_parse_reads_json_and_csv():
    assert feed_parse(json.dumps({"products": FEED}).encode())[1]["id"] == "sku-2"
    csv_rows = feed_parse(b"id,name,price\nsku-9,Cup,9.9\n")
    assert csv_rows == [{"id": "sku-9", "name": "Cup", "price": "9.9"}]


def test_products_created_locally_are_not_touched_by_imports(mall_a):
    from cms.products.models import Product

    local = Product.objects.create(enterprise=mall_a.enterprise, name="Tea set")
    feed_import(connection=mall_a, rows=FEED)
    local.refresh_from_db()
    assert not MallProduct.objects.filter(product=local).exists()
    assert Product.objects.filter(enterprise=mall_a.enterprise, name="Tea set").count() == 2


def test_switching_a_mall_off_stops_its_links_at_once(mall_a, salesperson_a):
    feed_import(connection=mall_a, rows=FEED)
    product = MallProduct.objects.get(external_id="sku-1").product
    token = share_token_for(product, salesperson_a)
    links = product_mall_links(product=product, share_token=token)
    assert links.h5_url == f"https://shop.alpha.example/p/1?sce_share={token}"
    assert links.miniprogram_path == f"pages/p?id=1&sce_share={token}"
    mall_a.h5_enabled = False
    mall_a.save()
    links = product_mall_links(product=product, share_token=token)
    assert links.h5_url is None and links.miniprogram_path is not None
    mall_a.miniprogram_enabled = False
    mall_a.save()
    assert product_mall_links(product=product, share_token=token).miniprogram_path is None


# --- webhook ---------------------------------------------------------------------------------


def post_event(client, connection, payload, *, delivery="d-1", timestamp=None, secret=None, tamper=False):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = webhook_signature(secret or connection.webhook_secret, timestamp, body)
    if tamper:
        body = body.replace(b"100", b"999")
    return client.post(
        f"/mall/webhook/{connection.enterprise.public_key}/",
        data=body,
        content_type="application/json",
        HTTP_X_MALL_SIGNATURE=signature,
        HTTP_X_MALL_TIMESTAMP=timestamp,
        HTTP_X_MALL_DELIVERY=delivery,
    )


def paid(order_id="o-1", amount="100.00", token="", buyer=None, lines=None):
    return {
        "event": "order.paid",
        "order": {
            "id": order_id,
            "amount": amount,
            "share_token": token,
            "buyer": buyer or {},
            "lines": lines or [{"product_id": "sku-1", "name": "Tea set", "quantity": 2, "amount": amount}],
        },
    }


def test_webhook_accepts_a_signed_fresh_delivery(client, mall_a, salesperson_a):
    product = feed_import(connection=mall_a, rows=FEED) and MallProduct.objects.first().product
    token = share_token_for(product, salesperson_a)
    response = post_event(client, mall_a, paid(token=token))
    assert response.status_code == 200, response.content
    order = MallOrder.objects.get(external_id="o-1")
    assert order.amount_cents == 10000
    assert order.salesperson == salesperson_a


@pytest.mark.parametrize(
    "kwargs, status, reason",
    [
        ({"secret": "wrong-secret"}, 401, "bad_signature"),
        ({"tamper": True}, 401, "bad_signature"),
        ({"timestamp": int(time.time()) - 3600}, 401, "stale_timestamp"),
    ],
)
def test_webhook_refuses_forged_tampered_or_stale(client, mall_a, kwargs, status, reason):
    response = post_event(client, mall_a, paid(), **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == reason
    assert not MallOrder.objects.exists()


def test_webhook_refuses_a_replayed_delivery(client, mall_a):
    assert post_event(client, mall_a, paid(), delivery="same").status_code == 200
    replay = post_event(client, mall_a, paid(order_id="o-2"), delivery="same")
    assert replay.status_code == 409
    assert replay.json()["error"] == "replayed_delivery"
    assert MallOrder.objects.count() == 1


def test_webhook_junk_gets_a_clear_error_not_a_500(client, mall_a):
    assert post_event(client, mall_a, {"event": "order.paid"}).json()["error"] == "unknown_event"
    bad_amount = paid(amount="lots")
    assert post_event(client, mall_a, bad_amount, delivery="d-2").json()["error"] == "bad_amount"
    assert client.post("/mall/webhook/nope/", data=b"{}", content_type="application/json").status_code == 404


def test_order_through_forwarded_link_credits_the_origin_salesperson(
    client, mall_a, salesperson_a, other_salesperson_a
):
    feed_import(connection=mall_a, rows=FEED)
    product = MallProduct.objects.get(external_id="sku-1").product
    forwarder = Visitor.objects.create(enterprise=mall_a.enterprise, unionid="u-forwarder")
    buyer = Visitor.objects.create(enterprise=mall_a.enterprise, unionid="u-buyer")
    original = share_token_verify(share_token_for(product, salesperson_a))
    forwarded = share_token_forward(original, forwarder_id=forwarder.pk)

    post_event(client, mall_a, paid(token=forwarded, buyer={"unionid": "u-buyer"}))

    order = MallOrder.objects.get()
    assert order.salesperson == salesperson_a
    assert order.forwarder == forwarder
    assert order.visitor == buyer


def test_token_of_another_enterprise_attributes_nothing(client, mall_a, salesperson_b):
    foreign = share_token_for(salesperson_b.enterprise.site.root_page, salesperson_b)
    post_event(client, mall_a, paid(token=foreign))
    assert MallOrder.objects.get().salesperson is None


def test_refunds_and_stats_match_orders(client, mall_a, salesperson_a, other_salesperson_a, admin_a):
    home = mall_a.enterprise.site.root_page
    token_a = share_token_for(home, salesperson_a)
    token_a2 = share_token_for(home, other_salesperson_a)
    Visitor.objects.create(enterprise=mall_a.enterprise, openid="o-buyer")
    post_event(client, mall_a, paid("o-1", "100", token_a, {"openid": "o-buyer"}), delivery="1")
    post_event(client, mall_a, paid("o-2", "50", token_a, {"openid": "o-buyer"}), delivery="2")
    post_event(client, mall_a, paid("o-3", "30", token_a2), delivery="3")
    refund = {"event": "order.refunded", "order": {"id": "o-2", "refund_amount": "50"}}
    assert post_event(client, mall_a, refund, delivery="4").json()["status"] == "refunded"

    stats = {row.salesperson_id: row for row in mall_stats(scope=scope_for_user(admin_a))}
    assert stats[salesperson_a.pk].orders == 2
    assert stats[salesperson_a.pk].amount_cents == 15000
    assert stats[salesperson_a.pk].refunded_cents == 5000
    assert stats[salesperson_a.pk].paying_customers == 1
    assert stats[salesperson_a.pk].products_bought == 4
    assert stats[other_salesperson_a.pk].amount_cents == 3000

    own = mall_stats(scope=scope_for_user(salesperson_a.user))
    assert [row.salesperson_id for row in own] == [salesperson_a.pk]
    assert mall_totals(scope=scope_for_user(admin_a))["refunds"] == 1


def test_mall_stats_never_cross_enterprises(client, mall_a, salesperson_a, admin_b):
    post_event(client, mall_a, paid(token=share_token_for(mall_a.enterprise.site.root_page, salesperson_a)))
    assert mall_stats(scope=scope_for_user(admin_b)) == []


# --- admin screens ---------------------------------------------------------------------------


def test_admin_imports_a_feed_file_and_sees_row_errors(login, admin_a, mall_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(admin_a)
    bad = SimpleUploadedFile("feed.csv", b"id,name,price\n,No id,1\n", content_type="text/csv")
    response = client.post("/admin/mall/feed/", {"feed": bad})
    assert response.status_code == 200
    assert "row 1: id is required" in response.content.decode()
    good = SimpleUploadedFile("feed.json", json.dumps(FEED).encode(), content_type="application/json")
    assert client.post("/admin/mall/feed/", {"feed": good}).status_code == 302
    assert MallProduct.objects.filter(enterprise=mall_a.enterprise).count() == 2


def test_salespeople_cannot_import_feeds_and_see_only_own_orders(
    client, login, mall_a, salesperson_a, other_salesperson_a, admin_b
):
    home = mall_a.enterprise.site.root_page
    post_event(client, mall_a, paid("mine-1", token=share_token_for(home, salesperson_a)), delivery="1")
    theirs_token = share_token_for(home, other_salesperson_a)
    post_event(client, mall_a, paid("theirs-1", token=theirs_token), delivery="2")
    seller = login(salesperson_a.user)
    assert seller.get("/admin/mall/feed/").status_code in (302, 403)
    assert not MallProduct.objects.exists()
    orders = seller.get("/admin/snippets/mall/mallorder/").content.decode()
    assert "mine-1" in orders and "theirs-1" not in orders
    stats = seller.get("/admin/mall/stats/").content.decode()
    assert salesperson_a.display_name in stats and other_salesperson_a.display_name not in stats
    outsider = login(admin_b)
    assert "mine-1" not in outsider.get("/admin/snippets/mall/mallorder/").content.decode()
    theirs = MallOrder.objects.get(external_id="theirs-1")
    assert outsider.get(f"/admin/snippets/mall/mallorder/inspect/{theirs.pk}/").status_code == 404


# --- issue 18, hole 9: the feed URL is fetched by a task, never inside the web request -----------


def test_feed_url_is_fetched_by_a_task_not_in_the_request(
    login, admin_a, mall_a, monkeypatch, django_capture_on_commit_callbacks
):
    from cms import safe_fetch
    from mall.models import MallFeedImport

    mall_a.feed_url = "https://shop.alpha.example/feed.json"
    mall_a.save()
    fetched = []

    def fake_fetch(url, **kwargs):
        fetched.append(url)
        headers = {"content-type": "application/json"}
        return safe_fetch.Response(url=url, status=200, headers=headers, content=json.dumps(FEED).encode())

    monkeypatch.setattr(safe_fetch, "fetch", fake_fetch)
    client = login(admin_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/admin/mall/feed/", {})
    # the request only records the import: nothing was fetched while the admin waited
    assert response.status_code == 302 and fetched == []
    job = MallFeedImport.objects.get()
    assert job.status == MallFeedImport.Status.PENDING
    assert "feed-import-pending" in client.get("/admin/mall/feed/").content.decode()
    for callback in callbacks:  # the commit hands it to Celery (eager in tests)
        callback()
    job.refresh_from_db()
    assert fetched == [mall_a.feed_url]
    assert (job.status, job.created, job.errors) == (MallFeedImport.Status.DONE, 2, [])
    assert MallProduct.objects.filter(enterprise=mall_a.enterprise).count() == 2


def test_feed_status_page_never_shows_the_address_a_host_resolved_to(
    login, admin_a, admin_b, mall_a, settings, monkeypatch, django_capture_on_commit_callbacks
):
    import socket

    from django.utils import translation

    settings.SAFE_FETCH_ALLOW_LOOPBACK = False
    settings.LANGUAGE_CODE = "zh-hans"  # the product's default: requests and the task speak Chinese
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "feeds.internal.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.8.7", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    mall_a.feed_url = "http://feeds.internal.example.com/feed.json"
    mall_a.save()
    client = login(admin_a)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/mall/feed/", {})
    page = client.get("/admin/mall/feed/").content.decode()
    row = page[page.find("feed-import-") : page.find("feed-import-") + 600]
    assert "feed-import-failed" in page and "地址不允许" in page, row
    assert "10.9.8.7" not in page
    # and another enterprise's admin never sees this enterprise's fetches
    assert "feeds.internal" not in login(admin_b).get("/admin/mall/feed/").content.decode()
