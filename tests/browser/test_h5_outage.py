"""Issue 18, hole 11 in Chromium: a form sent while PostgreSQL is unreachable keeps the visitor's input.

The database goes away for real (the live server's next connection goes to a closed port), the H5
client gets /graphql/'s JSON UNAVAILABLE (503) and says "try again" in Chinese next to the form,
the typed values stay; once the database is back, the same form is sent without retyping.
"""

import socket

import pytest
from django.db import connections
from playwright.sync_api import expect

from cms.leadforms.models import LeadFormSubmission
from cms.leadforms.services import leadform_create
from trackers.share import share_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_form_sent_during_a_database_outage_keeps_the_input(
    live, browser_page, enterprise_a, salesperson_a, shot
):
    form = leadform_create(
        enterprise=enterprise_a,
        title="预约演示",
        fields=[
            {"label": "姓名", "field_type": "singleline", "required": True},
            {"label": "手机", "field_type": "phone", "required": True},
        ],
    )
    page = browser_page
    page.goto(share_url(form, salesperson_a))
    h5_form = page.locator("form[data-form-id]")
    expect(h5_form).to_be_visible()
    h5_form.get_by_label("姓名").fill("张三")
    h5_form.get_by_label("手机").fill("13800138000")

    # PostgreSQL unreachable: every thread's next connection (CONN_MAX_AGE 0) goes to a closed port.
    settings_dict = connections["default"].settings_dict  # the same dict for the live server's thread
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connections["default"].close()
    settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        h5_form.get_by_role("button").click()
        alert = h5_form.locator('[data-error-for="__all__"]')
        expect(alert).to_be_visible()
        expect(alert).to_contain_text("服务暂时不可用")
        expect(alert).to_contain_text("请稍后重试")
        expect(alert).to_have_attribute("data-code", "UNAVAILABLE")
        expect(h5_form.get_by_label("姓名")).to_have_value("张三")
        expect(h5_form.get_by_label("手机")).to_have_value("13800138000")
        shot(page, "h5-form-outage")
    finally:
        settings_dict.update(HOST=saved[0], PORT=saved[1])
        connections["default"].close()

    # Back up: the same click sends what was typed, without retyping.
    expect(h5_form.get_by_role("button")).to_be_enabled()
    h5_form.get_by_role("button").click()
    expect(page.locator(".h5-thanks")).to_be_visible()
    submission = LeadFormSubmission.objects.get()
    assert "张三" in str(submission.form_data) and "13800138000" in str(submission.form_data)
