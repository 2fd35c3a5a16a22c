"""WeCom via the adapter and the fake (WX-1): channel codes, callbacks, welcome, tags, relationships."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from enterprises.models import Role
from tests.factories import make_member
from wechat import services
from wechat.fake_server import simulate_relationship_change, simulate_scan, wecom_encrypt
from wechat.models import ExternalContact, RelationshipEvent

from .wechat_factories import link_salesperson, make_account

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = pytest.mark.django_db


def post_callback(client, enterprise, callback):
    url = reverse("wechat:wecom_callback", args=[enterprise.public_key])
    return client.post(
        f"{url}?{urlencode(callback['query'])}", data=callback["body"], content_type="text/xml"
    )


@pytest.fixture
def team(enterprise_a, wechat_account):
    people = [make_member(enterprise_a, Role.SALESPERSON).salesperson for _ in range(3)]
    for index, person in enumerate(people):
        link_salesperson(person, f"user{index}")
    return people


def test_url_verification_echoes_the_decrypted_echostr(client, fake, enterprise_a, wechat_account):
    echostr, signature = wecom_encrypt(
        token=wechat_account.callback_token,
        aes_key=wechat_account.encoding_aes_key,
        receive_id=wechat_account.corp_id,
        message="echo-1234",
        timestamp="1700000000",
        nonce="n1",
    )
    url = reverse("wechat:wecom_callback", args=[enterprise_a.public_key])
    query = {"msg_signature": signature, "timestamp": "1700000000", "nonce": "n1", "echostr": echostr}
    response = client.get(url, query)
    assert response.status_code == 200 and response.content == b"echo-1234"
    query["msg_signature"] = "0" * 40
    assert client.get(url, query).status_code == 403


def test_scan_adds_the_contact_sends_the_channel_welcome_and_tags(client, fake, enterprise_a, team):
    # given a one-salesperson channel with its own welcome and a tag
    [tag] = services.external_tags_create(enterprise=enterprise_a, group_name="Source", names=["Expo 2026"])
    channel = services.channel_code_create(
        enterprise=enterprise_a,
        name="Expo booth",
        salespeople=team[:1],
        welcome_message="Hi from the booth!",
        tags=[tag],
    )
    assert fake.state.contact_ways[channel.config_id]["type"] == 1
    # when a customer scans it and WeCom calls back
    callback = simulate_scan(fake.state, config_id=channel.config_id, name="Zhang San", unionid="u-zhang")
    response = post_callback(client, enterprise_a, callback)
    # then the contact belongs to that salesperson, came through the channel, got the welcome and the tag
    assert response.status_code == 200 and response.content == b"success"
    contact = ExternalContact.objects.get(external_userid=callback["external_userid"])
    assert (contact.salesperson, contact.channel, contact.name) == (team[0], channel, "Zhang San")
    [welcome] = fake.state.sent("welcome")
    assert welcome["text"] == {"content": "Hi from the booth!"}
    assert fake.state.marked[("user0", contact.external_userid)] == {tag.wecom_id}
    assert list(contact.tags.all()) == [tag]
    assert RelationshipEvent.objects.get(contact=contact).kind == "add_external_contact"


def test_enterprise_welcome_is_used_when_the_channel_has_none(
    client, fake, enterprise_a, wechat_account, team
):
    channel = services.channel_code_create(enterprise=enterprise_a, name="Site", salespeople=team[:1])
    post_callback(client, enterprise_a, simulate_scan(fake.state, config_id=channel.config_id))
    [welcome] = fake.state.sent("welcome")
    assert welcome["text"]["content"] == wechat_account.welcome_message


def test_channel_of_several_salespeople_spreads_customers(client, fake, enterprise_a, team):
    channel = services.channel_code_create(enterprise=enterprise_a, name="Hotline", salespeople=team)
    assert fake.state.contact_ways[channel.config_id]["type"] == 2
    for _ in range(45):
        assert (
            post_callback(
                client, enterprise_a, simulate_scan(fake.state, config_id=channel.config_id)
            ).status_code
            == 200
        )
    owners = Counter(ExternalContact.objects.filter(channel=channel).values_list("salesperson_id", flat=True))
    assert sum(owners.values()) == 45
    assert set(owners) == {person.pk for person in team}
    assert min(owners.values()) >= 5  # P(fail) for a uniform pick is ~1e-3


def test_tampered_body_is_rejected_and_changes_nothing(client, fake, enterprise_a, team):
    channel = services.channel_code_create(enterprise=enterprise_a, name="Site", salespeople=team[:1])
    callback = simulate_scan(fake.state, config_id=channel.config_id)
    encrypt_start = callback["body"].index("<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
    flipped = "A" if callback["body"][encrypt_start + 5] != "A" else "B"
    callback["body"] = callback["body"][: encrypt_start + 5] + flipped + callback["body"][encrypt_start + 6 :]
    assert post_callback(client, enterprise_a, callback).status_code == 403
    assert not ExternalContact.objects.exists()
    assert not fake.state.sent("welcome")


def test_callback_for_another_enterprise_key_is_rejected(client, fake, enterprise_a, enterprise_b, team):
    make_account(enterprise_b, fake)
    channel = services.channel_code_create(enterprise=enterprise_a, name="Site", salespeople=team[:1])
    callback = simulate_scan(fake.state, config_id=channel.config_id)
    assert post_callback(client, enterprise_b, callback).status_code == 403
    assert not ExternalContact.objects.exists()


def test_junk_callbacks_get_clear_refusals_not_500s(client, fake, enterprise_a, wechat_account):
    url = reverse("wechat:wecom_callback", args=[enterprise_a.public_key])
    assert client.post(url, data="<xml/>", content_type="text/xml").status_code == 400
    assert (
        client.post(
            f"{url}?msg_signature=a&timestamp=1&nonce=2", data="junk", content_type="text/xml"
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("wechat:wecom_callback", args=["nope"]), data="", content_type="text/xml"
        ).status_code
        == 404
    )


def test_relationship_changes_from_either_side(client, fake, enterprise_a, wechat_account, team):
    channel = services.channel_code_create(enterprise=enterprise_a, name="Site", salespeople=team[:2])
    first = simulate_scan(fake.state, config_id=channel.config_id, chosen_user="user0")
    second = simulate_scan(fake.state, config_id=channel.config_id, chosen_user="user1")
    post_callback(client, enterprise_a, first)
    post_callback(client, enterprise_a, second)
    # the customer deletes salesperson 0; salesperson 1 deletes their customer
    post_callback(
        client,
        enterprise_a,
        simulate_relationship_change(
            fake.state,
            corp_id=wechat_account.corp_id,
            change_type="del_follow_user",
            userid="user0",
            external_userid=first["external_userid"],
        ),
    )
    post_callback(
        client,
        enterprise_a,
        simulate_relationship_change(
            fake.state,
            corp_id=wechat_account.corp_id,
            change_type="del_external_contact",
            userid="user1",
            external_userid=second["external_userid"],
        ),
    )
    removed = dict(ExternalContact.objects.values_list("external_userid", "removed_by"))
    assert removed == {first["external_userid"]: "customer", second["external_userid"]: "salesperson"}
    kinds = set(RelationshipEvent.objects.values_list("kind", flat=True))
    assert kinds == {"add_external_contact", "del_follow_user", "del_external_contact"}


def test_channel_code_refuses_foreign_or_unlinked_salespeople(
    fake, enterprise_a, wechat_account, salesperson_b, team
):
    with pytest.raises(services.WeChatServiceError) as foreign:
        services.channel_code_create(enterprise=enterprise_a, name="X", salespeople=[salesperson_b])
    assert foreign.value.code == "FORBIDDEN"
    unlinked = make_member(enterprise_a, Role.SALESPERSON, display_name="No WeCom").salesperson
    with pytest.raises(services.WeChatServiceError, match="No WeCom UserID set for: No WeCom"):
        services.channel_code_create(enterprise=enterprise_a, name="X", salespeople=[unlinked])
    assert not fake.state.contact_ways


def test_wecom_app_message_channel_reaches_salespeople_who_chose_it(fake, enterprise_a, wechat_account, team):
    from trackers.models import Notification
    from trackers.notifications import notification_dispatch

    profile = team[0].wechat_profile
    profile.notification_channel = "wecom_app"
    profile.save()
    chosen = Notification.objects.create(
        enterprise=enterprise_a, salesperson=team[0], kind="visitor_open", title="Li opened your card"
    )
    other = Notification.objects.create(
        enterprise=enterprise_a, salesperson=team[1], kind="visitor_open", title="Wu opened"
    )
    notification_dispatch(notifications=[chosen, other])
    [sent] = fake.state.sent("app_message")
    assert sent["touser"] == "user0" and sent["text"]["content"] == "Li opened your card"


def test_the_channel_loads_a_batch_in_constant_queries_and_one_refusal_spares_the_rest(
    fake, enterprise_a, wechat_account, team, django_assert_num_queries
):
    from trackers.models import Notification
    from trackers.notifications import notification_dispatch

    wechat_account.subscribe_template_id = "tmpl-visit"
    wechat_account.save()
    refusing, wecom = team[0].wechat_profile, team[1].wechat_profile
    refusing.notification_channel, refusing.openid = "wechat_subscribe", "o-refuses"
    refusing.save()
    wecom.notification_channel = "wecom_app"
    wecom.save()
    fake.state.refusing_openids.add("o-refuses")
    batch = Notification.objects.bulk_create(
        Notification(enterprise=enterprise_a, salesperson=person, kind="visitor_open", title=f"#{n}")
        for n, person in enumerate(team * 10)
    )
    with django_assert_num_queries(2):  # profiles, accounts: not one per notification
        assert notification_dispatch(notifications=batch) == ["wechat"]
    # team[0]'s 10 subscription messages were refused by WeChat (43101), team[1]'s 10 WeCom
    # messages still went out, team[2] keeps the in-app inbox only
    assert not fake.state.sent("subscribe")
    assert [message["touser"] for message in fake.state.sent("app_message")] == ["user1"] * 10


def test_a_redelivered_callback_is_applied_once(client, fake, enterprise_a, team):
    channel = services.channel_code_create(enterprise=enterprise_a, name="Site", salespeople=team[:1])
    callback = simulate_scan(fake.state, config_id=channel.config_id)
    assert post_callback(client, enterprise_a, callback).status_code == 200
    assert post_callback(client, enterprise_a, callback).status_code == 200
    assert RelationshipEvent.objects.count() == 1
    assert len(fake.state.sent("welcome")) == 1


def test_customer_added_before_login_is_linked_to_the_visitor_at_login(
    client, fake, enterprise_a, wechat_account, team
):
    channel = services.channel_code_create(enterprise=enterprise_a, name="Site", salespeople=team[:1])
    post_callback(
        client, enterprise_a, simulate_scan(fake.state, config_id=channel.config_id, unionid="u-later")
    )
    contact = ExternalContact.objects.get()
    assert contact.unionid == "u-later" and contact.visitor is None
    code = fake.state.issue_login_code(appid=wechat_account.mini_app_id, openid="o-later", unionid="u-later")
    visitor = services.wechat_login(enterprise=enterprise_a, code=code)
    contact.refresh_from_db()
    assert contact.visitor == visitor
    # and a customer added after the login is linked at once
    post_callback(
        client, enterprise_a, simulate_scan(fake.state, config_id=channel.config_id, unionid="u-later")
    )
    assert set(ExternalContact.objects.values_list("visitor_id", flat=True)) == {visitor.pk}


def test_salesperson_is_told_when_a_customer_adds_or_removes_them(
    client, fake, enterprise_a, wechat_account, team, django_capture_on_commit_callbacks
):
    profile = team[0].wechat_profile
    profile.notification_channel = "wecom_app"
    profile.save()
    channel = services.channel_code_create(enterprise=enterprise_a, name="Booth", salespeople=team[:1])
    scan = simulate_scan(fake.state, config_id=channel.config_id, name="Zhao Liu")
    with django_capture_on_commit_callbacks(execute=True):
        post_callback(client, enterprise_a, scan)
        post_callback(
            client,
            enterprise_a,
            simulate_relationship_change(
                fake.state,
                corp_id=wechat_account.corp_id,
                change_type="del_follow_user",
                userid="user0",
                external_userid=scan["external_userid"],
            ),
        )
    texts = [message["text"]["content"] for message in fake.state.sent("app_message")]
    assert texts == [
        "New WeCom customer: Zhao Liu\nChannel: Booth",
        "Zhao Liu removed you on WeCom\nChannel: Booth",
    ]
