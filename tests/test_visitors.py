"""TEN-3, ART-9, ART-10, TRK-5: visitor identity and merges, auto-tags, precise users, intent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.models import Department
from trackers import registry
from trackers.models import ContentVisitor, Event, TrackingSettings, Visitor, VisitorMerge, VisitorTag
from trackers.selectors import visitor_intent
from trackers.services import (
    TrackingError,
    visitor_identify,
    visitor_merge,
    visitor_merge_revert,
    visitor_token,
)

from .tracking_factories import clean_redis, event, post_batch, token_for  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_redis")


def test_first_login_upgrades_the_anonymous_visitor_in_place(client, salesperson_a):
    # given an anonymous visitor with history
    post_batch(client, token_for(salesperson_a), [event("open")], device="device-anon-1")
    anonymous = Visitor.objects.get()
    # when they log in and nobody with that unionid exists yet
    identified = visitor_identify(
        enterprise=salesperson_a.enterprise, unionid="U1", device_id="device-anon-1"
    )
    # then it is the same row, now identified, history intact
    assert identified.pk == anonymous.pk
    assert identified.unionid == "U1"
    assert Event.objects.filter(visitor=identified).count() == 1


def test_anonymous_history_merges_into_the_known_visitor_and_can_be_reverted(client, salesperson_a):
    enterprise = salesperson_a.enterprise
    # given a known visitor with 1 open, and an anonymous device with 2 opens and 30 read seconds
    known = visitor_identify(enterprise=enterprise, unionid="U1", nickname="Wang")
    post_batch(client, token_for(salesperson_a, "article", 1), [event("open")], visitor=visitor_token(known))
    post_batch(
        client,
        token_for(salesperson_a, "article", 2),
        [event("open"), event("open"), event("heartbeat", seconds=30)],
        device="device-anon-2",
    )
    anonymous = Visitor.objects.get(device_id="device-anon-2")
    # when the anonymous device logs in as U1
    result = visitor_identify(enterprise=enterprise, unionid="U1", device_id="device-anon-2")
    # then history moved to the known visitor, audited, and the anonymous row points at it
    assert result.pk == known.pk
    known.refresh_from_db()
    anonymous.refresh_from_db()
    assert (known.opens, known.read_seconds) == (3, 30)
    assert anonymous.merged_into_id == known.pk
    assert Event.objects.filter(visitor=known).count() == 4
    merge = VisitorMerge.objects.get()
    assert (merge.source_id, merge.target_id, len(merge.event_ids)) == (anonymous.pk, known.pk, 3)
    assert set(ContentVisitor.objects.filter(visitor_id=known.pk).values_list("target_id", flat=True)) == {
        1,
        2,
    }
    # and later events from that device are credited to the known visitor
    post_batch(client, token_for(salesperson_a, "article", 2), [event("open")], device="device-anon-2")
    known.refresh_from_db()
    assert known.opens == 4
    # when the merge is reverted
    visitor_merge_revert(merge=merge)
    # then the moved events and totals go back
    known.refresh_from_db()
    anonymous.refresh_from_db()
    assert anonymous.merged_into_id is None
    assert (anonymous.opens, anonymous.read_seconds) == (2, 30)
    assert (known.opens, known.read_seconds) == (2, 0)
    assert ContentVisitor.objects.filter(visitor_id=anonymous.pk).count() == 1
    with pytest.raises(TrackingError):
        visitor_merge_revert(merge=merge)


def test_two_identified_people_are_never_merged(client, salesperson_a):
    enterprise = salesperson_a.enterprise
    # given a device already identified as U1 and another person U2
    first = visitor_identify(enterprise=enterprise, unionid="U1", device_id="device-shared-1")
    second = visitor_identify(enterprise=enterprise, unionid="U2")
    # when U2 logs in on U1's device
    result = visitor_identify(enterprise=enterprise, unionid="U2", device_id="device-shared-1")
    # then they stay two visitors
    assert result.pk == second.pk
    assert Visitor.objects.get(pk=first.pk).merged_into_id is None
    assert not VisitorMerge.objects.exists()
    with pytest.raises(TrackingError):
        visitor_merge(source=first, target=second)


def test_the_same_person_is_a_separate_visitor_in_each_enterprise(salesperson_a, salesperson_b):
    in_a = visitor_identify(enterprise=salesperson_a.enterprise, unionid="U1")
    in_b = visitor_identify(enterprise=salesperson_b.enterprise, unionid="U1")
    assert in_a.pk != in_b.pk
    with pytest.raises(TrackingError) as error:
        visitor_merge(source=in_b, target=in_a)
    assert error.value.code == "FORBIDDEN"


def test_identify_hook_fires_once_when_a_visitor_becomes_identified(salesperson_a):
    from trackers.hooks import VISITOR_IDENTIFIED_HOOKS

    calls = []
    VISITOR_IDENTIFIED_HOOKS.append(lambda **kwargs: calls.append(kwargs["visitor"].pk))
    try:
        visitor = visitor_identify(enterprise=salesperson_a.enterprise, device_id="device-hook-1")
        visitor_identify(enterprise=salesperson_a.enterprise, openid="O1", device_id="device-hook-1")
        visitor_identify(enterprise=salesperson_a.enterprise, openid="O1")
    finally:
        VISITOR_IDENTIFIED_HOOKS.pop()
    assert calls == [visitor.pk]


@pytest.fixture
def tagged_articles(enterprise_a):
    """Stand-in tagged content: departments registered as 'article' with their name as the tag."""
    info = registry._KINDS["article"]
    saved = (list(info.models), info.tags)
    registry.register_kind("article", model=Department, tags=lambda obj: [obj.name, "reader"])
    yield Department.objects.filter(enterprise=enterprise_a).first()
    info.models[:], info.tags = saved


def test_reading_tagged_content_tags_the_visitor(client, salesperson_a, tagged_articles):
    # when a visitor reads an article whose tags are [<name>, "reader"]
    post_batch(client, token_for(salesperson_a, "article", tagged_articles.pk), [event("open")])
    post_batch(
        client, token_for(salesperson_a, "article", tagged_articles.pk), [event("heartbeat", seconds=5)]
    )
    # then the visitor carries both tags once, with the source recorded
    visitor = Visitor.objects.get()
    tags = VisitorTag.objects.filter(visitor=visitor)
    assert sorted(tags.values_list("name", flat=True)) == sorted([tagged_articles.name, "reader"])
    assert set(tags.values_list("source_id", flat=True)) == {tagged_articles.pk}


def test_clicking_a_card_does_not_tag(client, salesperson_a, tagged_articles):
    post_batch(client, token_for(salesperson_a, "card", tagged_articles.pk), [event("open")])
    assert not VisitorTag.objects.exists()


def test_precise_user_needs_both_minimum_clicks_and_read_seconds(client, salesperson_a):
    TrackingSettings.objects.create(
        enterprise=salesperson_a.enterprise, precise_min_clicks=2, precise_min_read_seconds=30
    )
    token = token_for(salesperson_a)
    # given enough clicks but too little reading
    post_batch(client, token, [event("open"), event("click"), event("click"), event("heartbeat", seconds=20)])
    visitor = Visitor.objects.get()
    assert not visitor.is_precise
    # when the visitor reads 10 more seconds
    post_batch(client, token, [event("heartbeat", seconds=10)])
    # then both minimums are met
    visitor.refresh_from_db()
    assert visitor.is_precise
    assert visitor_intent(visitor).level == "medium"


def test_intent_decays_with_the_half_life_and_form_submission_is_high(client, salesperson_a):
    TrackingSettings.objects.create(enterprise=salesperson_a.enterprise, intent_half_life_days=7)
    post_batch(client, token_for(salesperson_a), [event("open"), event("share"), event("like")])
    visitor = Visitor.objects.get()
    fresh = visitor_intent(visitor, now=visitor.intent_at)
    week_later = visitor_intent(visitor, now=visitor.intent_at + dt.timedelta(days=7))
    assert fresh.score == pytest.approx(8.0, abs=0.01)  # open 1 + share 5 + like 2
    assert week_later.score == pytest.approx(fresh.score / 2, abs=0.01)
    assert fresh.level == "low"
    post_batch(client, token_for(salesperson_a, "form", 4), [event("form_submit")])
    visitor.refresh_from_db()
    assert visitor_intent(visitor, now=timezone.now()).level == "high"


# --- issue 17: one person, every device, tokens that follow merges ---------------------------------


def _gql(client, enterprise, query, variables):
    import json

    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise.public_key,
    )
    return response.json()


SESSION = """mutation($share: String!, $device: String!) {
  visitorSession(shareToken: $share, deviceId: $device) { visitorToken visitorId } }"""


def test_h5_session_on_a_logged_in_device_is_the_person_not_a_new_blank_visitor(client, salesperson_a):
    enterprise = salesperson_a.enterprise
    # given a mini-program login on this device (and another device of the same person)
    person = visitor_identify(enterprise=enterprise, unionid="U-h5", device_id="device-mp-0001")
    visitor_identify(enterprise=enterprise, unionid="U-h5", device_id="device-mp-0002")
    count = Visitor.objects.count()
    # when H5 pages opened on either device ask for their session, twice
    ids = {
        _gql(client, enterprise, SESSION, {"share": token_for(salesperson_a), "device": device})["data"][
            "visitorSession"
        ]["visitorId"]
        for device in ("device-mp-0001", "device-mp-0002", "device-mp-0001", "device-mp-0002")
    }
    # then it is always the person, and no visitor row was added
    assert ids == {str(person.pk)}
    assert Visitor.objects.count() == count


def test_one_person_two_devices_is_one_visitor_with_both_device_ids(client, salesperson_a):
    from trackers.services import visitor_device_ids

    enterprise = salesperson_a.enterprise
    # given the person logged in on their phone
    person = visitor_identify(enterprise=enterprise, unionid="U-two", device_id="device-phone-01")
    # when their tablet, never seen before, logs in before sending anything
    again = visitor_identify(enterprise=enterprise, unionid="U-two", device_id="device-tablet-1")
    # then it is the same visitor and the tablet's id is recorded
    assert again.pk == person.pk
    assert visitor_device_ids(person) == ["device-phone-01", "device-tablet-1"]
    # and the tablet's first batch (device id only) is credited to the person
    post_batch(client, token_for(salesperson_a), [event("open")], device="device-tablet-1")
    person.refresh_from_db()
    assert person.opens == 1
    assert Visitor.objects.filter(enterprise=enterprise, merged_into__isnull=True).count() == 1


def test_every_token_resolver_follows_merges(client, salesperson_a):
    """visitor_from_token is the one resolver: forwards, form leads and likes go to the person."""
    from cms.leadforms.services import leadform_create
    from trackers.models import ShareForward
    from trackers.services import visitor_from_token

    enterprise = salesperson_a.enterprise
    # given an H5 visitor token issued to an anonymous device, which later logged in
    anonymous = visitor_identify(enterprise=enterprise, device_id="device-h5-token")
    old_token = visitor_token(anonymous)
    person = visitor_identify(enterprise=enterprise, unionid="U-known")
    visitor_identify(enterprise=enterprise, unionid="U-known", device_id="device-h5-token")
    assert visitor_from_token(old_token).pk == person.pk
    # when the old token forwards a share and submits a form through GraphQL
    forwarded = _gql(
        client,
        enterprise,
        """mutation($t: String!, $v: String!) { forwardShare(token: $t, visitor: $v) { share { token } } }""",
        {"t": token_for(salesperson_a), "v": old_token},
    )
    assert "errors" not in forwarded, forwarded
    assert ShareForward.objects.get().forwarder_id == person.pk
    phone_field = {"label": "手机", "field_type": "phone", "required": True}
    form = leadform_create(enterprise=enterprise, title="Quote", fields=[phone_field])
    submitted = _gql(
        client,
        enterprise,
        """mutation($id: ID!, $data: GenericScalar!, $v: String) {
             submitForm(formId: $id, data: $data, visitorToken: $v) { ok submissionId } }""",
        {"id": form.pk, "data": {form.form_fields.get().clean_name: "13800138000"}, "v": old_token},
    )
    assert submitted["data"]["submitForm"]["ok"], submitted
    # then both were attributed to the surviving person
    from cms.leadforms.models import LeadFormSubmission

    assert LeadFormSubmission.objects.get().visitor_id == person.pk
    person.refresh_from_db()
    assert person.phone == "13800138000"
