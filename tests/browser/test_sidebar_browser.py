"""The WeCom sidebar's script in Chromium with a stand-in for WeCom's JS-SDK (``window.wx``):
wx.config/agentConfig with the server's signed parameters, the chat's contact opened from
getCurContExternalContact, a script sent with sendChatMessage and its use counted."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cms.scripts.models import SalesScript
from tests.wechat_factories import link_salesperson, make_account
from wechat.models import ExternalContact

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# What WeCom's JS-SDK would do, recorded in window.__wx for the test to read.
FAKE_WX = """
window.__wx = {calls: [], config: null, agentConfig: null};
window.wx = {
  config: function (c) { window.__wx.config = c; },
  ready: function (cb) { setTimeout(cb, 0); },
  agentConfig: function (c) { window.__wx.agentConfig = c; c.success({}); },
  invoke: function (name, args, cb) {
    window.__wx.calls.push({name: name, args: args});
    if (name === "getCurContExternalContact") cb({err_msg: name + ":ok", userId: "wm1"});
    else cb({err_msg: name + ":ok"});
  }
};
"""


def test_sidebar_opens_the_chats_contact_and_sends_a_script(
    live, browser_page, fake, enterprise_a, salesperson_a
):
    account = make_account(enterprise_a, fake)
    link_salesperson(salesperson_a, "zhang")
    ExternalContact.objects.create(
        enterprise=enterprise_a,
        salesperson=salesperson_a,
        external_userid="wm1",
        name="Wang Wu",
        added_at=timezone.now(),
    )
    script = SalesScript.objects.create(enterprise=enterprise_a, title="Opening line", text="Hello from Acme")
    page = browser_page
    page.add_init_script(FAKE_WX)

    # when WeCom opens the sidebar with an OAuth code
    code = fake.state.issue_oauth_code("zhang")
    page.goto(f"{live}{reverse('wechat:sidebar_entry', args=[enterprise_a.public_key])}?code={code}")

    # then the JS-SDK is configured with the corp and the chat's contact is opened
    expect(page.get_by_role("heading", name="Wang Wu")).to_be_visible()
    page.wait_for_function("window.__wx.agentConfig !== null")
    state = page.evaluate("window.__wx")
    assert state["config"]["appId"] == account.corp_id and state["agentConfig"]["agentid"] == account.agent_id
    assert state["agentConfig"]["signature"] != state["config"]["signature"]

    # when the salesperson sends a script in one tap
    page.goto(f"{live}{reverse('wechat:sidebar_library')}")
    page.wait_for_function("window.__wx.agentConfig !== null")
    page.get_by_role("button", name="发送").first.click()
    expect(page.locator(".sb-count").first).to_have_text("已使用 1 次")
    sends = [c for c in page.evaluate("window.__wx.calls") if c["name"] == "sendChatMessage"]
    message = {"msgtype": "text", "text": {"content": "Hello from Acme"}}
    assert sends == [{"name": "sendChatMessage", "args": message}]
    script.refresh_from_db()
    assert script.use_count == 1
