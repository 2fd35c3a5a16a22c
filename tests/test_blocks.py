"""BLK-1..11: the component stream, its previews, and rich text sanitizing (BLK-4)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from wagtail.blocks import StreamValue

from blocks.blocks import BLOCK_TYPES, CarouselSlideBlock, ComponentStreamBlock, LinkBlock, SafeRichTextBlock
from blocks.sanitize import clean_output, clean_stored

PAYLOADS = [
    "<p>hi</p><script>alert(1)</script>",
    '<p><a href="javascript:alert(1)">x</a></p>',
    '<p><a href="JaVaScRiPt:alert(1)">x</a></p>',
    '<p><img src="x" onerror="alert(1)"></p>',
    '<p onclick="alert(1)" onmouseover="x()">hi</p>',
    '<p><a href="data:text/html,<script>alert(1)</script>">x</a></p>',
    '<svg onload="alert(1)"></svg><p>hi</p>',
    '<iframe src="https://evil.example"></iframe><p>hi</p>',
]


def assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered and "onload" not in lowered
    assert "onmouseover" not in lowered and "<iframe" not in lowered and "data:text" not in lowered


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rich_text_is_sanitized_on_save(payload):
    block = SafeRichTextBlock()
    # when an editor (or an API client bypassing the editor) saves a malicious payload
    stored = block.get_prep_value(block.clean(block.to_python(payload)))
    # then what reaches the database is clean
    assert_safe(stored)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rich_text_is_sanitized_on_output_even_if_stored_dirty(payload):
    # given a value that got into the database unsanitized (old data, raw SQL)
    block = SafeRichTextBlock()
    value = block.to_python(payload)
    # then rendering and the API representation are clean
    assert_safe(str(block.render(value)))
    assert_safe(block.get_api_representation(value))


def test_sanitizing_keeps_wagtail_internal_links_and_formatting():
    html = '<p><b>Bold</b> <a linktype="page" id="3">page</a> <a href="https://ok.example">ok</a></p>'
    stored = clean_stored(html)
    assert 'linktype="page"' in stored and 'id="3"' in stored and "<b>Bold</b>" in stored
    assert 'href="https://ok.example"' in clean_output(html)


def test_stream_field_sanitizes_in_a_full_round_trip(enterprise_a):
    from cms.articles.services import article_create

    article = article_create(
        enterprise=enterprise_a,
        title="Dirty",
        body=[{"type": "rich_text", "value": '<p onclick="x()">ok<script>bad()</script></p>'}],
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body::text FROM articles_articlepage WHERE page_ptr_id = %s", [article.pk])
        raw = cursor.fetchone()[0]
    assert "script" not in raw and "onclick" not in raw and "ok" in raw


def test_every_block_has_docstring_and_editor_meta():
    stream = ComponentStreamBlock()
    assert set(BLOCK_TYPES) == {
        "carousel",
        "title_bar",
        "divider",
        "rich_text",
        "image",
        "video",
        "articles",
        "file",
        "form",
        "products",
        "contact",
    }
    for name, block in stream.child_blocks.items():
        assert type(block).__doc__, name
        assert block.meta.icon and block.meta.label and block.meta.description, name
        assert block.meta.preview_value is not None, name


def test_link_block_requires_the_chosen_target():
    block = LinkBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"link_type": "product", "url": "https://x.example"}))
    value = block.clean(block.to_python({"link_type": "url", "url": "https://x.example"}))
    assert value["url"] == "https://x.example"


def test_an_optional_link_may_be_left_empty_but_not_half_filled():
    link = CarouselSlideBlock().child_blocks["link"]
    assert link.clean(link.to_python({"link_type": "url", "url": ""}))["url"] == ""
    with pytest.raises(ValidationError):
        link.clean(link.to_python({"link_type": "product", "url": "https://x.example"}))


def test_article_list_needs_articles_or_a_category():
    stream = ComponentStreamBlock()
    block = stream.child_blocks["articles"]
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"title": "x", "latest_count": 3, "layout": "list"}))


def test_stream_renders_every_simple_block():
    stream = ComponentStreamBlock()
    value = StreamValue(
        stream,
        [
            ("title_bar", {"title": "Hello"}),
            ("divider", {"style": "line", "height": 8}),
            ("rich_text", "<p>Body</p>"),
            ("contact", {"label": "Consult", "action": "consult", "style": "inline"}),
            ("video", {"url": "https://example.com/a.mp4"}),
        ],
    )
    html = str(stream.render(value))
    assert "Hello" in html and "Body" in html and "Consult" in html
