"""Crawl the seeded demo (issue 16.3): admin pages per role, share links and their GraphQL.

Used by ``tests/test_demo_crawl.py`` (Django test client) and
``tests/browser/test_demo_crawl_h5.py`` (Chromium). A crawl never stops at the first broken
page: every check goes through :class:`Crawl`, which counts it and records what went wrong
(role, URL, status, the last line of the traceback and the innermost frame of our code).
"""

from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import lxml.html

from enterprises.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]

#: Every demo login with the role it stands for (``enterprises/demo.py``).
ROLES = {
    "platform": "platform staff",
    "demo-admin": "enterprise admin",
    "demo-operator": "operator",
    "alice": "salesperson (manager)",
    "bob": "salesperson (manager)",
    "carol": "salesperson",
}
PASSWORD = DEMO_PASSWORD

#: Searches run on every listing that has a search box.
SEARCHES = ("水泵", "a")

#: Links never followed: they end the session or are not pages of this product.
SKIP_PATHS = ("/admin/logout/",)
#: Row links that are actions, not the object's edit or detail view.
ACTION_WORDS = ("/delete/", "/unpublish/", "/revert/", "/lock/", "/unlock/", "/copy/", "/move/")

#: What the H5 app and the mini-program show when content cannot be loaded.
UNAVAILABLE_TEXTS = ("Not available", "内容不可用")


@dataclass
class Failure:
    where: str  # role or salesperson
    url: str
    status: int | str
    detail: str
    frame: str = ""

    def __str__(self) -> str:
        frame = f"\n      at {self.frame}" if self.frame else ""
        return f"[{self.where}] {self.url} → {self.status}: {self.detail}{frame}"


@dataclass
class Crawl:
    checked: int = 0
    failures: list[Failure] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.checked += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def fail(self, where: str, url: str, status, detail: str, frame: str = "") -> None:
        self.failures.append(Failure(where, url, status, detail.strip()[:500], frame))

    def fail_exception(self, where: str, url: str, error: BaseException) -> None:
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        self.fail(where, url, 500, last, project_frame(error))

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.by_kind.items()))
        lines = [f"crawl: {self.checked} pages checked, {len(self.failures)} failures ({kinds})"]
        lines += [f"  {failure}" for failure in self.failures]
        return "\n".join(lines)


class LoggedExceptions(logging.Handler):
    """Collects exceptions our code logs and swallows (e.g. GraphQL resolver errors → "Internal error.")."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.seen: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.seen.append(record.exc_info[1])

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)

    def take(self) -> list[str]:
        """Distinct "last line (frame)" of what was logged since the previous call."""
        lines = []
        for error in self.seen:
            last = traceback.format_exception_only(type(error), error)[-1].strip()
            lines.append(f"{last} (at {project_frame(error) or '?'})")
        self.seen.clear()
        return list(dict.fromkeys(lines))


def project_frame(error: BaseException) -> str:
    """The innermost traceback frame in this repository's code (not the venv, not tests)."""
    found = ""
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        try:
            relative = path.resolve().relative_to(ROOT)
        except ValueError:
            continue
        if relative.parts[0] in {".venv", "tests"}:
            continue
        found = f"{relative}:{frame.lineno} in {frame.name}"
    return found


# --- admin ---------------------------------------------------------------------------------


def sidebar_urls(html: str) -> list[str]:
    """Every URL of the admin menu: Wagtail renders the sidebar as JSON in ``#wagtail-sidebar-props``."""
    doc = lxml.html.fromstring(html)
    scripts = doc.xpath('//script[@id="wagtail-sidebar-props"]')
    if not scripts:
        return []
    urls: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            url = node.get("url")
            if isinstance(url, str) and url.startswith("/"):
                urls.append(url)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(scripts[0].text))
    return list(dict.fromkeys(u for u in urls if not u.startswith(SKIP_PATHS)))


def error_messages(doc) -> list[str]:
    """Wagtail's error messages (e.g. "Sorry, you do not have permission to access this area.")."""
    items = doc.xpath(
        '//div[contains(@class, "messages")]/ul/li[contains(concat(" ", @class, " "), " error ")]'
    )
    return [" ".join(item.text_content().split()) for item in items]


def with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = "&".join(p for p in [parts.query, urlencode(params)] if p)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def has_search(doc) -> bool:
    return bool(doc.xpath('//main//input[@name="q"] | //form[@role="search"]//input[@name="q"]'))


def first_row_links(doc, page_url: str) -> list[str]:
    """The first object's edit link and detail (inspect) link of a listing, if it has rows."""
    page_path = urlsplit(page_url).path
    for row in doc.xpath("//main//table//tbody/tr"):
        links = []
        for href in row.xpath(".//a/@href"):
            path = urlsplit(href).path
            if not path.startswith("/admin/") or path == page_path or any(w in path for w in ACTION_WORDS):
                continue
            if path.startswith(SKIP_PATHS):
                continue
            links.append(href)
        if not links:
            continue
        chosen = [links[0]]
        chosen += [h for h in links[1:] if "/inspect/" in h or "/detail" in h][:1]
        return list(dict.fromkeys(chosen))
    return []


def export_links(doc) -> list[str]:
    hrefs = doc.xpath('//a[contains(@href, "export=")]/@href')
    return list(
        dict.fromkeys(h for h in hrefs if urlsplit(h).path.startswith("/admin/") or h.startswith("?"))
    )


class AdminCrawler:
    """Logs in as one role and follows its menu, searches, first objects and exports."""

    def __init__(self, client, crawl: Crawl, role: str):
        self.client = client
        self.crawl = crawl
        self.role = role
        self.seen: set[str] = set()
        self.logged = LoggedExceptions()

    def get(self, url: str, kind: str, source: str = ""):
        """GET ``url`` (following redirects); the parsed page, or None when it failed."""
        if url in self.seen:
            return None
        self.seen.add(url)
        self.crawl.count(kind)
        where = f"{self.role}, {kind}" + (f" from {source}" if source else "")

        def fail(status, detail, frame=""):
            logged = self.logged.take()
            self.crawl.fail(where, url, status, "; ".join([detail, *logged]), frame)

        try:
            response = self.client.get(url, follow=True)
        except Exception as error:  # noqa: BLE001 - every broken page is reported, not raised
            self.logged.take()
            self.crawl.fail_exception(where, url, error)
            return None
        final = response.request.get("PATH_INFO", url)
        if response.status_code != 200:
            fail(response.status_code, _error_text(response))
            return None
        if final.startswith("/admin/login/"):
            fail("redirect", f"sent to the login page ({final})")
            return None
        content_type = response.get("Content-Type", "")
        if "html" not in content_type:
            if kind == "export" and not b"".join(
                response.streaming_content if response.streaming else [response.content]
            ):
                fail(200, "empty export")
            return None
        doc = lxml.html.fromstring(response.content.decode())
        errors = error_messages(doc)
        if errors:
            via = f" (redirected to {final})" if response.redirect_chain else ""
            fail("error message", "; ".join(errors) + via)
            return None
        if kind == "export":
            fail(200, f"export answered an HTML page ({final})")
            return None
        self.logged.take()
        return doc

    def run(self) -> None:
        assert self.client.login(username=self.role, password=PASSWORD), f"cannot log in as {self.role}"
        with self.logged:
            home = self.get("/admin/", "admin menu")
            if home is not None:
                for url in sidebar_urls(lxml.html.tostring(home, encoding="unicode")):
                    self.visit(url)
        self.client.logout()

    def visit(self, url: str) -> None:
        doc = self.get(url, "admin menu")
        if doc is None:
            return
        for href in export_links(doc):
            self.get(_absolute(url, href), "export", url)
        if has_search(doc):
            for term in SEARCHES:
                self.get(with_query(url, q=term), "admin search", url)
        for href in first_row_links(doc, url):
            self.get(_absolute(url, href), "admin object", url)


def _absolute(base: str, href: str) -> str:
    if href.startswith("?"):
        return urlsplit(base).path + href
    return href


def _error_text(response) -> str:
    body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
    if "html" in response.get("Content-Type", ""):
        try:
            doc = lxml.html.fromstring(body)
            title = " ".join((doc.findtext(".//title") or "").split())
            heading = " ".join((doc.findtext(".//h1") or "").split())
            return " / ".join(t for t in (title, heading) if t) or body[:200]
        except Exception:  # noqa: BLE001
            pass
    return body[:200]


# --- share links -------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    salesperson: str  # username
    kind: str
    label: str
    token: str
    target_id: int
    problem: str = ""  # how building the share link failed (the token was then made by hand)

    @property
    def path(self) -> str:
        return f"/h5/s/{self.token}/"


def demo_shares(enterprise) -> list[Share]:
    """What each salesperson of the demo can share: every page kind, each item visitors may open."""
    from cms.articles.selectors import articles_readable
    from cms.cards.models import Card
    from cms.files.models import SalesFile
    from cms.leadforms.models import LeadFormPage
    from cms.posters.models import GeneratedPoster
    from cms.products.models import Product
    from enterprises.models import Salesperson
    from sites.selectors import microsite_for, microsite_nav_pages
    from trackers.share import share_token_for, share_token_make

    home = microsite_for(enterprise=enterprise)
    pages = [home, *microsite_nav_pages(home=home)] if home else []
    articles = list(articles_readable(enterprise=enterprise).order_by("path"))
    forms = list(LeadFormPage.objects.live().descendant_of(enterprise.site.root_page).order_by("path"))
    products = list(Product.objects.filter(enterprise=enterprise, is_active=True).order_by("pk"))
    shares = []
    for salesperson in (
        Salesperson.objects.filter(enterprise=enterprise).select_related("user").order_by("user__username")
    ):
        files = SalesFile.objects.filter(enterprise=enterprise).order_by("pk")
        files = [f for f in files if f.owner_id in (None, salesperson.pk)]
        cards = list(Card.objects.filter(salesperson=salesperson))
        posters = list(GeneratedPoster.objects.filter(salesperson=salesperson, enterprise=enterprise))
        items = (
            [("page", p) for p in pages] + [("article", a) for a in articles] + [("card", c) for c in cards]
        )
        items += (
            [("form", f) for f in forms] + [("file", f) for f in files] + [("product", p) for p in products]
        )
        items += [("poster", p) for p in posters]
        for kind, item in items:
            try:
                token, problem = share_token_for(item, salesperson), ""
            except Exception as error:  # noqa: BLE001 - reported; the page is still crawled
                problem = f"share_token_for({type(item).__name__}) fails: {type(error).__name__}: {error}"
                token = share_token_make(
                    enterprise_id=enterprise.pk, salesperson_id=salesperson.pk, kind=kind, target_id=item.pk
                )
            label = f"{kind} “{item}” #{item.pk}"
            shares.append(Share(salesperson.user.username, kind, label, token, item.pk, problem))
    return shares


def operations_dir() -> Path:
    return ROOT / "graphql" / "operations"


def operation(name: str) -> str:
    return (operations_dir() / f"{name}.graphql").read_text()


def share_queries(share: Share, microsite_id: int | None) -> list[tuple[str, str, dict]]:
    """The GraphQL documents app.js runs to show ``share`` (operation name, result field, variables)."""
    token, target = share.token, str(share.target_id)
    if share.kind == "page":
        queries = [("Microsite", "microsite", {"shareToken": token})]
        if microsite_id is not None and share.target_id != microsite_id:
            queries.append(("MicrositePage", "micrositePage", {"id": target}))
        return queries
    return {
        "article": [("H5Article", "article", {"id": target, "shareToken": token})],
        "card": [("Card", "card", {"shareToken": token})],
        "form": [("Form", "form", {"id": target})],
        "file": [("File", "file", {"id": target, "shareToken": token})],
        "product": [("Product", "product", {"id": target})],
        "poster": [],
    }[share.kind]
