"""H5 server side: the share shell per kind, and the anonymous visitor session used to forward."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from cms.articles.services import article_create
from cms.cards.models import Card
from cms.posters.models import GeneratedPoster
from tests.factories import png_bytes
from trackers.intake import visitor_token_read
from trackers.models import Notification, ShareForward, Visitor
from trackers.share import share_token_for, share_token_make, share_token_verify, share_url

OPERATIONS = Path(__file__).resolve().parents[1] / "graphql" / "operations"


def gql(client, enterprise, name, variables):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": (OPERATIONS / f"{name}.graphql").read_text(), "variables": variables}),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise.public_key if enterprise else "",
    )
    assert response.status_code in (200, 400), response.content[:500]
    return response.json()


def visitor_session(client, enterprise, token, device):
    return gql(client, enterprise, "VisitorSession", {"shareToken": token, "deviceId": device})


def codes(result) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors", [])]


@pytest.fixture
def article_token(enterprise_a, salesperson_a):
    article = article_create(enterprise=enterprise_a, title="Pumps", body=[], publish=True)
    return share_token_for(article.specific, salesperson_a)


@pytest.mark.django_db
def test_visitor_session_names_the_device_visitor_once(client, enterprise_a, article_token):
    # when the same device asks twice
    first = visitor_session(client, enterprise_a, article_token, "device-123456")
    second = visitor_session(client, enterprise_a, article_token, "device-123456")

    # then one anonymous visitor of the share's enterprise, the same token both times
    assert "errors" not in first, first
    session = first["data"]["visitorSession"]
    # the same visitor (each answer is a freshly dated token: asking again renews it)
    assert session["visitorId"] == second["data"]["visitorSession"]["visitorId"]
    renewed = second["data"]["visitorSession"]["visitorToken"]
    assert visitor_token_read(renewed)[1] == int(session["visitorId"])
    visitor = Visitor.objects.get(device_id="device-123456")
    assert visitor.enterprise_id == enterprise_a.pk and str(visitor.pk) == session["visitorId"]
    assert not visitor.is_identified


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "device", "code"),
    [
        ("AAAAAAAAAAAAAAAAAAAAAA", "device-123456", "FORBIDDEN"),
        (None, "short", "VALIDATION"),
        (None, "bad device id!!", "VALIDATION"),
    ],
)
def test_visitor_session_refuses_bad_tokens_and_devices(
    client, enterprise_a, article_token, token, device, code
):
    result = visitor_session(client, enterprise_a, token or article_token, device)
    assert codes(result) == [code]
    assert not Visitor.objects.exists()


@pytest.mark.django_db
def test_visitor_session_refuses_another_enterprises_key(client, enterprise_b, article_token):
    # given enterprise A's share link sent with enterprise B's key
    result = visitor_session(client, enterprise_b, article_token, "device-123456")
    assert codes(result) == ["FORBIDDEN"]
    assert not Visitor.objects.exists()


@pytest.mark.django_db
def test_h5_visitor_forwards_keeping_the_origin_salesperson(
    client, enterprise_a, salesperson_a, article_token
):
    # given an anonymous H5 visitor of salesperson A's link
    session = visitor_session(client, enterprise_a, article_token, "device-forwarder")
    visitor_token = session["data"]["visitorSession"]["visitorToken"]

    # when they forward it
    result = gql(client, enterprise_a, "ForwardShare", {"token": article_token, "visitor": visitor_token})

    # then the new link keeps A, names the forwarder, and opens the H5 page
    share = result["data"]["forwardShare"]["share"]
    context = share_token_verify(share["token"])
    forwarder = Visitor.objects.get(device_id="device-forwarder")
    assert context.salesperson_id == salesperson_a.pk and context.forwarder_id == forwarder.pk
    assert ShareForward.objects.get(token=share["token"]).forwarder == forwarder
    assert share["url"].endswith(f"/h5/s/{share['token']}/")
    assert client.get(f"/h5/s/{share['token']}/").status_code == 200


@pytest.mark.django_db
def test_dashboard_shows_a_salesperson_only_their_own_notifications(
    client, login, enterprise_a, salesperson_a, other_salesperson_a, admin_a
):
    # given a notification for A and one for a colleague
    Notification.objects.create(
        enterprise=enterprise_a,
        salesperson=salesperson_a,
        kind="form_submit",
        title="Zhang submitted <b>Book</b>",
    )
    Notification.objects.create(
        enterprise=enterprise_a,
        salesperson=other_salesperson_a,
        kind="form_submit",
        title="Li submitted Quote",
    )

    # then A's dashboard lists A's, escaped, and not the colleague's; an admin has no inbox panel
    html = login(salesperson_a.user).get("/admin/").content.decode()
    assert 'id="visitor-notifications"' in html and "(1 unread)" in html
    assert "Zhang submitted &lt;b&gt;Book&lt;/b&gt;" in html and "Li submitted" not in html
    assert 'id="visitor-notifications"' not in login(admin_a).get("/admin/").content.decode()


def _config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="h5-config" type="application/json">') + len(
        '<script id="h5-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.django_db
def test_share_shell_carries_the_kind_document_and_every_app_operation(client, enterprise_a, article_token):
    config = _config(client.get(f"/h5/s/{article_token}/"))
    assert config["kind"] == "article" and config["enterpriseKey"] == enterprise_a.public_key
    assert config["document"] == (OPERATIONS / "H5Article.graphql").read_text()
    for name in ["Microsite", "MicrositePage", "SubmitForm", "ForwardShare", "VisitorSession", "LikeCardTag"]:
        assert config["documents"][name] == (OPERATIONS / f"{name}.graphql").read_text()


@pytest.mark.django_db
def test_poster_link_opens_its_target_credited_to_the_poster_only_within_its_enterprise(
    client, enterprise_a, enterprise_b, salesperson_a
):
    # given a composed poster of A's card
    card = Card.objects.get(salesperson=salesperson_a)
    poster = GeneratedPoster.objects.create(
        enterprise=enterprise_a,
        salesperson=salesperson_a,
        target_kind="card",
        target_id=card.pk,
        share_url=share_url(card, salesperson_a),
        cache_key="k" * 64,
        image=ContentFile(png_bytes(), name="poster.png"),
        width=40,
        height=30,
    )

    # when its share link (the poster's QR code) opens, then the shell shows the card, loaded with
    # the card's own token, while tracking keeps the poster token (POST-3: scans credit the poster)
    token = share_token_make(
        enterprise_id=enterprise_a.pk, salesperson_id=salesperson_a.pk, kind="poster", target_id=poster.pk
    )
    config = _config(client.get(f"/h5/s/{token}/"))
    assert (config["kind"], config["id"], config["token"]) == ("card", str(card.pk), token)
    assert config["contentToken"] == share_token_for(card, salesperson_a)

    # a poster token naming another enterprise (or no poster) is a plain 404
    forged = share_token_make(
        enterprise_id=enterprise_b.pk, salesperson_id=None, kind="poster", target_id=poster.pk
    )
    assert client.get(f"/h5/s/{forged}/").status_code == 404
    missing = share_token_make(
        enterprise_id=enterprise_a.pk,
        salesperson_id=salesperson_a.pk,
        kind="poster",
        target_id=poster.pk + 99,
    )
    assert client.get(f"/h5/s/{missing}/").status_code == 404
