"""Writes of the script library."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import F

from enterprises.models import Salesperson

from .models import SalesScript
from .selectors import script_library


def script_create(
    *, salesperson: Salesperson, title: str, text: str = "", group=None, image=None, shared: bool = False
) -> SalesScript:
    """A salesperson's own script; ``shared`` puts it straight into the enterprise library."""
    if not text.strip() and image is None:
        raise ValidationError({"text": "A script needs a text or an image."})
    if group is not None and group.enterprise_id != salesperson.enterprise_id:
        raise ValidationError({"group": "Choose a group of your enterprise."})
    script = SalesScript(
        enterprise_id=salesperson.enterprise_id,
        owner=None if shared else salesperson,
        title=title,
        text=text,
        group=group,
        image=image,
    )
    script.full_clean()
    script.save()
    return script


def script_use(*, script_id: int, salesperson: Salesperson) -> SalesScript:
    """Count one copy/send; only scripts the salesperson may see can be used."""
    script = script_library(salesperson=salesperson).get(pk=script_id)
    SalesScript.objects.filter(pk=script.pk).update(use_count=F("use_count") + 1)
    script.refresh_from_db(fields=["use_count"])
    return script
