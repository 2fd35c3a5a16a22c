"""Headless preview tokens: the draft is readable for ≤ 1 h, only on its own enterprise."""

from __future__ import annotations

import json
import re
import time

from django.core import signing

from api.core.persisted import OPERATIONS_DIR
from sites.models import MicrositeHomePage
from sites.preview import PREVIEW_SALT, preview_token_issue
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


# --- Wagtail's editor "Preview" opens the H5 client (contract 2) -----------------------------


def editor_preview(editor, page, body) -> HttpResponse:  # noqa: F821
    """What the editor's preview panel does: post the unsaved form, then load the preview."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    url = f"/admin/pages/{page.pk}/edit/preview/"
    data = nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "theme_colour": "#1a73e8",
            "share_description": "",
            "phone_policy": "none",
            "body": streamfield(body),
            "comments": inline_formset([]),
        }
    )
    posted = editor.post(url, data)
    if posted.status_code != 200 or not posted.json().get("is_valid"):
        return posted
    return editor.get(url)


def h5_config(response) -> dict:
    found = re.search(
        r'<script id="h5-config" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found.group(1))


def test_editor_preview_opens_the_client_on_the_unsaved_draft(client, login, enterprise_a, admin_a):
    home = draft_home(enterprise_a)
    editor = login(admin_a)

    contact = {"label": "Unsaved", "action": "call", "style": "inline"}
    opened = editor_preview(editor, home, [("contact", contact)])

    assert opened.status_code == 302, opened.content[:300]
    assert opened["Location"].startswith("/h5/preview/")
    shell = editor.get(opened["Location"])
    assert shell.status_code == 200 and shell["X-Frame-Options"] == "SAMEORIGIN"
    config = h5_config(shell)
    assert config["kind"] == "preview" and config["trackUrl"] == ""
    assert config["enterpriseKey"] == enterprise_a.public_key
    assert config["document"] == (OPERATIONS_DIR / "PagePreview.graphql").read_text()
    result = gql(client, enterprise_a, config["document"], {"token": config["previewToken"]})
    assert "errors" not in result, result
    assert result["data"]["pagePreview"]["body"] == [
        {
            "__typename": "ContactBlockType",
            "id": result["data"]["pagePreview"]["body"][0]["id"],
            "label": "Unsaved",
            "action": "call",
            "style": "inline",
        }
    ]
    live = gql(client, enterprise_a, "{ microsite { body { ... on TitleBarBlockType { title } } } }")
    assert live["data"]["microsite"]["body"] == [{"title": "Live"}]  # nothing was saved or published
    assert codes(gql(client, enterprise_a, config["document"], {"token": config["previewToken"] + "x"})) == [
        "FORBIDDEN"
    ]


def test_another_enterprises_editor_cannot_preview(client, login, enterprise_a, enterprise_b, admin_b):
    home = draft_home(enterprise_a)

    contact = {"label": "x", "action": "call", "style": "inline"}
    opened = editor_preview(login(admin_b), home, [("contact", contact)])

    assert opened.status_code in (302, 403, 404)
    assert not opened.get("Location", "").startswith("/h5/preview/")


def test_a_preview_token_of_another_enterprise_is_refused_by_the_client(client, enterprise_a, enterprise_b):
    from sites.preview import preview_snapshot_store

    home = draft_home(enterprise_a)
    snapshot = preview_snapshot_store(page=home)
    token = preview_token_issue(page=home, enterprise=enterprise_a, snapshot=snapshot)
    document = (OPERATIONS_DIR / "PagePreview.graphql").read_text()

    assert codes(gql(client, enterprise_b, document, {"token": token})) == ["FORBIDDEN"]
    assert gql(client, enterprise_a, document, {"token": token})["data"]["pagePreview"]["title"] == home.title


def test_bad_or_expired_preview_links_get_the_plain_404_page(client, enterprise_a, monkeypatch):
    home = draft_home(enterprise_a)
    token = preview_token_issue(page=home, enterprise=enterprise_a)

    assert client.get(f"/h5/preview/{token}/").status_code == 200
    assert client.get(f"/h5/preview/{token[:-3]}abc/").status_code == 404
    assert client.get("/h5/preview/not-a-token-at-all-000/").status_code == 404
    later = time.time() + 3601
    monkeypatch.setattr(time, "time", lambda: later)
    expired = client.get(f"/h5/preview/{token}/")
    assert expired.status_code == 404 and "Traceback" not in expired.content.decode()


def test_editor_preview_of_a_page_with_a_form_block_renders_the_form(client, login, enterprise_a, admin_a):
    """The demo's 联系我们 tab in the editor preview: the form block answers, with its header and intro."""
    from tests.test_api_content import assert_form_as_h5_needs_it, rich_form

    form = rich_form(enterprise_a)
    home = draft_home(enterprise_a)
    editor = login(admin_a)

    opened = editor_preview(editor, home, [("form", {"form": form.pk, "title": ""})])

    assert opened.status_code == 302, opened.content[:300]
    config = h5_config(editor.get(opened["Location"]))
    result = gql(client, enterprise_a, config["document"], {"token": config["previewToken"]})
    assert "errors" not in result, result
    assert_form_as_h5_needs_it(form, result["data"]["pagePreview"]["body"][0]["form"])
