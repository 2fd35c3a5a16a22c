"""The WeChat adapter against the local fake server (WX-1): login, codes, tokens, wxacode, messages."""

from __future__ import annotations

import threading

import pytest
import requests

from wechat import adapter
from wechat.fake_server import FakeServer, FakeState

pytest_plugins = ["tests.wechat_fixtures"]

pytestmark = pytest.mark.django_db


def test_login_code_gives_openid_and_unionid(fake, wechat_account):
    # given a code the fake issued for a user of this mini-program
    code = fake.state.issue_login_code(appid=wechat_account.mini_app_id, openid="o-alice", unionid="u-alice")
    # when the adapter exchanges it
    session = adapter.mini_program_client(wechat_account).code2session(code)
    # then it gets that user's ids
    assert (session.openid, session.unionid) == ("o-alice", "u-alice")
    assert session.session_key


def test_invalid_and_reused_codes_are_refused_with_their_errcode(fake, wechat_account):
    client = adapter.mini_program_client(wechat_account)
    with pytest.raises(adapter.WeChatError) as invalid:
        client.code2session("no-such-code")
    assert invalid.value.errcode == 40029

    code = fake.state.issue_login_code(appid=wechat_account.mini_app_id, openid="o-bob")
    client.code2session(code)
    with pytest.raises(adapter.WeChatError) as reused:
        client.code2session(code)
    assert reused.value.errcode == 40163


def test_code_of_another_mini_program_is_invalid(fake, wechat_account):
    code = fake.state.issue_login_code(appid="wx-someone-else", openid="o-x")
    with pytest.raises(adapter.WeChatError) as error:
        adapter.mini_program_client(wechat_account).code2session(code)
    assert error.value.errcode == 40029


def test_wrong_secret_is_a_clear_error(fake, wechat_account):
    wechat_account.mini_app_secret = "wrong"
    with pytest.raises(adapter.WeChatError) as error:
        adapter.mini_program_client(wechat_account).phone_number("whatever")
    assert error.value.errcode == 40001


def test_missing_credentials_raise_not_configured(wechat_account):
    wechat_account.mini_app_id = ""
    with pytest.raises(adapter.NotConfigured):
        adapter.mini_program_client(wechat_account)


def test_phone_number_by_code(fake, wechat_account):
    code = fake.state.issue_phone_code("13912345678")
    assert adapter.mini_program_client(wechat_account).phone_number(code) == "13912345678"
    with pytest.raises(adapter.WeChatError) as error:
        adapter.mini_program_client(wechat_account).phone_number(code)
    assert error.value.errcode == 40029


def test_wxacode_unlimited_returns_a_png(fake, wechat_account):
    image = adapter.mini_program_client(wechat_account).wxacode_unlimited(
        scene="s.abc123", page="pages/card/index"
    )
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(adapter.WeChatError) as error:
        adapter.mini_program_client(wechat_account).wxacode_unlimited(scene="x" * 33)
    assert error.value.errcode == 40169


def test_token_is_cached_and_shared_between_clients(fake, wechat_account):
    adapter.mini_program_client(wechat_account).wxacode_unlimited(scene="a")
    adapter.mini_program_client(wechat_account).wxacode_unlimited(scene="b")
    assert fake.state.token_requests == 1


def test_expired_token_is_refreshed_and_the_call_retried(fake, wechat_account):
    client = adapter.mini_program_client(wechat_account)
    client.wxacode_unlimited(scene="a")
    fake.state.expire_tokens()
    # the server answers 42001 once; the adapter refreshes and the call still succeeds
    assert client.wxacode_unlimited(scene="b").startswith(b"\x89PNG")
    assert fake.state.token_requests == 2


def test_concurrent_cold_start_fetches_one_token(fake, wechat_account):
    results, errors = [], []

    def worker():
        try:
            results.append(adapter.mini_program_client(wechat_account).access_token())
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    assert fake.state.token_requests == 1


def test_concurrent_calls_after_expiry_refresh_once(fake, wechat_account):
    # given a cached token that the server then expires
    adapter.mini_program_client(wechat_account).access_token()
    fake.state.expire_tokens()
    errors = []

    def worker(n):
        try:
            adapter.mini_program_client(wechat_account).wxacode_unlimited(scene=f"s{n}")
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    # when twelve workers all hit 42001 at once
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every call succeeded and exactly one new token was fetched
    assert not errors
    assert fake.state.token_requests == 2


def test_subscribe_message_is_sent_and_refusal_surfaces(fake, wechat_account):
    client = adapter.mini_program_client(wechat_account)
    msgid = client.subscribe_send(
        openid="o-v", template_id="t1", data={"thing1": "Alice replied"}, page="pages/chat"
    )
    assert msgid
    [sent] = fake.state.sent("subscribe")
    assert sent["touser"] == "o-v" and sent["data"] == {"thing1": {"value": "Alice replied"}}
    fake.state.refusing_openids.add("o-no")
    with pytest.raises(adapter.WeChatError) as error:
        client.subscribe_send(openid="o-no", template_id="t1", data={})
    assert error.value.errcode == 43101


def test_unreachable_server_is_a_wechat_error(settings, wechat_account):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"
    with pytest.raises(adapter.WeChatError) as error:
        adapter.mini_program_client(wechat_account).code2session("x")
    assert error.value.errcode == -1


def test_demo_account_uses_the_in_process_fake(settings, wechat_account):
    # given no API base configured and a demo account with made-up credentials
    settings.WECHAT_API_BASE = ""
    wechat_account.is_demo = True
    wechat_account.mini_app_id, wechat_account.mini_app_secret = "wxdemo-adapter-test", "demo-secret"
    # then demo codes log in and QR codes are PNGs without any real credentials
    client = adapter.mini_program_client(wechat_account)
    assert client.credentials.api_base.startswith("http://127.0.0.1:")
    assert client.code2session("demo-alice").openid == client.code2session("demo-alice").openid
    assert client.wxacode_unlimited(scene="abc").startswith(b"\x89PNG")


def test_real_account_goes_to_the_real_host(settings, wechat_account):
    settings.WECHAT_API_BASE = ""
    settings.WECOM_API_BASE = ""
    assert adapter.mini_program_client(wechat_account).credentials.api_base == adapter.WECHAT_HOST
    assert adapter.wecom_client(wechat_account).credentials.api_base == adapter.WECOM_HOST


def test_fake_server_runs_standalone_controls():
    server = FakeServer(state=FakeState(auto_register=True)).start()
    try:
        token = requests.get(
            f"{server.url}/cgi-bin/gettoken", params={"corpid": "ww1", "corpsecret": "s"}, timeout=5
        ).json()
        assert token["errcode"] == 0 and token["access_token"]
        missing = requests.post(f"{server.url}/cgi-bin/message/send", json={}, timeout=5).json()
        assert missing["errcode"] == 41001
        code = requests.post(
            f"{server.url}/_fake/login-code", json={"appid": "wx1", "openid": "o1"}, timeout=5
        ).json()["code"]
        session = requests.get(
            f"{server.url}/sns/jscode2session",
            params={"appid": "wx1", "secret": "s", "js_code": code, "grant_type": "authorization_code"},
            timeout=5,
        ).json()
        assert session["openid"] == "o1"
    finally:
        server.stop()


def test_share_code_endpoint_serves_the_wxacode_with_the_token_as_scene(
    client, fake, enterprise_a, wechat_account, salesperson_a
):
    from django.urls import reverse

    from trackers.share import share_token_make

    token = share_token_make(
        enterprise_id=enterprise_a.pk, salesperson_id=salesperson_a.pk, kind="card", target_id=1
    )
    response = client.get(reverse("wechat:share_code", args=[token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Code-Kind"] == "wxacode" and response.content.startswith(b"\x89PNG")
    # the code is cached: a second request does not call WeChat again
    again = client.get(reverse("wechat:share_code", args=[token]))
    assert again.content == response.content
    assert fake.state.calls["/wxa/getwxacodeunlimit"] == 1
    # a forged token is a 404, not a 500
    assert client.get(reverse("wechat:share_code", args=["A" * 20])).status_code == 404


def test_share_code_endpoint_falls_back_to_plain_qr_without_mini_program(client, enterprise_a, salesperson_a):
    from django.urls import reverse

    from trackers.share import share_token_make

    token = share_token_make(
        enterprise_id=enterprise_a.pk, salesperson_id=salesperson_a.pk, kind="card", target_id=1
    )
    response = client.get(reverse("wechat:share_code", args=[token]))
    assert response.status_code == 200 and response["X-Code-Kind"] == "qr"


def test_wechat_subscription_channel_notifies_salespeople_who_chose_it(
    fake, enterprise_a, wechat_account, salesperson_a, other_salesperson_a
):
    from trackers.models import Notification
    from trackers.notifications import notification_dispatch
    from wechat.models import SalespersonWeChat

    SalespersonWeChat.objects.create(
        salesperson=salesperson_a,
        enterprise=enterprise_a,
        openid="o-sales-a",
        notification_channel="wechat_subscribe",
    )
    notifications = [
        Notification.objects.create(
            enterprise=enterprise_a, salesperson=person, kind="visitor_open", title="Opened"
        )
        for person in (salesperson_a, other_salesperson_a)
    ]
    notification_dispatch(notifications=notifications)
    [sent] = fake.state.sent("subscribe")
    assert sent["touser"] == "o-sales-a"
