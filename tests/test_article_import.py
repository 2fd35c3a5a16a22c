"""ART-2: importing a WeChat article by URL through the SSRF-safe client, never the internet.

Fixture pages are served by a local HTTP server on 127.0.0.1 (loopback is allowed only
because the test settings set SAFE_FETCH_ALLOW_LOOPBACK; the refusal cases turn it off).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from wagtail.images import get_image_model

from cms import safe_fetch
from cms.articles.models import ArticleImport, ArticlePage, ImportStatus, Library
from cms.articles.services import article_import_request, article_import_run

FIXTURES = Path(__file__).parent / "fixtures" / "wechat"


class FixtureHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path.startswith("/redirect-private"):
            self.send_response(302)
            self.send_header("Location", "http://10.0.0.1/s/secret")
            self.end_headers()
            return
        if self.path.startswith("/redirect-ok"):
            self.send_response(301)
            self.send_header("Location", "/article.html")
            self.end_headers()
            return
        if self.path.startswith("/big"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<p>" + b"x" * 200_000 + b"</p>")
            return
        file = FIXTURES / self.path.lstrip("/").split("?")[0]
        if not file.is_file():
            self.send_response(404)
            self.end_headers()
            return
        body = file.read_bytes()
        ctype = {".html": "text/html; charset=utf-8", ".png": "image/png", ".jpg": "image/jpeg"}[file.suffix]
        if file.suffix == ".html":
            body = body.replace(b"{{BASE}}", base.encode())
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fixture_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FixtureHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def run_import(enterprise, user, url, capture):
    with capture(execute=True):
        job = article_import_request(enterprise=enterprise, user=user, url=url)
    job.refresh_from_db()
    return job


def test_importing_the_fixture_article_rehosts_every_image(
    enterprise_a, admin_a, fixture_server, django_capture_on_commit_callbacks
):
    # given a WeChat article page with lazy images, a video, a mini-program card and junk markup
    # when an admin imports it
    job = run_import(
        enterprise_a, admin_a, f"{fixture_server}/article.html", django_capture_on_commit_callbacks
    )

    # then an editable draft exists with the title, author and body text
    assert job.status == ImportStatus.DONE and job.progress == 100, job.message
    article = ArticlePage.objects.get(pk=job.article_id)
    assert article.title == "春季新品发布：三款产品亮相"
    assert article.author == "Li Wei"
    assert not article.live and article.has_unpublished_changes is False or not article.live
    assert article.enterprise == enterprise_a and article.library == Library.ENTERPRISE
    assert article.get_parent().get_parent().pk == enterprise_a.site.root_page.pk
    text = " ".join(str(block.value) for block in article.body if block.block_type == "rich_text")
    assert "性能全面提升" in text and "Pricing and availability" in text and "Contact your consultant" in text
    # and the markup is sanitized
    assert (
        "onclick" not in text and "javascript:" not in text and "<script" not in text and "style=" not in text
    )
    # and every image (two in the body, the cover) is a new image in the enterprise's collection
    images = [block.value["image"] for block in article.body if block.block_type == "image"]
    assert len(images) == 2
    assert article.cover is not None and article.cover.pk not in {i.pk for i in images}
    for image in [*images, article.cover]:
        assert image.collection_id == enterprise_a.collection_id
        assert "127.0.0.1" not in image.file.url
    assert get_image_model().objects.filter(collection=enterprise_a.collection).count() == 3
    # and the video is kept as a link, the mini-program card is reported as left out
    assert [b.value["url"] for b in article.body if b.block_type == "video"] == [
        "https://v.qq.com/txp/iframe/player.html?vid=abc123"
    ]
    assert "1 mini-program card" in job.message


def test_a_salesperson_import_lands_in_their_own_library(
    enterprise_a, salesperson_a, fixture_server, django_capture_on_commit_callbacks
):
    job = run_import(
        enterprise_a, salesperson_a.user, f"{fixture_server}/article.html", django_capture_on_commit_callbacks
    )
    article = ArticlePage.objects.get(pk=job.article_id)
    assert article.library == Library.PERSONAL and article.owner_salesperson == salesperson_a


def test_redirects_between_allowed_hosts_are_followed(enterprise_a, admin_a, fixture_server):
    response = safe_fetch.fetch(f"{fixture_server}/redirect-ok")
    assert response.status == 200 and b"js_content" in response.content
    assert response.redirects == [f"{fixture_server}/redirect-ok"]


def test_rerunning_a_finished_import_creates_nothing_more(
    enterprise_a, admin_a, fixture_server, django_capture_on_commit_callbacks
):
    job = run_import(
        enterprise_a, admin_a, f"{fixture_server}/article.html", django_capture_on_commit_callbacks
    )
    article_import_run(import_id=job.pk)
    assert ArticlePage.objects.filter(enterprise=enterprise_a).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://2130706433/",
        "http://100.64.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://192.168.1.1/",
        "http://0.0.0.0/",
    ],
)
def test_private_and_loopback_addresses_are_refused(
    url, enterprise_a, admin_a, settings, django_capture_on_commit_callbacks
):
    # given production behaviour: no loopback
    settings.SAFE_FETCH_ALLOW_LOOPBACK = False
    # when importing from an internal address
    job = run_import(enterprise_a, admin_a, url, django_capture_on_commit_callbacks)
    # then the import fails with a clear message and creates nothing
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("Blocked address")
    assert not ArticlePage.objects.filter(enterprise=enterprise_a).exists()
    assert not get_image_model().objects.filter(collection=enterprise_a.collection).exists()


def test_a_redirect_from_an_allowed_host_to_a_private_address_is_refused(
    enterprise_a, admin_a, fixture_server, django_capture_on_commit_callbacks
):
    # loopback is allowed here (it is the fixture host), 10.0.0.1 never is
    job = run_import(
        enterprise_a, admin_a, f"{fixture_server}/redirect-private", django_capture_on_commit_callbacks
    )
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith("Blocked address")
    assert "not allowed" in job.message
    assert not ArticlePage.objects.exists()


def test_loopback_is_refused_at_connect_time_even_via_a_name(settings):
    settings.SAFE_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(safe_fetch.BlockedAddress):
        safe_fetch.fetch("http://localhost:9/")


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("ftp://example.com/a", "Bad address"),
        ("file:///etc/passwd", "Bad address"),
        ("http://does-not-exist.invalid/", "Could not fetch"),
        ("{server}/missing.html", "Could not fetch"),
        ("{server}/not_article.html", "Not an article"),
        ("{server}/img1.png", "Not an article"),
    ],
)
def test_bad_input_gives_a_clear_message_and_creates_nothing(
    url, prefix, enterprise_a, admin_a, fixture_server, django_capture_on_commit_callbacks
):
    job = run_import(
        enterprise_a, admin_a, url.format(server=fixture_server), django_capture_on_commit_callbacks
    )
    assert job.status == ImportStatus.FAILED
    assert job.message.startswith(prefix), job.message
    assert not ArticlePage.objects.exists()
    assert not get_image_model().objects.exists()


def test_size_limit(fixture_server):
    with pytest.raises(safe_fetch.TooLarge):
        safe_fetch.fetch(f"{fixture_server}/big", max_bytes=100_000)


def test_import_from_the_admin_shows_progress(
    login, admin_a, fixture_server, django_capture_on_commit_callbacks
):
    client = login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/articles/import/", {"url": f"{fixture_server}/article.html"})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200
    job = ArticleImport.objects.get()
    assert job.status == ImportStatus.DONE
    assert "春季新品发布" in response.content.decode()


def test_the_admin_form_rejects_junk(login, admin_a):
    client = login(admin_a)
    response = client.post("/admin/articles/import/", {"url": "not a url at all"})
    assert response.status_code == 200
    assert "Enter a valid URL" in response.content.decode()
    assert not ArticleImport.objects.exists()


def test_imports_are_listed_only_within_the_enterprise(login, admin_a, admin_b, enterprise_a):
    ArticleImport.objects.create(enterprise=enterprise_a, url="https://mp.weixin.qq.com/s/alpha-secret")
    client = login(admin_b)
    response = client.get("/admin/articles/import/")
    assert response.status_code == 200
    assert "alpha-secret" not in response.content.decode()


@pytest.mark.worker
def test_import_runs_on_a_real_worker(celery_worker, enterprise_a, admin_a, fixture_server):
    import time

    from django.db import transaction

    with transaction.atomic():
        job = article_import_request(
            enterprise=enterprise_a, user=admin_a, url=f"{fixture_server}/article.html"
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            break
        time.sleep(0.3)
    assert job.status == ImportStatus.DONE, job.message
    assert ArticlePage.objects.get(pk=job.article_id).title.startswith("春季新品发布")


def test_the_import_status_page_never_shows_the_address_a_host_resolved_to(
    login, admin_a, enterprise_a, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # Given a host name that resolves into our own network (issue 18, hole 12), when an admin
    # imports from it in the product's language, then the status page says the address is not
    # allowed, in Chinese, and never prints the internal address (no scanning through the importer).
    import socket

    from django.utils import translation

    settings.SAFE_FETCH_ALLOW_LOOPBACK = False
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "intranet.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with translation.override("zh-hans"):
        job = run_import(
            enterprise_a, admin_a, "http://intranet.example.com/s/x", django_capture_on_commit_callbacks
        )
    assert job.status == ImportStatus.FAILED
    page = login(admin_a).get("/admin/articles/import/").content.decode()
    assert "10.20.30.40" not in page
    assert "地址不允许" in page
