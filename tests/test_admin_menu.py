"""Admin menu: an entry is shown only to users its screen lets in (the demo crawl found entries leading
to "no permission" for platform staff and salespeople)."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from enterprises.models import Role
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

GUARDED = [
    "/admin/articles/import/",
    "/admin/crm/assign/",
    "/admin/crm/import/",
    "/admin/mall/stats/",
    "/admin/cards/template-apply/",
    "/admin/crm/tag-rules/apply/",
]


def _menu_urls(client) -> set[str]:
    html = client.get("/admin/").content.decode()
    props = re.search(r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S).group(1)
    return set(re.findall(r'(/admin/[^"\\]*/)', json.loads(props) if props.startswith('"') else props))


def test_menu_entries_lead_only_to_screens_the_user_may_open(client, enterprise_a):
    platform = get_user_model().objects.create_superuser("platform-x", "p@example.com", PASSWORD)
    admin = make_member(enterprise_a, Role.ADMIN, username="menu-admin")
    sales = make_member(enterprise_a, Role.SALESPERSON, username="menu-sales")
    for user in (platform, admin, sales):
        client.force_login(user)
        shown = _menu_urls(client)
        for url in GUARDED:
            status = client.get(url).status_code
            if url in shown:
                assert status == 200, (user.username, url, status)
            else:
                assert status in (302, 403), (user.username, url, status)
    client.force_login(admin)
    assert {"/admin/crm/assign/", "/admin/crm/import/", "/admin/articles/import/"} <= _menu_urls(client)
