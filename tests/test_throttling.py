"""Issue 18 holes 5, 6 and 12 (visitor tokens), written as the attacks.

Client address behind a trusted proxy, login lockout, limits on every public write and
visitor tokens that expire.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import signing
from django.db.models import F
from django.test import RequestFactory

from cms.articles.services import article_create
from cms.leadforms.models import LeadFormSubmission
from cms.leadforms.services import leadform_create
from enterprises.client_address import client_address
from trackers.intake import VISITOR_SIGNER_SALT, visitor_token
from trackers.models import Event, Notification, Visitor
from trackers.queue import rejects_totals
from trackers.services import visitor_identify
from trackers.share import share_token_for

from .factories import PASSWORD
from .tracking_factories import event, post_batch, token_for

PROXY = "10.0.0.5"


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


# --- client address ---------------------------------------------------------------------


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request("198.51.100.9", "1.2.3.4")) == "198.51.100.9"


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # the client forged "6.6.6.6" itself; the proxy appended the address it really saw
    assert client_address(_request(PROXY, "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    # two proxy hops
    assert client_address(_request(PROXY, "203.0.113.7, 10.1.2.3")) == "203.0.113.7"
    # IPv6 and a port
    assert client_address(_request(PROXY, "[2001:db8::1]:443")) == "2001:db8::1"


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


def test_junk_in_the_forwarded_header_stops_at_the_trusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request(PROXY, "not-an-ip")) == PROXY
    assert client_address(_request(PROXY, "")) == PROXY


# --- the beacon behind the proxy --------------------------------------------------------


@pytest.mark.django_db
def test_one_flooder_behind_the_proxy_does_not_lock_out_other_visitors(client, salesperson_a, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.TRACKING_RATE_LIMIT = {"requests": 1000, "ip_requests": 5, "window": 60}
    token = token_for(salesperson_a)
    flooder = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    statuses = [
        post_batch(client, token, [event("open")], device=f"flood-{n:03d}", headers=flooder).status_code
        for n in range(8)
    ]
    assert statuses[:5] == [202] * 5
    assert statuses[5:] == [429] * 3
    # another visitor arriving through the same proxy is not in the flooder's bucket
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.23"}
    response = post_batch(client, token, [event("open")], device="honest-device", headers=other)
    assert response.status_code == 202


# --- login lockout (hole 5) -------------------------------------------------------------

LOGIN_URL = "/admin/login/"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _sign_in(client, username, password, **headers):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **{**ZH, **headers})


@pytest.mark.django_db
def test_sixty_wrong_passwords_then_the_right_one_is_refused_until_the_wait_passes(client, admin_a, settings):
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    username = admin_a.username
    answers = [_sign_in(client, username, f"guess-{n}").status_code for n in range(60)]
    # the first ten are the login form again (200); then the lockout (429)
    assert answers[:9] == [200] * 9
    assert set(answers[10:]) == {429}, answers

    right = _sign_in(client, username, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    text = right.content.decode()
    assert "登录失败次数过多" in text and "15" in text

    # when the window has passed (the recorded failures are older than the cool-off)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    after = _sign_in(client, username, PASSWORD)
    assert after.status_code == 302, after.content[:300]
    assert client.session["_auth_user_id"] == str(admin_a.pk)


@pytest.mark.django_db
def test_one_address_guessing_many_usernames_is_locked_out_but_not_others_behind_the_proxy(
    client, admin_a, settings
):
    settings.AXES_FAILURE_LIMIT = 10
    settings.TRUSTED_PROXIES = [PROXY]
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    answers = [_sign_in(client, f"user-{n}", "guess", **attacker).status_code for n in range(12)]
    assert answers[-1] == 429
    # the attacker's address may not try the real account either
    assert _sign_in(client, admin_a.username, PASSWORD, **attacker).status_code == 429
    # a colleague behind the same proxy signs in
    colleague = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.23"}
    assert _sign_in(client, admin_a.username, PASSWORD, **colleague).status_code == 302


# --- public GraphQL writes (hole 6) -----------------------------------------------------


def gql(client, enterprise, query, variables, **headers):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise.public_key,
        **{**ZH, **headers},
    )
    assert response.status_code in (200, 400), response.content[:500]
    return response.json()


def codes(result) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors", [])]


VISITOR_SESSION = """mutation($t: String!, $d: String!) {
    visitorSession(shareToken: $t, deviceId: $d) { visitorToken visitorId } }"""
SUBMIT_FORM = """mutation($id: ID!, $data: GenericScalar!, $vt: String, $t: String) {
    submitForm(formId: $id, data: $data, visitorToken: $vt, shareToken: $t) { ok submissionId } }"""


@pytest.fixture
def article_token(enterprise_a, salesperson_a):
    article = article_create(enterprise=enterprise_a, title="Pumps", body=[], publish=True)
    return share_token_for(article.specific, salesperson_a)


@pytest.mark.django_db
def test_visitor_session_flood_is_limited_per_device_and_per_address(
    client, enterprise_a, article_token, settings
):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PUBLIC_WRITE_LIMITS = {
        **settings.PUBLIC_WRITE_LIMITS,
        "visitor_session": {"device": 3, "ip": 20},
    }
    flooder = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    # one device asking again and again
    same = [
        codes(
            gql(client, enterprise_a, VISITOR_SESSION, {"t": article_token, "d": "device-000001"}, **flooder)
        )
        for _ in range(5)
    ]
    assert same == [[], [], [], ["LIMIT"], ["LIMIT"]]
    # a new device id per call (300 calls) from the same address
    results = [
        gql(client, enterprise_a, VISITOR_SESSION, {"t": article_token, "d": f"flood-{n:06d}"}, **flooder)
        for n in range(300)
    ]
    limited = [r for r in results if codes(r) == ["LIMIT"]]
    assert len(limited) == 300 - (20 - 5)
    assert Visitor.objects.count() == 1 + (20 - 5)
    error = limited[0]["errors"][0]
    assert "请求过于频繁" in error["message"] and error["extensions"]["retryAfter"] >= 1
    # another visitor through the same proxy is not in the flooder's bucket
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.23"}
    assert (
        codes(gql(client, enterprise_a, VISITOR_SESSION, {"t": article_token, "d": "honest-0001"}, **other))
        == []
    )


@pytest.mark.django_db
def test_submit_form_flood_creates_at_most_the_limit_of_leads(
    client, enterprise_a, salesperson_a, article_token, settings
):
    settings.PUBLIC_WRITE_LIMITS = {**settings.PUBLIC_WRITE_LIMITS, "submit_form": {"device": 5, "ip": 8}}
    form = leadform_create(
        enterprise=enterprise_a,
        title="Contact",
        fields=[{"label": "Name", "field_type": "singleline", "required": True}],
    )
    session = gql(client, enterprise_a, VISITOR_SESSION, {"t": article_token, "d": "device-000001"})
    token = session["data"]["visitorSession"]["visitorToken"]
    data = {"name": "Li"}
    # 100 submits of one visitor: its device bucket (5) stops them before its address's (8)
    one = {"REMOTE_ADDR": "198.51.100.1"}
    with_visitor = [
        codes(gql(client, enterprise_a, SUBMIT_FORM, {"id": form.pk, "data": data, "vt": token}, **one))
        for _ in range(100)
    ]
    assert with_visitor[:5] == [[]] * 5 and set(map(tuple, with_visitor[5:])) == {("LIMIT",)}
    # without a visitor token only the address counts
    two = {"REMOTE_ADDR": "198.51.100.2"}
    anonymous = [
        codes(gql(client, enterprise_a, SUBMIT_FORM, {"id": form.pk, "data": data}, **two)) for _ in range(10)
    ]
    assert anonymous == [[]] * 8 + [["LIMIT"]] * 2
    assert LeadFormSubmission.objects.count() == 13
    assert Notification.objects.filter(kind="form_submit").count() <= 13


@pytest.mark.django_db
def test_mini_program_login_is_limited_per_address(client, enterprise_a, settings):
    settings.PUBLIC_WRITE_LIMITS = {**settings.PUBLIC_WRITE_LIMITS, "login": {"device": 0, "ip": 4}}
    mutation = "mutation($c: String!) { login(code: $c) { visitorToken } }"
    answers = [codes(gql(client, enterprise_a, mutation, {"c": f"code-{n}"})) for n in range(6)]
    assert all(answer != ["LIMIT"] for answer in answers[:4])
    assert answers[4:] == [["LIMIT"], ["LIMIT"]]


# --- visitor tokens expire (hole 12) ----------------------------------------------------


def _token_issued_days_ago(visitor, days: int, monkeypatch) -> str:
    real = time.time
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: real() - days * 86400)
        return visitor_token(visitor)


@pytest.mark.django_db
def test_an_expired_visitor_token_is_answered_like_a_new_device(
    client, enterprise_a, salesperson_a, article_token, settings, monkeypatch
):
    settings.VISITOR_TOKEN_MAX_AGE = 180 * 86400
    visitor = visitor_identify(enterprise=enterprise_a, device_id="device-old-01")
    fresh = _token_issued_days_ago(visitor, 179, monkeypatch)
    expired = _token_issued_days_ago(visitor, 181, monkeypatch)
    undated = signing.Signer(salt=VISITOR_SIGNER_SALT).sign(f"{enterprise_a.pk}.{visitor.pk}")
    form = leadform_create(
        enterprise=enterprise_a,
        title="Contact",
        fields=[{"label": "Name", "field_type": "singleline", "required": True}],
    )
    # a token still in its age names the visitor
    ok = gql(client, enterprise_a, SUBMIT_FORM, {"id": form.pk, "data": {"name": "Li"}, "vt": fresh})
    assert ok["data"]["submitForm"]["ok"] is True
    assert (
        LeadFormSubmission.objects.get(pk=ok["data"]["submitForm"]["submissionId"]).visitor_id == visitor.pk
    )
    # an expired or undated one: accepted like a new device, with no visitor named
    for token in (expired, undated):
        result = gql(client, enterprise_a, SUBMIT_FORM, {"id": form.pk, "data": {"name": "Li"}, "vt": token})
        assert "errors" not in result, result
        submission = LeadFormSubmission.objects.get(pk=result["data"]["submitForm"]["submissionId"])
        assert submission.visitor_id is None
    # a forged one is still refused
    forged = expired[:-2] + ("AA" if not expired.endswith("AA") else "BB")
    assert codes(
        gql(client, enterprise_a, SUBMIT_FORM, {"id": form.pk, "data": {"name": "Li"}, "vt": forged})
    ) == ["FORBIDDEN"]
    # the beacon: an expired visitor token with the device id counts as that device
    beacon = token_for(salesperson_a)
    payload = {"token": beacon, "visitor": expired, "device": "device-new-02", "events": [event("open")]}
    response = client.post("/t/", data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 202, response.content
    assert Event.objects.filter(visitor__device_id="device-new-02").count() == 1
    # without a device id it is refused by reason, not as a forgery
    response = post_batch(client, beacon, [event("open")], visitor=expired)
    assert response.status_code == 401 and response.json() == {"error": "visitor_expired"}
    assert rejects_totals().get("visitor_expired") == 1
    # visitorSession renews: a new dated token naming the same visitor
    renewed = gql(client, enterprise_a, VISITOR_SESSION, {"t": article_token, "d": "device-old-01"})
    token = renewed["data"]["visitorSession"]["visitorToken"]
    assert token.count(":") == 2 and renewed["data"]["visitorSession"]["visitorId"] == str(visitor.pk)
