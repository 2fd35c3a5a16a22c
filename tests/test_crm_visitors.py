"""CRM-7 visitor list (filters, sort, seen/unseen) and "add viewer to pool" (CRM-1), with tenancy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Lead, Pool, VisitorSeen
from trackers.models import Visitor
from trackers.services import visitor_identify, visitor_token

from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_redis")


def _visit(client, salesperson, unionid, kind="article", events=("open",), target_id=1, **fields):
    visitor = visitor_identify(enterprise=salesperson.enterprise, unionid=unionid, nickname=unionid)
    post_batch(
        client,
        token_for(salesperson, kind, target_id),
        [event(name, **fields) for name in events],
        visitor=visitor_token(visitor),
    )
    return Visitor.objects.get(pk=visitor.pk)


@pytest.fixture
def visitors(client, salesperson_a, other_salesperson_a, salesperson_b):
    """Three visitors of salesperson A (card reader, article reader with a form, stale one) + others."""
    out = {
        "card": _visit(client, salesperson_a, "card-fan", "card", ("open", "open", "open")),
        "hot": _visit(client, salesperson_a, "hot-lead", "article", ("open", "form_submit")),
        "stale": _visit(client, salesperson_a, "stale", "article", ("open",)),
        "colleague": _visit(client, other_salesperson_a, "colleagues", "article", ("open",)),
        "b": _visit(client, salesperson_b, "b-visitor", "article", ("open",)),
    }
    Visitor.objects.filter(pk=out["stale"].pk).update(last_event_at=timezone.now() - dt.timedelta(days=20))
    return out


def _names(response):
    assert response.status_code == 200, response.content[:500]
    return [str(v) for v in response.context["visitors"]]


def test_salesperson_sees_only_visitors_their_shares_reached(login, visitors, salesperson_a):
    names = _names(login(salesperson_a.user).get(reverse("crm_visitors")))
    assert sorted(names) == ["card-fan", "hot-lead", "stale"]


def test_admin_sees_the_enterprise_not_the_other(login, visitors, admin_a, admin_b):
    assert sorted(_names(login(admin_a).get(reverse("crm_visitors")))) == [
        "card-fan",
        "colleagues",
        "hot-lead",
        "stale",
    ]
    assert _names(login(admin_b).get(reverse("crm_visitors"))) == ["b-visitor"]


def test_filters_intent_source_and_date(login, visitors, salesperson_a):
    client = login(salesperson_a.user)
    url = reverse("crm_visitors")
    assert _names(client.get(url, {"intent": "high"})) == ["hot-lead"]
    assert _names(client.get(url, {"source": "card"})) == ["card-fan"]
    assert sorted(_names(client.get(url, {"source": "article"}))) == ["hot-lead", "stale"]
    week_ago = (timezone.now() - dt.timedelta(days=7)).date().isoformat()
    assert "stale" not in _names(client.get(url, {"since": week_ago}))
    assert _names(client.get(url, {"until": week_ago})) == ["stale"]


def test_sort_by_card_and_article_views(login, visitors, salesperson_a, client):
    _visit(client, salesperson_a, "stale", "article", ("open", "open", "open", "open"), target_id=2)
    c = login(salesperson_a.user)
    assert _names(c.get(reverse("crm_visitors"), {"order": "card_views"}))[0] == "card-fan"
    assert _names(c.get(reverse("crm_visitors"), {"order": "article_views"}))[0] == "stale"
    row = next(v for v in c.get(reverse("crm_visitors")).context["visitors"] if str(v) == "stale")
    assert (row.article_views, row.card_views) == (5, 0)


def test_card_views_count_only_the_salespersons_own_shares(
    login, client, visitors, salesperson_a, admin_a, other_salesperson_a
):
    # the card fan also opened a colleague's card twice: A counts 3, the admin 5
    visitor = visitors["card"]
    post_batch(
        client,
        token_for(other_salesperson_a, "card", 9),
        [event("open"), event("open")],
        visitor=visitor_token(visitor),
    )
    mine = next(
        v
        for v in login(salesperson_a.user).get(reverse("crm_visitors")).context["visitors"]
        if v.pk == visitor.pk
    )
    everyone = next(
        v for v in login(admin_a).get(reverse("crm_visitors")).context["visitors"] if v.pk == visitor.pk
    )
    assert (mine.card_views, everyone.card_views) == (3, 5)


def test_seen_unseen_and_new_activity_makes_it_unseen_again(
    login, client, visitors, salesperson_a, other_salesperson_a
):
    browser = login(salesperson_a.user)
    url = reverse("crm_visitors")
    assert sorted(_names(browser.get(url, {"seen": "no"}))) == ["card-fan", "hot-lead", "stale"]
    # when A opens the card fan
    response = browser.get(reverse("crm_visitor_open", args=[visitors["card"].pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/{visitors['card'].pk}/")
    assert _names(browser.get(url, {"seen": "yes"})) == ["card-fan"]
    assert "card-fan" not in _names(browser.get(url, {"seen": "no"}))
    # seen is per user: the admin has not seen it
    assert VisitorSeen.objects.filter(visitor=visitors["card"]).count() == 1
    # and a later visit makes it unseen again
    Visitor.objects.filter(pk=visitors["card"].pk).update(
        last_event_at=timezone.now() + dt.timedelta(seconds=5)
    )
    assert "card-fan" in _names(browser.get(url, {"seen": "no"}))


@pytest.mark.parametrize("who", ["salesperson_a", "admin_b"])
def test_opening_a_visitor_out_of_scope_is_404(request, login, visitors, who):
    user = request.getfixturevalue(who)
    client = login(getattr(user, "user", user))
    assert client.get(reverse("crm_visitor_open", args=[visitors["colleague"].pk])).status_code == 404
    assert not VisitorSeen.objects.exists()


ROLE_SEES = {
    "superuser": ["b-visitor", "card-fan", "colleagues", "hot-lead", "stale"],
    "owner": ["card-fan", "colleagues", "hot-lead", "stale"],
    "admin": ["card-fan", "colleagues", "hot-lead", "stale"],
    "manager": ["colleagues"],
    "salesperson": ["card-fan", "hot-lead", "stale"],
    "operator": [],
}


@pytest.mark.parametrize("role", sorted(ROLE_SEES))
def test_every_role_lists_filters_and_sorts_visitors(
    role, client, visitors, enterprise_a, salesperson_a, other_salesperson_a, django_user_model
):
    """The screen answered 500 for every user on SQLite (PostgreSQL-only SQL); here on PostgreSQL."""
    from enterprises import services as people
    from enterprises.models import Role

    from .factories import make_member

    if role == "superuser":
        user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-2026")
    elif role == "manager":
        team = people.department_create(enterprise=enterprise_a, name="Team")
        other_salesperson_a.department = team
        other_salesperson_a.save(update_fields=["department"])
        user = make_member(enterprise_a, Role.SALESPERSON, username="boss")
        team.managers.add(user)
    elif role == "salesperson":
        user = salesperson_a.user
    else:
        user = make_member(enterprise_a, Role(role), username=f"the-{role}")
    client.force_login(user)
    url = reverse("crm_visitors")
    assert sorted(_names(client.get(url))) == ROLE_SEES[role]
    week_ago = (timezone.now() - dt.timedelta(days=7)).date().isoformat()
    today = timezone.now().date().isoformat()
    for intent in ("", "none", "low", "medium", "high"):
        for order in ("last_visit", "card_views", "article_views"):
            for seen in ("", "yes", "no"):
                query = {"intent": intent, "order": order, "seen": seen, "source": "article"}
                names = _names(client.get(url, {**query, "since": week_ago, "until": today}))
                assert set(names) <= set(ROLE_SEES[role]) - {"stale", "card-fan"}
    high = _names(client.get(url, {"intent": "high", "order": "article_views"}))
    assert high == (["hot-lead"] if "hot-lead" in ROLE_SEES[role] else [])
    if ROLE_SEES[role]:
        first = client.get(url, {"order": "card_views"}).context["visitors"][0]
        assert str(first) == ("card-fan" if "card-fan" in ROLE_SEES[role] else ROLE_SEES[role][0])


def test_source_filter_values_do_not_depend_on_the_admin_language(login, visitors, salesperson_a):
    # the choices were the kinds' labels: once labels are translated, ?source=card stopped matching
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(salesperson_a.user)
    profile.preferred_language = "zh-hans"
    profile.save()
    client = login(salesperson_a.user)
    assert _names(client.get(reverse("crm_visitors"), {"source": "card"})) == ["card-fan"]
    assert sorted(_names(client.get(reverse("crm_visitors"), {"source": "article"}))) == ["hot-lead", "stale"]


def test_bad_filters_are_form_errors_not_500(login, visitors, salesperson_a):
    response = login(salesperson_a.user).get(
        reverse("crm_visitors"), {"since": "yesterday", "intent": "extreme", "page": "-3", "order": "x"}
    )
    assert response.status_code == 400
    assert {"since", "intent", "page", "order"} <= set(response.context["form"].errors)


# ---- add viewer to pool -----------------------------------------------------------------------


def _add(client, visitor, pool, **extra):
    return client.post(reverse("crm_visitor_add_to_pool", args=[visitor.pk]), {"pool": pool, **extra})


def test_salesperson_adds_a_viewer_to_following_as_own_lead(login, visitors, salesperson_a):
    client = login(salesperson_a.user)
    response = _add(client, visitors["hot"], "following")
    lead = Lead.objects.get(visitor=visitors["hot"])
    assert response.status_code == 302 and response["Location"] == reverse("crm_lead_detail", args=[lead.pk])
    assert (lead.salesperson, lead.pool, lead.unionid, lead.source) == (
        salesperson_a,
        Pool.FOLLOWING,
        "hot-lead",
        "visitor",
    )
    # adding again creates nothing new (an identified visitor has one lead, CRM-1)
    _add(client, visitors["hot"], "potential")
    assert Lead.objects.filter(visitor=visitors["hot"]).count() == 1


def test_viewer_to_an_unowned_pool_and_moved_between_pools(login, visitors, salesperson_a, admin_a):
    _add(login(salesperson_a.user), visitors["stale"], "potential")
    lead = Lead.objects.get(visitor=visitors["stale"])
    assert (lead.salesperson, lead.pool) == (None, Pool.POTENTIAL)
    _add(login(admin_a), visitors["stale"], "to_assign")
    lead.refresh_from_db()
    assert lead.pool == Pool.TO_ASSIGN and Lead.objects.filter(visitor=visitors["stale"]).count() == 1


def test_admin_adding_to_following_assigns_the_sharing_salesperson(login, visitors, admin_a, salesperson_a):
    _add(login(admin_a), visitors["card"], "following")
    assert Lead.objects.get(visitor=visitors["card"]).salesperson == salesperson_a


def test_a_colleagues_lead_is_not_taken_over(login, visitors, salesperson_a, other_salesperson_a, client):
    # given the hot lead already followed by a colleague who reached it too
    post_batch(
        client, token_for(other_salesperson_a), [event("open")], visitor=visitor_token(visitors["hot"])
    )
    _add(login(other_salesperson_a.user), visitors["hot"], "following")
    # when A adds it as well
    response = _add(login(salesperson_a.user), visitors["hot"], "following", next="/admin/crm/visitors/")
    # then the colleague keeps it and A is told
    assert response.status_code == 302
    assert Lead.objects.get(visitor=visitors["hot"]).salesperson == other_salesperson_a
    assert Lead.objects.filter(visitor=visitors["hot"]).count() == 1


def _leads() -> list[tuple]:
    """Every lead's owner and pool: what adding a visitor may change (identified visitors have one)."""
    return list(Lead.objects.order_by("pk").values_list("pk", "salesperson_id", "pool"))


@pytest.mark.parametrize(
    "who,target",
    [("salesperson_a", "colleague"), ("salesperson_a", "b"), ("admin_a", "b"), ("admin_b", "hot")],
)
def test_adding_a_visitor_out_of_scope_or_of_another_enterprise_is_404(request, login, visitors, who, target):
    user = request.getfixturevalue(who)
    before = _leads()
    response = _add(login(getattr(user, "user", user)), visitors[target], "to_assign")
    assert response.status_code == 404
    assert _leads() == before


def test_bad_pool_is_refused_with_a_message(login, visitors, salesperson_a):
    before = _leads()
    response = _add(login(salesperson_a.user), visitors["hot"], "eliminated")
    assert response.status_code == 302
    assert _leads() == before
    assert _add(login(salesperson_a.user), visitors["hot"], "").status_code == 302 and _leads() == before


def test_external_next_url_is_ignored(login, visitors, salesperson_a):
    response = _add(login(salesperson_a.user), visitors["hot"], "following", next="https://evil.example/")
    assert "evil" not in response["Location"]


def test_content_viewer_list_offers_add_to_pool(login, visitors, salesperson_a):
    html = (
        login(salesperson_a.user)
        .get(reverse("trackers_content_detail", args=["article", 1]))
        .content.decode()
    )
    assert reverse("crm_visitor_add_to_pool", args=[visitors["hot"].pk]) in html


def test_visitor_filters_speak_chinese(login, salesperson_a, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = login(salesperson_a.user)
    html = client.get("/admin/crm/visitors/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全部意向" in html and "全部来源" in html and "无意向" in html
    assert "Any source" not in html and "Any intent" not in html
