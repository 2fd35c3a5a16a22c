"""Upload limits (issue 18, hole 8), written as the attacks.

* A 12000×12000 PNG of a few KB (and a 30000×30000 one, which made Pillow raise a
  DecompressionBombError = HTTP 500) is refused on every image path with a field error in
  Chinese, and no image is stored.
* A request body over the cap answers 413 before anything is written to a temporary file, also
  on a real socket where the client declares 1 GiB and sends nothing.
"""

from __future__ import annotations

import io
import socket
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.images import get_image_model
from wagtail.users.models import UserProfile

from cms import safe_fetch, upload_limits
from cms.files.models import SalesFile
from cms.files.services import FileRejected, salesfile_create
from tests.factories import png_bytes

FILES_URL = "/admin/snippets/salesfiles/salesfile/"


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of ``width``×``height`` white pixels: a few KB on the wire."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def png_12k() -> bytes:
    return bomb_png(12000, 12000)


@pytest.fixture(scope="module")
def png_30k() -> bytes:
    return bomb_png(30000, 30000)


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def in_chinese(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "zh-hans"
    profile.save()


def test_the_crafted_pngs_are_small_and_huge(png_12k, png_30k):
    assert len(png_12k) < 150_000 and len(png_30k) < 600_000


# --- pixel limit on every image path ------------------------------------------------------------


@pytest.mark.parametrize("size", ["12k", "30k"])
def test_sales_file_upload_refuses_a_pixel_bomb_at_the_field(
    size, login, salesperson_a, chinese, png_12k, png_30k
):
    in_chinese(salesperson_a.user)
    png = png_12k if size == "12k" else png_30k
    response = login(salesperson_a.user).post(
        f"{FILES_URL}add/",
        {"title": "Bomb", "kind": "image", "description": "", "upload": SimpleUploadedFile("b.png", png)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "像素" in page  # the per-field message, in Chinese
    assert SalesFile.objects.count() == 0 and get_image_model().objects.count() == 0


def test_sales_file_service_refuses_a_pixel_bomb(enterprise_a, png_12k):
    with pytest.raises(FileRejected) as refused:
        salesfile_create(
            enterprise=enterprise_a, title="x", kind="image", upload=SimpleUploadedFile("b.png", png_12k)
        )
    assert refused.value.code == "LIMIT" and "40 million pixels" in refused.value.message
    assert get_image_model().objects.count() == 0


def test_a_normal_image_still_uploads(enterprise_a):
    made = salesfile_create(
        enterprise=enterprise_a, title="ok", kind="image", upload=SimpleUploadedFile("ok.png", png_bytes())
    )
    assert made.image_id


@pytest.mark.parametrize("size", ["12k", "30k"])
def test_wagtail_image_upload_refuses_a_pixel_bomb(size, login, admin_a, chinese, png_12k, png_30k):
    in_chinese(admin_a)
    png = png_12k if size == "12k" else png_30k
    response = login(admin_a).post(
        "/admin/images/add/", {"title": "Bomb", "file": SimpleUploadedFile("b.png", png), "tags": ""}
    )
    assert response.status_code == 200
    assert "像素" in response.content.decode()
    assert get_image_model().objects.count() == 0


def test_no_code_path_can_store_a_wagtail_image_over_the_limit(enterprise_a, png_12k):
    from PIL import Image

    with pytest.raises((ValidationError, Image.DecompressionBombError)):
        bomb = ImageFile(io.BytesIO(png_12k), name="b.png")
        get_image_model().objects.create(title="bypass", file=bomb, collection=enterprise_a.collection)
    assert get_image_model().objects.count() == 0


def test_a_poster_over_a_stored_pixel_bomb_is_a_clear_error_not_a_500(png_30k):
    from cms.posters.services import PosterError, _open

    class Stored:
        def open(self, mode):
            self.data = io.BytesIO(png_30k)

        def read(self):
            return self.data.read()

        def close(self):
            pass

    with pytest.raises(PosterError) as refused:
        _open(Stored())
    assert refused.value.code == "LIMIT"


@pytest.fixture
def image_server(png_12k):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png_12k)))
            self.end_headers()
            self.wfile.write(png_12k)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/bomb.png"
    server.shutdown()
    server.server_close()


def test_an_image_fetched_by_url_is_held_to_the_pixel_limit(image_server):
    # the WeChat import re-hosts images by URL: a bomb there would be stored like an upload
    from cms.articles.services import _fetch_image

    with pytest.raises(safe_fetch.FetchError) as refused:
        _fetch_image(image_server)
    assert refused.value.code == "too_many_pixels"


def test_pillow_refuses_decoding_over_the_limit_everywhere(png_30k):
    # install() ran at start-up: Pillow's error threshold (twice its MAX_IMAGE_PIXELS) is our limit
    from PIL import Image

    assert Image.MAX_IMAGE_PIXELS * 2 == upload_limits.max_image_pixels()
    for png in (png_30k, bomb_png(7000, 7000)):  # 49 million pixels: just over 40
        with pytest.raises(Image.DecompressionBombError):
            Image.open(io.BytesIO(png))


# --- request body cap -----------------------------------------------------------------------------


@pytest.fixture
def temp_files(settings, tmp_path, monkeypatch):
    """Uploads over 1 KB go to temp files in ``tmp_path``; returns the list of temp files made."""
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    made: list[str] = []
    original = TemporaryFileUploadHandler.new_file

    def recording(self, *args, **kwargs):
        made.append(args[0] if args else kwargs.get("field_name", "?"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", recording)
    return made


def test_a_body_over_the_cap_is_refused_with_413_before_a_temp_file(login, admin_a, settings, temp_files):
    settings.MAX_REQUEST_BODY_BYTES = 1024 * 1024
    client = login(admin_a)
    big = SimpleUploadedFile("big.png", png_bytes() + bytes(2 * 1024 * 1024))  # data after IEND
    response = client.post("/admin/images/add/", {"title": "big", "file": big})
    assert response.status_code == 413
    assert temp_files == []
    # control: the same request under the cap does reach the upload handler's temp file
    settings.MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024
    big.seek(0)
    client.post("/admin/images/add/", {"title": "big", "file": big})
    assert temp_files


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def test_a_declared_gigabyte_is_answered_413_without_reading_the_body(db, settings):
    # Given a client that declares a 1 GiB body and sends none of it, when it posts to an
    # upload URL of the real WSGI application, then the answer is 413 at once (before the fix
    # Django waited to read the body into a temporary file).
    from django.core.handlers.wsgi import WSGIHandler

    server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=WSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as conn:
        conn.sendall(
            b"POST /admin/images/add/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 1073741824\r\n\r\n"
        )
        answer = conn.recv(4096)
    server.server_close()
    assert answer.startswith(b"HTTP/1.0 413") or answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert time.monotonic() - started < 3
