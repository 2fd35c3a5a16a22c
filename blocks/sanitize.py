"""One HTML allow-list for every rich text we store or emit (BLK-4).

nh3 drops ``<script>``, event attributes (``onerror=`` ...) and any URL scheme
outside the allow-list (so ``javascript:`` links lose their ``href``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3

TAGS = {
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "a",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "hr",
    "embed",
    "img",
    "span",
}
#: Wagtail's stored form links pages/documents by ``linktype`` + ``id`` and images by ``<embed>``.
STORED_ATTRIBUTES = {
    "a": {"href", "linktype", "id", "title"},
    "embed": {"embedtype", "id", "format", "alt", "url"},
}
OUTPUT_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "class"},
    "span": {"class"},
    "p": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_stored(html: str) -> str:
    """Sanitize Wagtail's stored rich text (keeps its internal link/embed markup)."""
    return nh3.clean(
        html or "",
        tags=TAGS - {"img"},
        attributes=STORED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
    )


def clean_output(html: str) -> str:
    """Sanitize rich text that is about to reach a browser or an API client."""
    return nh3.clean(
        html or "",
        tags=TAGS - {"embed"},
        attributes=OUTPUT_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(url: str | None) -> str | None:
    """A URL a client may put in ``href``/``src``: one of ``URL_SCHEMES`` or relative, else None.

    Browsers drop whitespace and control characters inside a scheme (``java\tscript:``), so the
    check runs on the URL without them; ``javascript:``, ``data:`` and ``vbscript:`` never pass.
    """
    if not url:
        return None
    scheme = urlsplit(_IGNORED_BY_BROWSERS.sub("", url)).scheme.lower()
    if scheme and scheme not in URL_SCHEMES:
        return None
    return url.strip()
