"""Pull title, author, cover, body and images out of a WeChat official-account article page.

WeChat keeps the body in ``#js_content`` and lazy-loads images from ``data-src``; other
pages fall back to readability-lxml's main-content guess. The result is plain data, so
the import service can fetch images and build blocks without touching the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

MIN_TEXT_CHARS = 40
MINIPROGRAM_SELECTORS = "mp-miniprogram, .weapp_display_element, .weapp_text_link, mp-common-miniprogram"
PROFILE_SELECTORS = "mp-common-profile, .js_uneditable.custom_select_card"
DROP_TAGS = ["script", "style", "noscript", "form", "input", "button", "svg"]


class NotAnArticle(ValueError):
    """The page has no readable article body."""


@dataclass
class Extracted:
    title: str
    author: str
    cover_url: str
    summary: str
    #: Sequence of ("html", str) | ("image", url) | ("video", url), in reading order.
    parts: list[tuple[str, str]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def image_urls(self) -> list[str]:
        urls = [value for kind, value in self.parts if kind == "image"]
        if self.cover_url:
            urls.append(self.cover_url)
        return list(dict.fromkeys(urls))

    @property
    def text(self) -> str:
        return " ".join(
            BeautifulSoup(value, "lxml").get_text(" ", strip=True)
            for kind, value in self.parts
            if kind == "html"
        )


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            return tag["content"].strip()
    return ""


def _text(soup: BeautifulSoup, selector: str) -> str:
    tag = soup.select_one(selector)
    return tag.get_text(" ", strip=True) if tag else ""


def _body_node(soup: BeautifulSoup, html: str) -> Tag | None:
    node = soup.select_one("#js_content")
    if node is not None:
        return node
    from readability import Document

    try:
        summary_html = Document(html).summary(html_partial=True)
    except Exception:  # noqa: BLE001 - readability raises bare exceptions on junk
        return None
    return BeautifulSoup(summary_html, "lxml").find("div") or None


def extract(html: str, *, base_url: str) -> Extracted:
    """Parse one article page; raises :class:`NotAnArticle` when there is no body worth importing."""
    soup = BeautifulSoup(html, "lxml")
    title = _meta(soup, "og:title", "twitter:title") or _text(soup, "#activity-name") or _text(soup, "title")
    author = _meta(soup, "author") or _text(soup, "#js_author_name") or _text(soup, "#js_name")
    cover = _meta(soup, "og:image", "twitter:image")
    summary = _meta(soup, "og:description", "description")
    body = _body_node(soup, html)
    if body is None:
        raise NotAnArticle("The page has no article body.")
    dropped: dict[str, int] = {}
    for tag in body.select(MINIPROGRAM_SELECTORS):
        dropped["mini-program card"] = dropped.get("mini-program card", 0) + 1
        tag.decompose()
    for tag in body.select(PROFILE_SELECTORS):
        dropped["account card"] = dropped.get("account card", 0) + 1
        tag.decompose()
    for tag in body.find_all(DROP_TAGS):
        tag.decompose()

    parts: list[tuple[str, str]] = []
    buffer: list[str] = []

    def flush():
        chunk = "".join(buffer).strip()
        buffer.clear()
        if chunk and BeautifulSoup(chunk, "lxml").get_text(strip=True):
            parts.append(("html", chunk))

    marker = 0
    media: dict[str, tuple[str, str]] = {}
    for img in body.find_all("img"):
        src = (img.get("data-src") or img.get("src") or "").strip()
        if src.startswith(("http://", "https://", "//", "/")):
            key = f"@@media{marker}@@"
            marker += 1
            media[key] = ("image", urljoin(base_url, src))
            img.replace_with(soup.new_string(key))
        else:
            img.decompose()
    for frame in body.find_all(["iframe", "video", "mpvideo", "mp-video"]):
        src = (frame.get("data-src") or frame.get("src") or "").strip()
        if src.startswith(("http://", "https://", "//")):
            key = f"@@media{marker}@@"
            marker += 1
            media[key] = ("video", urljoin(base_url, src))
            frame.replace_with(soup.new_string(key))
        else:
            dropped["video"] = dropped.get("video", 0) + 1
            frame.decompose()

    html_out = body.decode_contents()
    for piece in re.split(r"(@@media\d+@@)", html_out):
        if piece in media:
            # A marker may split a paragraph; the sanitizer re-balances each side.
            flush()
            parts.append(media[piece])
        else:
            buffer.append(piece)
    flush()

    text_chars = sum(len(BeautifulSoup(v, "lxml").get_text(strip=True)) for k, v in parts if k == "html")
    if not title or (text_chars < MIN_TEXT_CHARS and not any(k == "image" for k, _ in parts)):
        raise NotAnArticle("The page does not look like an article (no title or body text).")
    return Extracted(
        title=title[:255],
        author=author[:80],
        cover_url=urljoin(base_url, cover) if cover else "",
        summary=summary[:200],
        parts=parts,
        dropped=dropped,
    )
