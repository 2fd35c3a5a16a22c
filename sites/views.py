"""Admin view: put the microsite on / take it off the shelf (SITE-3)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .models import MicrositeHomePage
from .services import microsite_set_shelf


def microsite_shelf(request, pk: int):
    home = get_object_or_404(MicrositeHomePage, pk=pk)
    if not home.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    if request.method != "POST":
        return TemplateResponse(request, "microsites/shelf.html", {"home": home})
    on_shelf = request.POST.get("on_shelf") == "1"
    microsite_set_shelf(home=home, on_shelf=on_shelf)
    messages.success(
        request,
        _("The microsite is on the shelf.")
        if on_shelf
        else _("The microsite is off the shelf; the design is kept."),
    )
    return redirect("wagtailadmin_explore", home.pk)
