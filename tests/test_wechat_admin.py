"""Admin screens of the WeChat app: authorization checklist (WX-2), channels, mass messages, chats; demo."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from wechat import selectors, services
from wechat.models import (
    ChannelCode,
    ChatMessage,
    ExternalContact,
    MassMessage,
    SalespersonWeChat,
    WeChatAccount,
)

from .wechat_factories import link_salesperson

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = pytest.mark.django_db


def test_checklist_lists_what_is_missing_for_each_step(enterprise_a):
    steps = {step.key: step for step in selectors.authorization_checklist(enterprise=enterprise_a)}
    assert list(steps) == ["official_account", "mini_program", "open_platform", "domains"]
    assert not any(step.is_done for step in steps.values())
    assert "Enter the mini-program AppID and AppSecret." in steps["mini_program"].missing


def test_checklist_is_done_when_configured_and_verified(settings, enterprise_a, wechat_account):
    settings.PUBLIC_BASE_URL = "https://cards.example.com"
    wechat_account.open_platform_app_id = "wxopen1"
    wechat_account.open_platform_bound = True
    wechat_account.configured_domains = "cards.example.com\n"
    wechat_account.mini_verified_at = wechat_account.official_verified_at = timezone.now()
    wechat_account.save()
    assert all(step.is_done for step in selectors.authorization_checklist(enterprise=enterprise_a))


def test_settings_page_is_for_admins_and_verify_uses_the_fake(
    login, fake, admin_a, salesperson_a, wechat_account
):
    assert login(salesperson_a.user).get(reverse("wechat_settings")).status_code in (302, 403)
    client = login(admin_a)
    page = client.get(reverse("wechat_settings"))
    assert page.status_code == 200 and b"Authorization checklist" in page.content
    assert wechat_account.mini_app_secret.encode() not in page.content  # secrets are never echoed
    client.post(reverse("wechat_settings"), {"verify": "1"})
    wechat_account.refresh_from_db()
    assert (
        wechat_account.mini_verified_at
        and wechat_account.official_verified_at
        and wechat_account.wecom_verified_at
    )


def test_saving_settings_with_empty_secrets_keeps_them(login, admin_a, wechat_account):
    secret = wechat_account.mini_app_secret
    response = login(admin_a).post(
        reverse("wechat_settings"),
        {
            "mini_app_id": "wxnew",
            "mini_page": "pages/share/index",
            "mini_app_secret": "",
            "encoding_aes_key": "",
        },
    )
    assert response.status_code == 302
    wechat_account.refresh_from_db()
    assert (wechat_account.mini_app_id, wechat_account.mini_app_secret) == ("wxnew", secret)


def test_admins_of_each_enterprise_edit_only_their_own_account(login, admin_a, admin_b, wechat_account):
    login(admin_b).post(reverse("wechat_settings"), {"mini_app_id": "wx-b", "mini_page": "p"})
    wechat_account.refresh_from_db()
    assert wechat_account.mini_app_id != "wx-b"
    assert WeChatAccount.objects.get(enterprise=admin_b.membership.enterprise).mini_app_id == "wx-b"


def test_channel_and_mass_message_through_the_admin(
    login,
    fake,
    admin_a,
    enterprise_a,
    salesperson_a,
    salesperson_b,
    wechat_account,
    django_capture_on_commit_callbacks,
):
    link_salesperson(salesperson_a, "alice")
    client = login(admin_a)
    channels = client.get(reverse("wechat_channels"))
    assert salesperson_b.display_name.encode() not in channels.content  # choices stay in the enterprise
    client.post(
        reverse("wechat_channels"), {"channel-name": "Booth", "channel-salespeople": [salesperson_a.pk]}
    )
    channel = ChannelCode.objects.get(enterprise=enterprise_a)
    ExternalContact.objects.create(
        enterprise=enterprise_a,
        salesperson=salesperson_a,
        external_userid="c1",
        channel=channel,
        added_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wechat_mass"), {"content": "Spring offer"})
    message = MassMessage.objects.get(enterprise=enterprise_a)
    assert response.status_code == 302
    assert message.tasks.get().status == "submitted"
    detail = client.get(reverse("wechat_mass_detail", args=[message.pk]))
    assert detail.status_code == 200 and salesperson_a.display_name.encode() in detail.content


def test_salesperson_replies_from_the_admin_and_others_cannot_open_it(
    login, fake, enterprise_a, wechat_account, salesperson_a, other_salesperson_a
):
    from trackers.services import visitor_identify

    visitor = visitor_identify(enterprise=enterprise_a, openid="o-1")
    conversation = services.conversation_open(visitor=visitor, salesperson=salesperson_a)
    url = reverse("wechat_chat_detail", args=[conversation.pk])
    assert login(other_salesperson_a.user).get(url).status_code in (302, 403)  # Wagtail redirects on denial
    client = login(salesperson_a.user)
    assert client.get(url).status_code == 200
    client.post(url, {"body": "Hello from Alice"})
    assert ChatMessage.objects.filter(conversation=conversation, sender="salesperson").count() == 1


def test_demo_seed_is_idempotent_and_needs_no_credentials(settings):
    from enterprises import demo as enterprise_demo
    from wechat import demo

    settings.WECHAT_API_BASE = settings.WECOM_API_BASE = ""
    context = enterprise_demo.seed()
    demo.seed_content(context)
    counts = (ChannelCode.objects.count(), ExternalContact.objects.count(), ChatMessage.objects.count())
    demo.seed_content(context)
    assert counts == (
        ChannelCode.objects.count(),
        ExternalContact.objects.count(),
        ChatMessage.objects.count(),
    )
    assert counts[0] == 1 and counts[1] == 3
    assert SalespersonWeChat.objects.count() == 3
    # the demo account logs in demo codes and makes mini-program codes through the in-process fake
    account = WeChatAccount.objects.get(enterprise=context.enterprise)
    visitor = services.wechat_login(enterprise=context.enterprise, code="demo-someone")
    assert visitor.openid
    code = services.share_code_png(
        enterprise=context.enterprise, share_token="abc123", h5_url="http://x/s/abc"
    )
    assert code.kind == "wxacode" and code.png.startswith(b"\x89PNG")
    assert account.is_demo


def test_share_code_falls_back_to_a_qr_of_the_h5_link(enterprise_a):
    code = services.share_code_png(
        enterprise=enterprise_a, share_token="abc", h5_url="http://testserver/s/abc"
    )
    assert code.kind == "qr" and code.png.startswith(b"\x89PNG")


def test_dashboard_shows_the_missing_steps_to_admins_only(login, admin_a, salesperson_a):
    assert b"WeChat set-up" in login(admin_a).get(reverse("wagtailadmin_home")).content
    assert b"WeChat set-up" not in login(salesperson_a.user).get(reverse("wagtailadmin_home")).content


def test_wechat_profile_form_refuses_another_enterprises_salesperson(
    login, admin_a, salesperson_a, salesperson_b
):
    client = login(admin_a)
    url = reverse("wagtailsnippets_wechat_salespersonwechat:add")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"salesperson": salesperson_b.pk, "wecom_userid": "x", "notification_channel": "inbox"}
    )
    assert response.status_code == 200 and not SalespersonWeChat.objects.exists()
    response = client.post(
        url, {"salesperson": salesperson_a.pk, "wecom_userid": "x", "notification_channel": "inbox"}
    )
    assert response.status_code == 302
    assert SalespersonWeChat.objects.get().enterprise == salesperson_a.enterprise


def test_wechat_profile_rejects_a_duplicate_wecom_userid(login, admin_a, salesperson_a, other_salesperson_a):
    link_salesperson(salesperson_a, "dup")
    response = login(admin_a).post(
        reverse("wagtailsnippets_wechat_salespersonwechat:add"),
        {"salesperson": other_salesperson_a.pk, "wecom_userid": "dup", "notification_channel": "inbox"},
    )
    assert response.status_code == 200 and b"already has this WeCom UserID" in response.content
    assert SalespersonWeChat.objects.count() == 1


def test_salesperson_chooses_their_own_notification_channel(login, salesperson_a, admin_a):
    client = login(salesperson_a.user)
    assert client.get(reverse("wechat_me")).status_code == 200
    client.post(reverse("wechat_me"), {"notification_channel": "wecom_app", "chat_welcome": "Hi!"})
    profile = SalespersonWeChat.objects.get(salesperson=salesperson_a)
    assert (profile.notification_channel, profile.chat_welcome, profile.enterprise) == (
        "wecom_app",
        "Hi!",
        salesperson_a.enterprise,
    )
    assert client.get(reverse("wechat_todos")).status_code == 200
    # an admin without a salesperson profile has no "my WeChat"
    assert login(admin_a).get(reverse("wechat_me")).status_code in (302, 403)
