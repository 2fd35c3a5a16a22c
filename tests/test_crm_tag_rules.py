"""CRM-5 automatic tags: rules applied from the tracking hook and the periodic scan; admin screen tenancy."""

from __future__ import annotations

import pytest

from crm import services
from crm.models import Lead, Tag, TagRule
from crm.tasks import tag_rules_scan
from enterprises.models import Department
from trackers import registry
from trackers.services import visitor_identify, visitor_token

from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_redis")


@pytest.fixture
def pricing_article(enterprise_a):
    """Stand-in tagged content: a department registered as 'article' tagged ["pricing"]."""
    info = registry._KINDS["article"]
    saved = (list(info.models), info.tags)
    registry.register_kind("article", model=Department, tags=lambda obj: ["Pricing"])
    yield Department.objects.filter(enterprise=enterprise_a).first()
    info.models[:], info.tags = saved


def _lead_with_visitor(salesperson, unionid):
    visitor = visitor_identify(enterprise=salesperson.enterprise, unionid=unionid, nickname=unionid)
    # An identified visitor already has its pool lead (CRM-1); the salesperson is given it.
    lead = Lead.objects.get(enterprise=salesperson.enterprise, visitor=visitor)
    services.lead_assign(lead=lead, salesperson=salesperson)
    return lead


def _read(client, salesperson, lead, article_pk):
    post_batch(
        client,
        token_for(salesperson, "article", article_pk),
        [event("open")],
        visitor=visitor_token(lead.visitor),
    )


def test_reads_rule_tags_the_lead_when_the_count_is_reached(client, salesperson_a, pricing_article):
    # given a rule "read content tagged pricing at least twice -> Price-sensitive"
    tag = Tag.objects.create(
        enterprise=salesperson_a.enterprise, group="Auto", name="Price-sensitive", automatic=True
    )
    TagRule.objects.create(enterprise=salesperson_a.enterprise, tag=tag, content_tag="pricing", threshold=2)
    lead = _lead_with_visitor(salesperson_a, "reader")
    # when the visitor reads the pricing article once, nothing yet
    _read(client, salesperson_a, lead, pricing_article.pk)
    assert not lead.tags.exists()
    # then a second read tags the lead through the tracking hook
    _read(client, salesperson_a, lead, pricing_article.pk)
    assert list(lead.tags.all()) == [tag]


def test_intent_rule_is_applied_by_the_periodic_scan_once(client, salesperson_a):
    tag = Tag.objects.create(enterprise=salesperson_a.enterprise, name="Hot", automatic=True)
    TagRule.objects.create(enterprise=salesperson_a.enterprise, tag=tag, kind="intent", threshold=10)
    hot = _lead_with_visitor(salesperson_a, "hot")
    cold = _lead_with_visitor(salesperson_a, "cold")
    post_batch(
        client,
        token_for(salesperson_a),
        [event("open"), event("form_submit")],
        visitor=visitor_token(hot.visitor),
    )
    post_batch(client, token_for(salesperson_a), [event("open")], visitor=visitor_token(cold.visitor))
    assert tag_rules_scan() == 1
    assert list(hot.tags.all()) == [tag] and not cold.tags.exists()
    assert tag_rules_scan() == 0  # idempotent


def test_inactive_rules_and_other_enterprises_rules_do_nothing(client, salesperson_a, salesperson_b):
    tag_b = Tag.objects.create(enterprise=salesperson_b.enterprise, name="B hot")
    TagRule.objects.create(enterprise=salesperson_b.enterprise, tag=tag_b, kind="intent", threshold=0.1)
    tag_a = Tag.objects.create(enterprise=salesperson_a.enterprise, name="A hot")
    TagRule.objects.create(
        enterprise=salesperson_a.enterprise, tag=tag_a, kind="intent", threshold=0.1, is_active=False
    )
    lead = _lead_with_visitor(salesperson_a, "someone")
    post_batch(client, token_for(salesperson_a), [event("form_submit")], visitor=visitor_token(lead.visitor))
    tag_rules_scan()
    assert not lead.tags.exists()


def test_rule_with_another_enterprises_tag_or_without_content_tag_is_refused(login, admin_a, enterprise_b):
    foreign = Tag.objects.create(enterprise=enterprise_b, name="Foreign")
    mine = Tag.objects.create(enterprise=admin_a_enterprise(admin_a), name="Mine")
    client = login(admin_a)
    url = "/admin/snippets/crm/tagrule/add/"
    response = client.post(url, {"tag": foreign.pk, "kind": "intent", "threshold": 5, "is_active": "on"})
    assert response.status_code == 200 and not TagRule.objects.exists()
    response = client.post(
        url, {"tag": mine.pk, "kind": "content_tag_reads", "content_tag": "", "threshold": 2}
    )
    assert response.status_code == 200 and not TagRule.objects.exists()
    response = client.post(
        url,
        {
            "tag": mine.pk,
            "kind": "content_tag_reads",
            "content_tag": "pricing",
            "threshold": 2,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert TagRule.objects.get().enterprise == mine.enterprise


def admin_a_enterprise(user):
    from enterprises.selectors import enterprise_for_user

    return enterprise_for_user(user)


def test_rule_screens_tenancy(login, admin_a, admin_b, salesperson_a, enterprise_a):
    tag = Tag.objects.create(enterprise=enterprise_a, name="T")
    rule = TagRule.objects.create(enterprise=enterprise_a, tag=tag, kind="intent", threshold=5)
    ids = {r.pk for r in login(admin_a).get("/admin/snippets/crm/tagrule/").context["object_list"]}
    assert ids == {rule.pk}
    assert login(admin_b).get(f"/admin/snippets/crm/tagrule/edit/{rule.pk}/").status_code == 404
    assert login(salesperson_a.user).get("/admin/snippets/crm/tagrule/").status_code in (302, 403)
    response = login(salesperson_a.user).post("/admin/crm/tag-rules/apply/")
    assert response.status_code in (302, 403) and response.get("Location", "/admin/") == "/admin/"


def test_apply_now_applies_to_every_lead(
    login, admin_a, client, salesperson_a, django_capture_on_commit_callbacks
):
    tag = Tag.objects.create(enterprise=salesperson_a.enterprise, name="Hot")
    TagRule.objects.create(enterprise=salesperson_a.enterprise, tag=tag, kind="intent", threshold=10)
    lead = _lead_with_visitor(salesperson_a, "old-hot")
    post_batch(client, token_for(salesperson_a), [event("form_submit")], visitor=visitor_token(lead.visitor))
    with django_capture_on_commit_callbacks(execute=True):
        response = login(admin_a).post("/admin/crm/tag-rules/apply/")
    assert response.status_code == 302
    assert list(lead.tags.all()) == [tag]
