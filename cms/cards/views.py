"""The admin action that copies the card template onto chosen salespeople's cards (CARD-1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from enterprises.selectors import enterprise_for_user, scope_for_user

from .forms import TemplateApplyForm
from .services import card_template_apply, card_template_get_or_create


def template_apply(request):
    enterprise = enterprise_for_user(request.user)
    scope = scope_for_user(request.user)
    if enterprise is None or not scope.sees_whole_enterprise:
        raise PermissionDenied
    if not request.user.has_perm("cards.change_cardtemplate"):
        raise PermissionDenied
    form = TemplateApplyForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        template = card_template_get_or_create(enterprise=enterprise)
        count = card_template_apply(template=template, salespeople=form.cleaned_data["salespeople"])
        messages.success(request, f"Template copied to {count} card(s).")
        return redirect("cards_template_apply")
    return TemplateResponse(request, "cards/template_apply.html", {"form": form, "enterprise": enterprise})
