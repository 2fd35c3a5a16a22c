"""Login and visitor ↔ salesperson chat through /graphql/ (WX-1, IM-1), against the fake WeChat server."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from trackers.models import Visitor
from wechat.models import ChatMessage, Conversation

from .wechat_factories import make_account

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = pytest.mark.django_db


@dataclass
class Result:
    data: dict | None
    errors: list | None


def gql(query, *, enterprise=None, token=None, user=None, **variables):
    """POST an operation to /graphql/ with the headers a client sends (session for salespeople)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    headers = {}
    if enterprise is not None:
        headers["HTTP_X_ENTERPRISE_KEY"] = enterprise.public_key
    if token:
        headers["HTTP_X_VISITOR_TOKEN"] = token
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json", **headers
    )
    assert response.status_code in (200, 400), response.content
    body = response.json()
    return Result(data=body.get("data"), errors=body.get("errors"))


def error_code(result):
    assert result.errors, result
    return result.errors[0]["extensions"]["code"]


LOGIN = "mutation($code: String!) { login(code: $code) { visitorToken visitorId hasPhone } }"
OPEN = "mutation($sp: ID!) { chatOpen(salespersonId: $sp) { id salesperson { displayName } } }"
SEND = "mutation($c: ID!, $body: String!) { chatSend(conversationId: $c, body: $body) { id sender body } }"
POLL = (
    "query($c: ID!, $after: Int) "
    "{ chatMessages(conversationId: $c, afterId: $after) { id sender kind body } }"
)


def login(fake, account, enterprise, openid="o-visitor", unionid="u-visitor"):
    code = fake.state.issue_login_code(appid=account.mini_app_id, openid=openid, unionid=unionid)
    result = gql(LOGIN, enterprise=enterprise, code=code)
    assert not result.errors, result.errors
    return result.data["login"]["visitorToken"]


def test_login_creates_the_visitor_and_a_second_login_finds_it(fake, enterprise_a, wechat_account):
    token = login(fake, wechat_account, enterprise_a)
    again = login(fake, wechat_account, enterprise_a)
    visitor = Visitor.objects.get(enterprise=enterprise_a)
    assert (visitor.openid, visitor.unionid) == ("o-visitor", "u-visitor")
    assert token == again


def test_login_with_bad_code_or_no_enterprise_is_a_clear_error(fake, enterprise_a, wechat_account):
    assert error_code(gql(LOGIN, enterprise=enterprise_a, code="bogus")) == "VALIDATION"
    assert error_code(gql(LOGIN, code="bogus")) == "NOT_FOUND"
    assert error_code(gql(LOGIN, enterprise=enterprise_a, code="")) == "VALIDATION"
    assert not Visitor.objects.exists()


def test_first_open_posts_the_welcome_once(fake, enterprise_a, wechat_account, salesperson_a):
    token = login(fake, wechat_account, enterprise_a)
    opened = gql(OPEN, enterprise=enterprise_a, token=token, sp=salesperson_a.pk).data["chatOpen"]
    gql(OPEN, enterprise=enterprise_a, token=token, sp=salesperson_a.pk)
    messages = gql(POLL, enterprise=enterprise_a, token=token, c=opened["id"]).data["chatMessages"]
    assert [(m["sender"], m["kind"]) for m in messages] == [("system", "welcome")]
    assert messages[0]["body"] == wechat_account.welcome_message


def test_conversation_round_trip_and_one_notification_per_unread_burst(
    fake, enterprise_a, wechat_account, salesperson_a, django_capture_on_commit_callbacks
):
    token = login(fake, wechat_account, enterprise_a)
    conversation = gql(OPEN, enterprise=enterprise_a, token=token, sp=salesperson_a.pk).data["chatOpen"]["id"]
    assert gql(SEND, enterprise=enterprise_a, token=token, c=conversation, body="Price of model X?").data
    # the salesperson polls and sees the question, then replies twice
    seen = gql(POLL, user=salesperson_a.user, c=conversation, after=0).data["chatMessages"]
    assert seen[-1]["body"] == "Price of model X?"
    with django_capture_on_commit_callbacks(execute=True):
        gql(SEND, user=salesperson_a.user, c=conversation, body="It is 999.")
        gql(SEND, user=salesperson_a.user, c=conversation, body="Shall I call you?")
    [notice] = fake.state.sent("subscribe")
    assert notice["touser"] == "o-visitor" and notice["template_id"] == wechat_account.subscribe_template_id
    # the visitor reads (polls after the last seen id); the next reply notifies again
    fresh = gql(POLL, enterprise=enterprise_a, token=token, c=conversation, after=seen[-1]["id"]).data[
        "chatMessages"
    ]
    assert [m["body"] for m in fresh] == ["It is 999.", "Shall I call you?"]
    with django_capture_on_commit_callbacks(execute=True):
        gql(SEND, user=salesperson_a.user, c=conversation, body="Here is the brochure.")
    assert len(fake.state.sent("subscribe")) == 2


def test_a_third_party_cannot_read_or_write_a_conversation(
    fake,
    enterprise_a,
    enterprise_b,
    wechat_account,
    salesperson_a,
    other_salesperson_a,
    admin_a,
    salesperson_b,
):
    token = login(fake, wechat_account, enterprise_a)
    conversation = gql(OPEN, enterprise=enterprise_a, token=token, sp=salesperson_a.pk).data["chatOpen"]["id"]
    gql(SEND, enterprise=enterprise_a, token=token, c=conversation, body="private")
    other_visitor = login(fake, wechat_account, enterprise_a, openid="o-other", unionid="u-other")
    account_b = make_account(enterprise_b, fake)
    visitor_b = login(fake, account_b, enterprise_b, openid="o-b", unionid="u-b")
    outsiders = [
        {"enterprise": enterprise_a, "token": other_visitor},
        {"user": other_salesperson_a.user},
        {"user": admin_a},
        {"user": salesperson_b.user},
        {"enterprise": enterprise_b, "token": visitor_b},
    ]
    for who in outsiders:
        assert error_code(gql(POLL, c=conversation, **who)) in {"NOT_FOUND", "FORBIDDEN"}, who
        assert error_code(gql(SEND, c=conversation, body="hi", **who)) in {"NOT_FOUND", "FORBIDDEN"}, who
    # a visitor token of enterprise B presented to enterprise A is refused outright
    assert error_code(gql(POLL, enterprise=enterprise_a, token=visitor_b, c=conversation)) == "FORBIDDEN"
    assert error_code(gql(POLL, c=conversation)) == "FORBIDDEN"
    assert ChatMessage.objects.filter(body="hi").count() == 0
    # and the conversation lists stay separate
    listed = gql("{ chatConversations { id } }", user=other_salesperson_a.user).data["chatConversations"]
    assert listed == []


def test_open_with_a_salesperson_of_another_enterprise_is_not_found(
    fake, enterprise_a, wechat_account, salesperson_b
):
    token = login(fake, wechat_account, enterprise_a)
    assert error_code(gql(OPEN, enterprise=enterprise_a, token=token, sp=salesperson_b.pk)) == "NOT_FOUND"
    assert error_code(gql(OPEN, enterprise=enterprise_a, token=token, sp="junk")) == "NOT_FOUND"
    assert not Conversation.objects.exists()


def test_visitor_shares_a_phone_into_the_chat(fake, enterprise_a, wechat_account, salesperson_a):
    token = login(fake, wechat_account, enterprise_a)
    conversation = gql(OPEN, enterprise=enterprise_a, token=token, sp=salesperson_a.pk).data["chatOpen"]["id"]
    code = fake.state.issue_phone_code("13700001111")
    result = gql(
        "mutation($c: ID!, $code: String!) { chatSharePhone(conversationId: $c, code: $code) { kind body } }",
        enterprise=enterprise_a,
        token=token,
        c=conversation,
        code=code,
    )
    assert result.data["chatSharePhone"] == {"kind": "phone", "body": "13700001111"}
    assert Visitor.objects.get(enterprise=enterprise_a).phone == "13700001111"
    # a used code is refused with a clear message
    again = gql(
        "mutation($code: String!) { sharePhone(code: $code) { phone } }",
        enterprise=enterprise_a,
        token=token,
        code=code,
    )
    assert error_code(again) == "VALIDATION"


def test_bad_messages_are_validation_errors(fake, enterprise_a, wechat_account, salesperson_a):
    token = login(fake, wechat_account, enterprise_a)
    conversation = gql(OPEN, enterprise=enterprise_a, token=token, sp=salesperson_a.pk).data["chatOpen"]["id"]
    assert (
        error_code(gql(SEND, enterprise=enterprise_a, token=token, c=conversation, body="   "))
        == "VALIDATION"
    )
    assert (
        error_code(gql(SEND, enterprise=enterprise_a, token=token, c=conversation, body="x" * 2001))
        == "VALIDATION"
    )
    assert error_code(gql(POLL, enterprise=enterprise_a, token=token, c="not-a-number")) == "NOT_FOUND"
    assert error_code(gql(POLL, enterprise=enterprise_a, token="forged:token", c=conversation)) == "FORBIDDEN"


def test_chat_opens_from_the_share_token_of_a_card(
    fake, enterprise_a, enterprise_b, wechat_account, salesperson_a, salesperson_b
):
    from trackers.share import share_token_make

    token = login(fake, wechat_account, enterprise_a)
    share = share_token_make(
        enterprise_id=enterprise_a.pk, salesperson_id=salesperson_a.pk, kind="card", target_id=7
    )
    query = "mutation($s: String) { chatOpen(shareToken: $s) { salesperson { id } } }"
    opened = gql(query, enterprise=enterprise_a, token=token, s=share)
    assert opened.data["chatOpen"]["salesperson"]["id"] == salesperson_a.pk
    foreign = share_token_make(
        enterprise_id=enterprise_b.pk, salesperson_id=salesperson_b.pk, kind="card", target_id=7
    )
    assert error_code(gql(query, enterprise=enterprise_a, token=token, s=foreign)) == "NOT_FOUND"
    assert error_code(gql(query, enterprise=enterprise_a, token=token, s="garbage-token-xx")) == "VALIDATION"
