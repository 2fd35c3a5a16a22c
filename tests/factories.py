"""Core factories: enterprises and their people, built through the real services."""

from __future__ import annotations

import io

import factory
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from enterprises import services
from enterprises.models import Department, Enterprise, Role

PASSWORD = "test-pass-123"


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"Enterprise {n}")
    slug = factory.Sequence(lambda n: f"ent{n}")

    @classmethod
    def _create(cls, model_class, *args, name, slug, hostname=None, **kwargs):
        return services.enterprise_create(name=name, slug=slug, hostname=hostname or f"{slug}.test")


_counter = iter(range(1, 10**9))


def make_member(
    enterprise: Enterprise,
    role: Role = Role.SALESPERSON,
    *,
    username: str | None = None,
    department: Department | None = None,
    is_salesperson: bool | None = None,
    **kwargs,
):
    """A user of ``enterprise`` with ``role`` (and a salesperson profile for salespeople)."""
    username = username or f"{enterprise.slug}-{role}-{next(_counter)}"
    return services.member_add(
        enterprise=enterprise,
        username=username,
        role=role,
        password=PASSWORD,
        department=department,
        is_salesperson=is_salesperson,
        display_name=kwargs.pop("display_name", username),
        **kwargs,
    )


def make_salesperson(enterprise: Enterprise, **kwargs):
    return make_member(enterprise, Role.SALESPERSON, **kwargs).salesperson


def png_bytes(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_image(enterprise: Enterprise, title: str = "image", **kwargs):
    image_model = get_image_model()
    return image_model.objects.create(
        title=title,
        file=ImageFile(io.BytesIO(png_bytes(**kwargs)), name=f"{title}.png"),
        collection=enterprise.collection,
    )


def make_document(enterprise: Enterprise, title: str = "document", content: bytes = b"hello"):
    from django.core.files.base import ContentFile

    return get_document_model().objects.create(
        title=title, file=ContentFile(content, name=f"{title}.txt"), collection=enterprise.collection
    )
