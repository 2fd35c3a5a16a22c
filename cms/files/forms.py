"""The file library admin form: upload a file directly (checked) or choose a stored one."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cms.products.forms import EnterpriseChoicesForm

from .models import FileKind
from .services import FileRejected, salesfile_check, salesfile_share_to_enterprise


class SalesFileForm(EnterpriseChoicesForm):
    upload = forms.FileField(
        required=False,
        help_text=_(
            "Upload a new file (documents up to 20 MB, images 10 MB, video 100 MB), "
            "or choose a stored one below."
        ),
    )
    share_to_enterprise = forms.BooleanField(
        required=False, help_text=_("Also put a copy of this personal file in the enterprise library.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        salesperson = getattr(getattr(self, "for_user", None), "salesperson", None)
        if (
            salesperson is None
            or self.instance.owner_id not in (None, salesperson.pk)
            or (self.instance.pk and self.instance.owner_id is None)
        ):
            self.fields.pop("share_to_enterprise", None)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            kind = cleaned.get("kind") or FileKind.DOCUMENT
            try:
                content_type = salesfile_check(
                    kind=kind, name=upload.name, size=upload.size, head=upload.read(16), file=upload
                )
            except FileRejected as error:
                self.add_error("upload", error.message)
            else:
                upload.seek(0)
                self.instance._pending_upload = upload
                self.instance.content_type = content_type
        return cleaned

    @transaction.atomic
    def save(self, commit=True):
        from django.core.files.images import ImageFile
        from wagtail.documents import get_document_model
        from wagtail.images import get_image_model

        instance = super().save(commit=False)
        upload = getattr(instance, "_pending_upload", None)
        if upload is not None:
            collection = instance.enterprise.collection
            if instance.kind == FileKind.IMAGE:
                instance.image = get_image_model().objects.create(
                    title=instance.title, file=ImageFile(upload, name=upload.name), collection=collection
                )
            else:
                instance.document = get_document_model().objects.create(
                    title=instance.title, file=upload, collection=collection
                )
            instance.size = upload.size
        if commit:
            instance.save()
            self.save_m2m()
            if self.cleaned_data.get("share_to_enterprise") and instance.owner_id:
                salesfile_share_to_enterprise(sales_file=instance, salesperson=instance.owner)
        return instance
