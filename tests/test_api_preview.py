"""Headless preview tokens: the draft is readable for ≤ 1 h, only on its own enterprise."""

from __future__ import annotations

import time

from django.core import signing

from api.preview import PREVIEW_SALT, preview_token_issue
from sites.models import MicrositeHomePage
from tests.test_api_content import codes, gql, publish_home

PREVIEW = """query($t: String!) { pagePreview(token: $t) {
  id title body { __typename ... on TitleBarBlockType { title } } } }"""


def draft_home(enterprise) -> MicrositeHomePage:
    home = publish_home(enterprise, [{"type": "title_bar", "value": {"title": "Live", "subtitle": ""}}])
    home.body = [{"type": "title_bar", "value": {"title": "Draft", "subtitle": ""}}]
    home.save_revision()  # not published
    return home


def test_editor_gets_a_token_and_the_client_reads_the_draft(client, login, enterprise_a, admin_a):
    home = draft_home(enterprise_a)

    issued = login(admin_a).get(f"/graphql/preview/{home.pk}/").json()
    result = gql(client, enterprise_a, PREVIEW, {"t": issued["token"]})

    assert issued["expiresIn"] <= 3600
    assert "errors" not in result, result
    assert result["data"]["pagePreview"]["body"][0]["title"] == "Draft"


def test_expired_tampered_and_other_enterprise_tokens_are_refused(
    client, enterprise_a, enterprise_b, monkeypatch
):
    home = draft_home(enterprise_a)
    token = preview_token_issue(page=home, enterprise=enterprise_a)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    assert codes(gql(client, enterprise_a, PREVIEW, {"t": tampered})) == ["FORBIDDEN"]
    assert codes(gql(client, enterprise_b, PREVIEW, {"t": token})) == ["FORBIDDEN"]
    forged = signing.dumps({"p": home.pk, "e": enterprise_b.pk}, salt="other")
    assert codes(gql(client, enterprise_b, PREVIEW, {"t": forged})) == ["FORBIDDEN"]

    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    assert codes(gql(client, enterprise_a, PREVIEW, {"t": token})) == ["FORBIDDEN"]


def test_token_for_another_enterprises_page_cannot_be_issued(login, enterprise_a, enterprise_b, admin_a):
    other = draft_home(enterprise_b)
    assert login(admin_a).get(f"/graphql/preview/{other.pk}/").status_code == 404


def test_a_valid_signature_for_a_page_outside_the_enterprise_is_not_found(client, enterprise_a, enterprise_b):
    other = draft_home(enterprise_b)
    token = signing.dumps({"p": other.pk, "e": enterprise_a.pk}, salt=PREVIEW_SALT, compress=True)
    assert codes(gql(client, enterprise_a, PREVIEW, {"t": token})) == ["NOT_FOUND"]
