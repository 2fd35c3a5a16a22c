"""Demo crawl in Chromium (issue 16.3): every H5 page kind from each salesperson's share link.

After ``seed_demo``, each salesperson's share link of every microsite page, article, card, form,
file, product and poster is opened against the live server. Each page must render its content
(the body's blocks, the card's modules, the form's fields, ...), show no "Not available", log no
console error and get no 4xx/5xx answer for any request. All failures are collected and reported
together; the test prints ``crawl: N pages checked, F failures``.
"""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from enterprises.models import Enterprise
from tests.helpers.demo_crawl import UNAVAILABLE_TEXTS, Crawl, Share, demo_shares

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

#: Rendered once the app has replaced its "…" placeholder and every image has settled.
SETTLED = """() => !document.querySelector('#app .h5-loading')
    && Array.from(document.images).every((img) => img.complete)"""


def expectation(share: Share) -> tuple[str, int, str]:
    """(selector inside #app, how many, a text the page must show) for a share's item."""
    from wagtail.models import Page

    from cms.cards.models import Card
    from cms.files.models import SalesFile
    from cms.leadforms.models import LeadFormPage
    from cms.products.models import Product

    if share.kind in ("page", "article"):
        page = Page.objects.get(pk=share.target_id).specific
        return ".h5-body > [data-block]", len(page.body), page.title
    if share.kind == "card":
        card = Card.objects.get(pk=share.target_id)
        return ".h5-card-head h1", 1, card.name
    if share.kind == "form":
        form = LeadFormPage.objects.get(pk=share.target_id)
        return "form[data-form-id] .h5-field", form.form_fields.count(), form.title
    if share.kind == "file":
        return "article h1", 1, SalesFile.objects.get(pk=share.target_id).title
    if share.kind == "product":
        return "article h1", 1, Product.objects.get(pk=share.target_id).name
    # A poster's QR opens what the poster advertises (POST-3: the visit is credited to the poster).
    from dataclasses import replace

    from cms.posters.models import GeneratedPoster

    poster = GeneratedPoster.objects.get(pk=share.target_id)
    return expectation(replace(share, kind=poster.target_kind, target_id=poster.target_id))


def known_defect(share: Share) -> str:
    """Why a share is expected to fail today ('' if it must work): see the closing notes of issue 16/18."""
    return ""


class Watcher:
    """Console errors, uncaught exceptions and 4xx/5xx answers of the page since the last take()."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("response", self.response)
        page.on("requestfailed", self.request_failed)

    def console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text} @ {message.location.get('url', '')}")

    def request_failed(self, request) -> None:
        # Leaving a page aborts the tracker's last beacon (ERR_ABORTED); Chromium's own PDF viewer
        # loads chrome:// and chrome-extension:// resources. Neither is a request of the product.
        if request.url.startswith(("http://", "https://")) and "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def response(self, response) -> None:
        if response.status >= 400 and response.url.startswith(("http://", "https://")):
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def take(self) -> list[str]:
        problems, self.problems = list(dict.fromkeys(self.problems)), []
        return problems


def check_share(page, live, share: Share, watcher: Watcher, crawl: Crawl) -> None:
    where = f"{share.salesperson}: {share.label}"
    url = live + share.path
    selector, count, text = expectation(share)
    crawl.count(f"h5 {share.kind}")
    problems = []
    if share.problem:
        problems.append(share.problem)
    try:
        page.goto(url)
        page.wait_for_function(SETTLED, timeout=15_000)
    except Exception as error:  # noqa: BLE001 - reported with the others
        problems.append(f"did not render: {str(error).splitlines()[0]}")
    else:
        app = page.locator("#app")
        shown = app.inner_text()
        problems += [f"shows {t!r}" for t in UNAVAILABLE_TEXTS if t in page.locator("body").inner_text()]
        found = app.locator(selector).count()
        if found != count:
            problems.append(f"{found} of {count} expected {selector!r} (page shows {shown[:80]!r})")
        if text and text not in shown:
            problems.append(f"does not show {text!r}")
        broken = page.evaluate(
            "() => Array.from(document.images).filter((i) => !i.naturalWidth).map((i) => i.src)"
        )
        problems += [f"broken image {src}" for src in broken]
    problems += watcher.take()
    if problems:
        crawl.fail(where, share.path, "h5", "; ".join(problems))


def test_demo_h5_pages_of_every_kind_render_for_each_salesperson(live, browser_page, capsys, settings):
    # One browser opens ~90 pages within a minute: far above a visitor's tracking rate limit.
    settings.TRACKING_RATE_LIMIT = {**settings.TRACKING_RATE_LIMIT, "requests": 0, "ip_requests": 0}
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - closed with the process
    shares = demo_shares(Enterprise.objects.get(slug="demo"))
    crawl = Crawl()
    missing = {"page", "article", "card", "form", "file", "product", "poster"} - {s.kind for s in shares}
    for kind in sorted(missing):
        crawl.fail("demo", f"(no {kind} share)", "missing", f"the demo has nothing of kind {kind} to share")
    watcher = Watcher(browser_page)
    started = time.monotonic()
    for share in shares:
        check_share(browser_page, live, share, watcher, crawl)

    with capsys.disabled():
        print(f"\n{crawl.summary()}\n  ({time.monotonic() - started:.0f} s)")
    assert crawl.checked >= len(shares) > 0
    known = {share.path: known_defect(share) for share in shares if known_defect(share)}
    with capsys.disabled():
        for path, why in known.items():
            print(f"  known defect ({why}): {path}")
    unexpected = [failure for failure in crawl.failures if failure.url not in known]
    assert not unexpected, "\n".join(str(failure) for failure in unexpected)
    still = {failure.url for failure in crawl.failures}
    assert set(known) <= still, f"fixed, drop from known_defect: {set(known) - still}"
