"""The Wagtail admin in a real Chromium: an operator signs in and reaches the dashboard."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_operator_signs_in_to_the_admin(live, browser_page, admin_a, shot):
    # given an enterprise admin and the login screen
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live}/admin/login/")

    # when the wrong password is tried, then the right one
    page.fill("input[name=username]", admin_a.username)
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_text("不匹配")).to_be_visible()  # the browser asks for zh-CN
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    # then the dashboard is shown, styled (static files served)
    page.wait_for_url(f"{live}/admin/")
    expect(page.locator("main")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    shot(page, "admin-dashboard")
