"""Issue 18, hole 2: the beacon stores events only for targets a visitor of the token's enterprise
may read. The attack: a valid share token of enterprise B, events aimed at A's objects of every
kind (and at B's own unpublished or personal ones); the control: B's readable objects."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile

from cms.articles.services import article_create
from cms.cards.models import Card
from cms.files.models import SalesFile
from cms.leadforms.services import leadform_create
from cms.posters.models import GeneratedPoster
from cms.products.models import Product
from sites.models import MicrositeHomePage, MicrositeNavPage
from tests.factories import make_document, png_bytes
from tests.tracking_factories import event, post_batch, token_for
from trackers.models import ContentDailyStat, Event, TargetKind
from trackers.queue import rejects_totals
from trackers.registry import titles_for

KINDS = ("page", "article", "form", "product", "file", "card", "poster")


def world(enterprise, salesperson, tag):
    """One readable object of every kind in ``enterprise``, plus unreadable ones of the same kinds."""
    home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
    page = home.add_child(instance=MicrositeNavPage(title=f"{tag} nav", slug=f"{tag}-nav"))
    draft_page = home.add_child(
        instance=MicrositeNavPage(title=f"{tag} draft nav", slug=f"{tag}-draft", live=False)
    )
    card = Card.objects.get(salesperson=salesperson)
    readable = {
        "page": page.pk,
        "article": article_create(enterprise=enterprise, title=f"{tag} article", publish=True).pk,
        "form": leadform_create(
            enterprise=enterprise, title=f"{tag} form", fields=[{"label": "Name", "field_type": "singleline"}]
        ).pk,
        "product": Product.objects.create(enterprise=enterprise, name=f"{tag} product").pk,
        "file": SalesFile.objects.create(
            enterprise=enterprise, title=f"{tag} file", document=make_document(enterprise, f"{tag}-doc")
        ).pk,
        "card": card.pk,
        "poster": GeneratedPoster.objects.create(
            enterprise=enterprise,
            salesperson=salesperson,
            target_kind="card",
            target_id=card.pk,
            share_url="https://example.com/",
            cache_key=(tag * 64)[:64],
            image=ContentFile(png_bytes(), name="poster.png"),
            width=40,
            height=30,
        ).pk,
    }
    unreadable = {
        "page": draft_page.pk,
        "article": article_create(enterprise=enterprise, title=f"{tag} DRAFT article", publish=False).pk,
        "product": Product.objects.create(enterprise=enterprise, name=f"{tag} off shelf", is_active=False).pk,
        "file": SalesFile.objects.create(
            enterprise=enterprise,
            title=f"{tag} personal file",
            owner=salesperson,
            document=make_document(enterprise, f"{tag}-own"),
        ).pk,
    }
    return readable, unreadable


@pytest.fixture
def worlds(enterprise_a, enterprise_b, salesperson_a, salesperson_b):
    return world(enterprise_a, salesperson_a, "alpha"), world(enterprise_b, salesperson_b, "beta")


def test_events_aimed_at_another_enterprise_or_unreadable_targets_are_refused_and_counted(
    client, worlds, salesperson_b
):
    (a_readable, a_unreadable), (b_readable, b_unreadable) = worlds
    token = token_for(salesperson_b, "card", b_readable["card"])
    before = rejects_totals().get("target_not_readable", 0)
    # the attack: B's share token, every event aimed at A's objects (7 of 7 kinds) or B's unreadable ones
    attack = [event("open", target=f"{kind}:{pk}") for kind, pk in a_readable.items()]
    attack += [event("open", target=f"{kind}:{pk}") for kind, pk in a_unreadable.items()]
    attack += [event("open", target=f"{kind}:{pk}") for kind, pk in b_unreadable.items()]
    response = post_batch(client, token, attack)
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 0, "rejected": {"target_not_readable": len(attack)}}
    assert Event.objects.count() == 0
    assert ContentDailyStat.objects.count() == 0
    assert rejects_totals().get("target_not_readable", 0) - before == len(attack)

    # the control: B's own readable objects of every kind are stored
    control = [event("open", target=f"{kind}:{pk}") for kind, pk in b_readable.items()]
    response = post_batch(client, token, control)
    assert response.json() == {"accepted": len(KINDS), "rejected": {}}
    stored = set(Event.objects.values_list("target_kind", "target_id"))
    assert stored == {(TargetKind[kind.upper()].value, pk) for kind, pk in b_readable.items()}
    titles = " ".join(" ".join(titles_for(kind, [pk]).values()) for kind, pk in stored)
    assert "alpha" not in titles and "DRAFT" not in titles


def test_a_salesperson_cannot_sign_a_share_link_for_another_enterprises_item(
    client, worlds, salesperson_b, login
):
    (a_readable, _), (b_readable, b_unreadable) = worlds
    client = login(salesperson_b.user)

    def share_link(kind, pk):
        query = "query($k: String!, $id: ID!) { shareLink(kind: $k, id: $id) { token } }"
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": {"k": kind, "id": str(pk)}}),
            content_type="application/json",
        )
        return response.json()

    for kind, pk in [*a_readable.items(), ("article", b_unreadable["article"])]:
        result = share_link(kind, pk)
        assert result["data"] is None or result["data"]["shareLink"] is None, (kind, result)
        assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND", (kind, result)
    assert share_link("article", b_readable["article"])["data"]["shareLink"]["token"]
