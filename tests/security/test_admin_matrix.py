"""Admin tenancy matrix generated from the registered snippet viewsets of our own apps.

Enterprise A is the full demo (every app's demo.py), so each model has real objects; for every
object of A: anonymous is sent to login, A's admin can open it (the control), B's admin is refused
and B's listing never shows the object's identifying string. Models registered later are covered
automatically.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from wagtail.snippets.models import get_snippet_models

from enterprises.models import Enterprise

OUR_APPS = {"enterprises", "microsites", "sites", "articles", "cards", "posters", "leadforms", "salesfiles",
            "files", "products", "trackers", "crm", "wechat"}


def _cases():
    for model in get_snippet_models():
        if model._meta.app_label in OUR_APPS and any(f.name == "enterprise" for f in model._meta.fields):
            yield model


@pytest.mark.django_db
def test_admin_b_cannot_open_or_list_objects_of_a(client, admin_b, django_user_model):
    # Given the demo enterprise A with content in every app, and B's admin
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    a = Enterprise.objects.get(slug="demo")
    admin_a = django_user_model.objects.get(username="demo-admin")
    checked = 0
    for model in _cases():
        viewset = getattr(model, "snippet_viewset", None)
        if viewset is None:
            continue
        objects = list(model.objects.filter(enterprise=a)[:3])
        for obj in objects:
            edit_url = viewset.get_url_name("edit")
            from django.urls import reverse
            url = reverse(edit_url, args=[obj.pk])
            # anonymous -> login
            client.logout()
            response = client.get(url)
            assert response.status_code == 302 and "login" in response["Location"], (model, url)
            # A's admin (control) can open it
            client.force_login(admin_a)
            assert client.get(url).status_code == 200, (model, url)
            # B's admin cannot
            client.force_login(admin_b)
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (model, url, response.status_code)
            label = str(obj)
            if len(label) >= 8:
                listing = client.get(reverse(viewset.get_url_name("list")))
                assert label not in listing.content.decode(), (model, label)
            checked += 1
    assert checked >= 5, "the demo should give objects to check"
