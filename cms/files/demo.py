"""Demo files (FILE-1): three in the enterprise library, two personal, all through the checked service."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cms.demo_images import demo_picture

from .models import SalesFile
from .services import salesfile_create

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64  # a header only: enough for the type check
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png(enterprise, title):
    image = demo_picture(enterprise, f"File {title}", size=(800, 500), top=(60, 60, 120), text=title)
    image.file.open("rb")
    try:
        return SimpleUploadedFile(f"{title}.png", image.file.read(), content_type="image/png")
    finally:
        image.file.close()


def seed_content(context) -> None:
    enterprise = context.enterprise
    owner = context.salespeople[0] if context.salespeople else None
    files = [
        ("公司介绍", "document", None, lambda: SimpleUploadedFile("profile.pdf", PDF)),
        ("产品目录 2026", "document", None, lambda: SimpleUploadedFile("catalogue.pdf", PDF)),
        ("工厂照片", "image", None, lambda: _png(enterprise, "factory")),
        ("我的报价单", "document", owner, lambda: SimpleUploadedFile("quote.txt", b"Quote: 1999 yuan")),
        ("安装视频", "video", owner, lambda: SimpleUploadedFile("install.mp4", MP4)),
    ]
    for title, kind, file_owner, upload in files:
        if SalesFile.objects.filter(enterprise=enterprise, title=title).exists():
            continue
        salesfile_create(enterprise=enterprise, title=title, kind=kind, owner=file_owner, upload=upload())
