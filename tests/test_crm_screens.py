"""CRM admin screens: lead detail (timeline, follow-ups, tags, forwarders) and its confirmation actions.

Tenancy matrix on every screen: the owner (salesperson A) and admin A reach A's lead; another
salesperson of A and admin B get 404 and change nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Collision, FollowUp, Lead, MergeAudit, Pool, Tag
from trackers.services import visitor_identify, visitor_token

from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_redis")


@pytest.fixture
def lead_a(client, salesperson_a):
    """Salesperson A's lead whose visitor opened an article, read 7 s and submitted a form."""
    visitor = visitor_identify(enterprise=salesperson_a.enterprise, unionid="U-lead", nickname="Wang Wu")
    post_batch(
        client,
        token_for(salesperson_a, "article", 41),
        [event("open"), event("heartbeat", seconds=7), event("form_submit")],
        visitor=visitor_token(visitor),
    )
    lead = Lead.objects.create(
        enterprise=salesperson_a.enterprise, name="Wang Wu", phone="13811112222", visitor=visitor
    )
    services.lead_assign(lead=lead, salesperson=salesperson_a)
    services.followup_create(lead=lead, salesperson=salesperson_a, content="Called, wants a quote")
    return lead


def _people(request, who):
    return {
        "owner": lambda: request.getfixturevalue("salesperson_a").user,
        "colleague": lambda: request.getfixturevalue("other_salesperson_a").user,
        "admin_a": lambda: request.getfixturevalue("admin_a"),
        "admin_b": lambda: request.getfixturevalue("admin_b"),
    }[who]()


def refused(response) -> bool:
    """Wagtail turns PermissionDenied into a redirect to the dashboard with an error message."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


# ---- detail page ------------------------------------------------------------------------------


def test_detail_shows_timeline_followups_tags_for_the_owner(login, lead_a, salesperson_a):
    vip = Tag.objects.create(enterprise=lead_a.enterprise, name="VIP")
    lead_a.tags.add(vip)
    response = login(salesperson_a.user).get(reverse("crm_lead_detail", args=[lead_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="lead-timeline"' in html and 'id="lead-followups"' in html
    assert 'id="lead-tags"' in html and 'id="lead-forwarders"' in html
    texts = [entry.text for entry in response.context["detail"].timeline]
    assert any("read 7 s" in text for text in texts)
    assert any(text.startswith("opened article") for text in texts)
    assert any("submitted the form" in text for text in texts)
    assert "Called, wants a quote" in html
    assert "VIP" in html


@pytest.mark.parametrize(
    "who,status", [("owner", 200), ("admin_a", 200), ("colleague", 404), ("admin_b", 404)]
)
def test_detail_page_tenancy(request, login, lead_a, who, status):
    response = login(_people(request, who)).get(reverse("crm_lead_detail", args=[lead_a.pk]))
    assert response.status_code == status


def test_anonymous_is_sent_to_login(client, lead_a):
    response = client.get(reverse("crm_lead_detail", args=[lead_a.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_listing_links_each_row_to_its_detail_page(login, lead_a, salesperson_a):
    html = login(salesperson_a.user).get("/admin/snippets/crm/lead/").content.decode()
    assert reverse("crm_lead_detail", args=[lead_a.pk]) in html


def test_forwarders_are_listed(client, login, lead_a, salesperson_a):
    # given a friend who forwarded the share to the lead's visitor
    friend = visitor_identify(enterprise=salesperson_a.enterprise, unionid="U-friend", nickname="Friend Li")
    token = token_for(salesperson_a, "article", 41)
    post_batch(client, token, [event("open")], visitor=visitor_token(friend))
    forwarded = services_forward(token, friend)
    post_batch(client, forwarded, [event("open")], visitor=visitor_token(lead_a.visitor))
    response = login(salesperson_a.user).get(reverse("crm_lead_detail", args=[lead_a.pk]))
    assert response.context["detail"].forwarded_by == ["Friend Li"]
    assert "Friend Li" in response.content.decode().split('id="lead-forwarders"')[1]


def services_forward(token, friend):
    from trackers.services import share_forward

    return share_forward(parent_token=token, visitor=friend)


def test_timeline_of_a_lead_without_visitor_is_empty_not_an_error(login, salesperson_a):
    lead = Lead.objects.create(enterprise=salesperson_a.enterprise, name="No visitor")
    services.lead_assign(lead=lead, salesperson=salesperson_a)
    response = login(salesperson_a.user).get(reverse("crm_lead_detail", args=[lead.pk]))
    assert response.status_code == 200 and response.context["detail"].timeline == []


# ---- follow-up and tags -----------------------------------------------------------------------


def test_owner_adds_a_followup_with_a_reminder(login, lead_a, salesperson_a):
    when = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    response = login(salesperson_a.user).post(
        reverse("crm_lead_followup_add", args=[lead_a.pk]),
        {"status": "interested", "content": "Demo booked", "next_at": when},
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get(content="Demo booked")
    assert followup.salesperson == salesperson_a and followup.next_at is not None


def test_followup_form_errors_are_shown_and_nothing_is_saved(login, lead_a, salesperson_a):
    before = FollowUp.objects.count()
    response = login(salesperson_a.user).post(
        reverse("crm_lead_followup_add", args=[lead_a.pk]),
        {"status": "nonsense", "content": "", "next_at": "2001-01-01 10:00"},
    )
    assert response.status_code == 400
    errors = response.context["followup_form"].errors
    assert {"status", "content", "next_at"} <= set(errors)
    assert FollowUp.objects.count() == before


@pytest.mark.parametrize("who", ["colleague", "admin_b"])
def test_others_cannot_add_followups_or_tags(request, login, lead_a, who):
    client = login(_people(request, who))
    before = FollowUp.objects.count()
    tag = Tag.objects.create(enterprise=lead_a.enterprise, name="T")
    assert (
        client.post(
            reverse("crm_lead_followup_add", args=[lead_a.pk]), {"status": "contacted", "content": "x"}
        ).status_code
        == 404
    )
    assert client.post(reverse("crm_lead_tag", args=[lead_a.pk]), {"add": tag.pk}).status_code == 404
    assert FollowUp.objects.count() == before and not lead_a.tags.exists()


def test_tags_add_and_remove_and_other_enterprise_tag_refused(login, lead_a, salesperson_a, enterprise_b):
    mine = Tag.objects.create(enterprise=lead_a.enterprise, name="Hot")
    theirs = Tag.objects.create(enterprise=enterprise_b, name="Foreign")
    client = login(salesperson_a.user)
    url = reverse("crm_lead_tag", args=[lead_a.pk])
    client.post(url, {"add": mine.pk})
    assert list(lead_a.tags.all()) == [mine]
    client.post(url, {"add": theirs.pk})
    client.post(url, {"add": "junk"})
    assert list(lead_a.tags.all()) == [mine]
    client.post(url, {"remove": mine.pk})
    assert not lead_a.tags.exists()


# ---- actions ----------------------------------------------------------------------------------


def test_release_confirmation_then_release(login, lead_a, salesperson_a):
    client = login(salesperson_a.user)
    url = reverse("crm_lead_release", args=[lead_a.pk])
    assert client.get(url).status_code == 200
    lead_a.refresh_from_db()
    assert lead_a.salesperson == salesperson_a  # GET changes nothing
    assert client.post(url, {"reason": "not my region"}).status_code == 302
    lead_a.refresh_from_db()
    assert (lead_a.salesperson, lead_a.pool, lead_a.pool_reason) == (None, Pool.TO_ASSIGN, "not my region")


@pytest.mark.parametrize("who", ["owner", "admin_a"])
def test_release_lands_on_the_lead_list_with_a_message(request, login, lead_a, who):
    # the owner loses sight of a released lead: going back to its page was a bare 404
    client = login(_people(request, who))
    response = client.post(reverse("crm_lead_release", args=[lead_a.pk]), {"reason": ""}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("wagtailsnippets_crm_lead:list")
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Wang Wu released to the pool."]
    assert Lead.objects.get(pk=lead_a.pk).pool == Pool.TO_ASSIGN


def test_move_needs_a_reason_and_goes_both_ways(login, lead_a, salesperson_a):
    client = login(salesperson_a.user)
    url = reverse("crm_lead_move", args=[lead_a.pk])
    response = client.post(url, {"pool": "eliminated", "reason": ""})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    client.post(url, {"pool": "eliminated", "reason": "went with a competitor"})
    lead_a.refresh_from_db()
    assert (lead_a.pool, lead_a.pool_reason) == (Pool.ELIMINATED, "went with a competitor")
    client.post(url, {"pool": "following", "reason": "came back"})
    lead_a.refresh_from_db()
    assert lead_a.pool == Pool.FOLLOWING
    assert client.post(url, {"pool": "potential", "reason": "x"}).status_code == 400


def test_convert_to_customer(login, lead_a, admin_a):
    client = login(admin_a)
    url = reverse("crm_lead_convert", args=[lead_a.pk])
    assert client.get(url).status_code == 200 and not Lead.objects.get(pk=lead_a.pk).is_customer
    client.post(url)
    assert Lead.objects.get(pk=lead_a.pk).is_customer


ACTIONS = ["crm_lead_release", "crm_lead_move", "crm_lead_convert", "crm_lead_assign_one", "crm_lead_merge"]


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("who", ["colleague", "admin_b"])
def test_actions_on_anothers_lead_are_404(request, login, lead_a, salesperson_a, name, who):
    client = login(_people(request, who))
    url = reverse(name, args=[lead_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "pool": "eliminated"}).status_code == 404
    lead_a.refresh_from_db()
    assert (lead_a.salesperson, lead_a.pool, lead_a.is_customer) == (salesperson_a, Pool.FOLLOWING, False)


@pytest.mark.parametrize("name", ["crm_lead_assign_one", "crm_lead_merge"])
def test_admin_only_actions_are_refused_to_the_owner(login, lead_a, salesperson_a, name):
    client = login(salesperson_a.user)
    assert refused(client.get(reverse(name, args=[lead_a.pk])))
    assert refused(client.post(reverse(name, args=[lead_a.pk]), {"salesperson": salesperson_a.pk}))
    assert not MergeAudit.objects.exists()


def test_admin_assigns_an_unowned_lead_but_not_during_cooldown(login, admin_a, salesperson_a, enterprise_a):
    lead = Lead.objects.create(enterprise=enterprise_a, name="Pool lead", pool=Pool.TO_ASSIGN)
    client = login(admin_a)
    url = reverse("crm_lead_assign_one", args=[lead.pk])
    # given a cooldown still running
    lead.protected_until = timezone.now() + dt.timedelta(days=1)
    lead.save()
    response = client.post(url, {"salesperson": salesperson_a.pk})
    assert response.status_code == 400
    assert "cooling down" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).salesperson is None
    # when the cooldown is over
    Lead.objects.filter(pk=lead.pk).update(protected_until=timezone.now() - dt.timedelta(seconds=1))
    assert client.post(url, {"salesperson": salesperson_a.pk}).status_code == 302
    assert Lead.objects.get(pk=lead.pk).salesperson == salesperson_a


def test_admin_cannot_assign_to_another_enterprises_salesperson(login, admin_a, salesperson_b, enterprise_a):
    lead = Lead.objects.create(enterprise=enterprise_a, name="Pool lead", pool=Pool.TO_ASSIGN)
    response = login(admin_a).post(
        reverse("crm_lead_assign_one", args=[lead.pk]), {"salesperson": salesperson_b.pk}
    )
    assert response.status_code == 200 and "salesperson" in response.context["form"].errors
    assert Lead.objects.get(pk=lead.pk).salesperson is None


def test_merge_shows_the_dry_run_then_merges_with_an_audit(login, admin_a, lead_a, enterprise_a):
    duplicate = Lead.objects.create(enterprise=enterprise_a, phone=lead_a.phone, company="Acme")
    FollowUp.objects.create(enterprise=enterprise_a, lead=duplicate, content="old note")
    client = login(admin_a)
    url = reverse("crm_lead_merge", args=[lead_a.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["preview"].merged_ids == [duplicate.pk]
    assert 'id="merge-preview"' in response.content.decode()
    assert Lead.objects.filter(pk=duplicate.pk).exists()  # dry run changed nothing
    assert client.post(url).status_code == 302
    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    lead_a.refresh_from_db()
    assert lead_a.company == "Acme" and lead_a.followups.filter(content="old note").exists()
    audit = MergeAudit.objects.get()
    assert audit.target == lead_a and audit.merged_ids == [duplicate.pk] and audit.actor == admin_a


def test_merge_across_two_owners_is_refused_with_a_message(
    login, admin_a, lead_a, other_salesperson_a, enterprise_a
):
    other = Lead.objects.create(enterprise=enterprise_a, phone=lead_a.phone, name="Other")
    services.lead_assign(lead=other, salesperson=other_salesperson_a)
    client = login(admin_a)
    url = reverse("crm_lead_merge", args=[lead_a.pk])
    assert "collision, not a merge" in client.get(url).content.decode()
    client.post(url)
    assert Lead.objects.filter(pk=other.pk).exists() and not MergeAudit.objects.exists()


# ---- collisions -------------------------------------------------------------------------------


@pytest.fixture
def collision(enterprise_a, salesperson_a, other_salesperson_a):
    first = services.lead_upsert(enterprise=enterprise_a, salesperson=salesperson_a, phone="13900000009")
    services.lead_upsert(enterprise=enterprise_a, salesperson=other_salesperson_a, phone="13900000009")
    return Collision.objects.get(lead__enterprise=enterprise_a), first


def test_collision_list_and_protection_refusal_then_resolve(login, admin_a, collision):
    collision, first = collision
    client = login(admin_a)
    html = client.get(reverse("crm_collisions")).content.decode()
    assert "13900000009" in html
    second = collision.lead if collision.other_lead_id == first.pk else collision.other_lead
    # keeping the later lead loses against the earlier one's protection period
    response = client.post(reverse("crm_collision_resolve", args=[collision.pk, second.pk]))
    assert response.status_code == 400 and "still protected" in response.content.decode()
    assert Collision.objects.get(pk=collision.pk).resolved_at is None
    # keeping the earlier one resolves it; the later one is back in the pool, cooling down
    assert client.post(reverse("crm_collision_resolve", args=[collision.pk, first.pk])).status_code == 302
    second.refresh_from_db()
    assert Collision.objects.get(pk=collision.pk).resolved_at is not None
    assert second.salesperson is None and second.protected_until > timezone.now()


@pytest.mark.parametrize("who", ["owner", "colleague", "admin_b"])
def test_collision_screens_tenancy(request, login, collision, who):
    collision, first = collision
    client = login(_people(request, who))
    if who == "admin_b":
        assert "13900000009" not in client.get(reverse("crm_collisions")).content.decode()
    else:
        assert refused(client.get(reverse("crm_collisions")))
    response = client.post(reverse("crm_collision_resolve", args=[collision.pk, first.pk]))
    assert response.status_code == 404 if who == "admin_b" else refused(response)
    assert Collision.objects.get(pk=collision.pk).resolved_at is None


# ---- bulk actions in the listing --------------------------------------------------------------


def _bulk(name, *leads):
    return f"/admin/bulk/crm/lead/{name}/?" + "&".join(f"id={lead.pk}" for lead in leads)


def test_admin_bulk_assigns_to_a_salesperson(login, admin_a, enterprise_a, other_salesperson_a):
    leads = [
        Lead.objects.create(enterprise=enterprise_a, name=f"p{n}", pool=Pool.TO_ASSIGN) for n in range(3)
    ]
    client = login(admin_a)
    url = _bulk("assign", *leads)
    response = client.get(url)
    assert response.status_code == 200 and "p2" in response.content.decode()
    assert client.post(url, {"salesperson": other_salesperson_a.pk}).status_code == 302
    assert set(Lead.objects.filter(pk__in=[x.pk for x in leads]).values_list("salesperson", "pool")) == {
        (other_salesperson_a.pk, Pool.FOLLOWING)
    }


def test_bulk_assign_refuses_another_enterprises_salesperson_and_salespeople(
    login, admin_a, enterprise_a, salesperson_a, salesperson_b
):
    lead = Lead.objects.create(enterprise=enterprise_a, name="p", pool=Pool.TO_ASSIGN)
    response = login(admin_a).post(_bulk("assign", lead), {"salesperson": salesperson_b.pk})
    assert response.status_code == 200 and "salesperson" in response.context["form"].errors
    assert refused(login(salesperson_a.user).post(_bulk("assign", lead), {"salesperson": salesperson_a.pk}))
    assert Lead.objects.get(pk=lead.pk).salesperson is None


def test_salesperson_bulk_releases_only_own_leads(login, lead_a, salesperson_a, other_salesperson_a):
    theirs = Lead.objects.create(enterprise=lead_a.enterprise, name="theirs")
    services.lead_assign(lead=theirs, salesperson=other_salesperson_a)
    client = login(salesperson_a.user)
    # a colleague's id mixed in is not listed and not released
    response = client.get(_bulk("release", lead_a, theirs))
    assert [row["item"] for row in response.context["items"]] == [lead_a]
    client.post(_bulk("release", lead_a, theirs))
    lead_a.refresh_from_db()
    theirs.refresh_from_db()
    assert lead_a.salesperson is None and theirs.salesperson == other_salesperson_a


@pytest.mark.parametrize("who", ["colleague", "admin_b"])
def test_bulk_actions_on_anothers_lead_change_nothing(request, login, lead_a, salesperson_a, who):
    client = login(_people(request, who))
    client.post(_bulk("release", lead_a))
    client.post(_bulk("assign", lead_a), {"salesperson": salesperson_a.pk})
    lead_a.refresh_from_db()
    assert lead_a.salesperson == salesperson_a and lead_a.pool == Pool.FOLLOWING


def test_bulk_delete_of_another_enterprises_rows_is_refused(login, admin_b, lead_a):
    # Wagtail's bulk delete loads rows by posted id; the enterprises before-hook refuses foreign ones
    client = login(admin_b)
    assert client.get(_bulk("delete", lead_a)).status_code == 404
    assert client.post(_bulk("delete", lead_a)).status_code == 404
    assert Lead.objects.filter(pk=lead_a.pk).exists()


def test_admin_bulk_delete_of_own_enterprise_rows_still_works(login, admin_a, enterprise_a):
    lead = Lead.objects.create(enterprise=enterprise_a, name="junk")
    assert login(admin_a).post(_bulk("delete", lead)).status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_demo_links_visitors_so_lead_pages_have_timelines(
    login, enterprise_a, admin_a, salesperson_a, other_salesperson_a
):
    from crm import demo
    from crm.models import TagRule
    from enterprises.demo import DemoContext
    from trackers import demo as tracking_demo

    context = DemoContext(
        enterprise=enterprise_a, admin=admin_a, salespeople=[salesperson_a, other_salesperson_a]
    )
    tracking_demo.seed_content(context)
    demo.seed_content(context)
    demo.seed_content(context)  # idempotent
    linked = Lead.objects.filter(enterprise=enterprise_a, visitor__isnull=False)
    assert linked.count() == 2 and TagRule.objects.count() == 1
    lead = linked.get(salesperson=salesperson_a)
    response = login(salesperson_a.user).get(reverse("crm_lead_detail", args=[lead.pk]))
    assert any("read 20 s" in entry.text for entry in response.context["detail"].timeline)
