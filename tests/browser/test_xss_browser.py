"""The XSS corpus in a real Chromium: the H5 pages of payload-laden content fire no dialog.

Uses this folder's Playwright fixtures (Debian's Chromium, live server); it lives here, not in
tests/security, so the whole run shares one Chromium: two sync Playwright sessions cannot coexist
in one process. Besides loading, the test hovers/focuses every element (``on*`` handlers) and
checks that no link or source in the page has a ``javascript:``/``data:``/``vbscript:`` URL,
then follows the H5's own routes to the product and form views, which render the text fields
through the client's templates.
"""

from __future__ import annotations

import pytest

from tests.security.test_xss import _laden
from trackers.share import share_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

POKE = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const type of ['mouseover', 'mouseenter', 'focus', 'click', 'toggle', 'error', 'load']) {
      if (type === 'click' && el.closest('a[href], button, form')) continue;  // no navigation
      el.dispatchEvent(new Event(type, {bubbles: false}));
    }
    for (const attr of ['href', 'src', 'action', 'formaction', 'poster', 'data']) {
      const value = (el.getAttribute(attr) || '').replace(/[\\x00-\\x20]/g, '').toLowerCase();
      if (/^(javascript|vbscript|data:text)/.test(value)) bad.push(el.tagName + '[' + attr + ']=' + value);
    }
    for (const a of el.attributes) if (a.name.startsWith('on')) bad.push(el.tagName + '[' + a.name + ']');
  }
  return bad;
}
"""


def test_payload_laden_h5_pages_fire_no_dialog(live, browser_page, enterprise_a, salesperson_a):  # noqa: F811
    # Given a microsite, an article, a form and products of A carrying the whole corpus
    home, article, form, products = _laden(enterprise_a, salesperson_a)
    dialogs = []
    page = browser_page
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live + "/healthz/")
    page.evaluate("alert('control')")  # the detector itself works
    assert dialogs == ["control"]
    dialogs.clear()
    for url in [share_url(home, salesperson_a), share_url(article.specific, salesperson_a)]:
        # When a visitor opens the share link, every element is poked, and the H5 routes are followed
        page.goto(url)
        page.wait_for_selector("[data-block], article", timeout=15_000)
        page.wait_for_timeout(1500)
        assert page.evaluate(POKE) == [], url
        for route in [f"#/product/{products[0].pk}", f"#/form/{form.pk}"]:
            page.evaluate(f"location.hash = '{route}'")
            page.wait_for_timeout(1500)
            assert page.evaluate(POKE) == [], (url, route)
    # Then no payload ever ran
    assert dialogs == [], dialogs
