"""Playwright on Debian's Chromium against Django's live_server (never ``playwright install``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole browser suite (launching costs ~1 s)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (make test installs it)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions (15 s): the first H5 page of a run fetches its scripts and
    # GraphQL from a cold live server, which once took longer than expect's default 5 s in CI.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live(django_db_serialized_rollback, live_server, settings):
    """The live server URL; serialized rollback keeps Wagtail's root page for the next test."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def browser_page(chromium):
    """A fresh context (own cookies and storage) per test, phone-sized like WeChat's browser."""
    context = chromium.new_context(viewport={"width": 414, "height": 800}, locale="zh-CN")
    context.route("**/media/**", _serve_test_media)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    # Leave the page first so the tracker's pagehide beacon reaches the live server now,
    # not while the database is being flushed after the test (that deadlocks the flush).
    page.goto("about:blank")
    page.wait_for_timeout(1500)
    context.close()


def _serve_test_media(route):
    """Media of this test (tests/conftest.py moves MEDIA_ROOT to a tmp dir the URLconf never saw)."""
    from urllib.parse import unquote, urlsplit

    from django.conf import settings

    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / unquote(urlsplit(route.request.url).path).split("/media/", 1)[1]).resolve()
    if root in path.parents and path.is_file():
        route.fulfill(path=str(path))
    else:
        route.fulfill(status=404, body="not found")


@pytest.fixture
def shot():
    """``shot(page, name)`` saves docs/images/<name>.png for the README."""

    def _shot(page, name: str) -> Path:
        IMAGES.mkdir(parents=True, exist_ok=True)
        path = IMAGES / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return _shot
