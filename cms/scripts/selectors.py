"""Reads of the script library: what a salesperson may send."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from enterprises.models import Salesperson

from .models import SalesScript


def script_library(
    *, salesperson: Salesperson, search: str = "", group_id: int | None = None, mine_only: bool = False
) -> QuerySet[SalesScript]:
    """The enterprise library plus the salesperson's own scripts, searchable by title and text."""
    visible = Q(owner__isnull=True) | Q(owner=salesperson)
    if mine_only:
        visible = Q(owner=salesperson)
    scripts = SalesScript.objects.filter(visible, enterprise_id=salesperson.enterprise_id)
    if search:
        scripts = scripts.filter(Q(title__icontains=search) | Q(text__icontains=search))
    if group_id:
        scripts = scripts.filter(group_id=group_id)
    return scripts.select_related("group", "image")
