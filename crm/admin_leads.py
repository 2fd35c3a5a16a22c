"""Lead/customer detail page and its actions (CRM-1..6), each a confirmation screen over a service.

Every view loads the lead through :func:`crm.selectors.lead_get` with the user's scope, so a
salesperson reaches only their own leads and an admin only their enterprise's (404 otherwise).
Actions that touch other people's leads (assign, merge, collisions) are for admins only.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.admin.widgets import AdminDateTimeInput

from enterprises.selectors import Scope, scope_for_user

from . import selectors, services
from .models import FollowUp, Lead, Pool, Tag


def _scope(request: HttpRequest) -> Scope:
    scope = scope_for_user(request.user)
    if scope.enterprise_id == -1:
        raise PermissionDenied
    return scope


def _lead_or_404(request: HttpRequest, lead_id: int) -> tuple[Scope, Lead]:
    scope = _scope(request)
    lead = selectors.lead_get(scope=scope, lead_id=lead_id)
    if lead is None:
        raise Http404
    return scope, lead


def _admin_only(scope: Scope) -> None:
    if not scope.sees_whole_enterprise:
        raise PermissionDenied


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(choices=FollowUp.Status.choices)
    content = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    next_at = forms.DateTimeField(required=False, widget=AdminDateTimeInput, label=_("Remind me at"))

    def clean_next_at(self):
        value = self.cleaned_data.get("next_at")
        if value and value <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return value


def _detail_context(request, scope: Scope, lead: Lead, followup_form=None) -> dict:
    detail = selectors.lead_detail(scope=scope, lead=lead)
    return {
        "detail": detail,
        "lead": lead,
        "followup_form": followup_form or FollowUpForm(),
        "is_admin": scope.sees_whole_enterprise,
        "move_to": Pool.ELIMINATED if lead.pool != Pool.ELIMINATED else Pool.FOLLOWING,
    }


def lead_detail_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Timeline from tracking, follow-ups (with the add form), tags, forwarders, actions."""
    scope, lead = _lead_or_404(request, lead_id)
    return render(request, "crm/lead_detail.html", _detail_context(request, scope, lead))


@require_POST
def lead_followup_add_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    scope, lead = _lead_or_404(request, lead_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.followup_create(
                lead=lead,
                salesperson=lead.salesperson,
                content=form.cleaned_data["content"],
                status=form.cleaned_data["status"],
                next_at=form.cleaned_data["next_at"],
            )
        except services.CrmError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect("crm_lead_detail", lead_id=lead.pk)
    return render(request, "crm/lead_detail.html", _detail_context(request, scope, lead, form), status=400)


@require_POST
def lead_tag_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Add (``add=<tag id>``) or remove (``remove=<tag id>``) one enterprise tag."""
    _scope, lead = _lead_or_404(request, lead_id)
    tags = Tag.objects.filter(enterprise_id=lead.enterprise_id)
    add, remove = request.POST.get("add", ""), request.POST.get("remove", "")
    tag = tags.filter(pk=int(add or remove)).first() if (add or remove).isdigit() else None
    if tag is None:
        messages.error(request, _("Choose a tag of your enterprise."))
    elif add:
        services.lead_tag_add(lead=lead, tag=tag)
        messages.success(request, _("Tagged “%(tag)s”.") % {"tag": tag})
    else:
        services.lead_tag_remove(lead=lead, tag=tag)
        messages.success(request, _("Removed “%(tag)s”.") % {"tag": tag})
    return redirect("crm_lead_detail", lead_id=lead.pk)


# ---- confirmation screens ---------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False)


class MoveForm(forms.Form):
    pool = forms.ChoiceField(choices=[(Pool.FOLLOWING, _("Following")), (Pool.ELIMINATED, _("Eliminated"))])
    reason = forms.CharField(max_length=200, help_text=_("Why it moves (kept on the customer)."))


class AssignForm(forms.Form):
    salesperson = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, enterprise_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        from enterprises.models import Salesperson

        self.fields["salesperson"].queryset = Salesperson.objects.filter(
            enterprise_id=enterprise_id, is_active=True
        ).select_related("user")


def _confirm(request, lead, *, action: str, title: str, form=None, extra=None, status=200) -> HttpResponse:
    context = {"lead": lead, "action": action, "title": title, "form": form, **(extra or {})}
    return render(request, "crm/lead_confirm.html", context, status=status)


def _run(request, lead: Lead, call, success: str, form=None, action="", title="") -> HttpResponse:
    """Call a service; a refusal (CrmError) shows the confirmation screen again with its message."""
    try:
        call()
    except services.CrmError as error:
        messages.error(request, str(error))
        return _confirm(request, lead, action=action, title=title, form=form, status=400)
    messages.success(request, success)
    return redirect("crm_lead_detail", lead_id=lead.pk)


def lead_release_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Back to the to-assign pool (owner or admin); open collisions on it are resolved.

    Lands on the lead list: a released lead has no owner, so its page is out of a salesperson's scope.
    """
    _scope, lead = _lead_or_404(request, lead_id)
    form = ReasonForm(request.POST or None)
    title = _("Release %(lead)s back to the pool") % {"lead": lead}
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_release(lead=lead, reason=form.cleaned_data["reason"])
        except services.CrmError as error:
            messages.error(request, str(error))
            return _confirm(request, lead, action="release", title=title, form=form, status=400)
        messages.success(request, _("%(lead)s released to the pool.") % {"lead": lead})
        return redirect("wagtailsnippets_crm_lead:list")
    return _confirm(request, lead, action="release", title=title, form=form)


def lead_move_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Following ↔ eliminated with a reason (CRM-3)."""
    _scope, lead = _lead_or_404(request, lead_id)
    initial = {"pool": Pool.ELIMINATED if lead.pool != Pool.ELIMINATED else Pool.FOLLOWING}
    form = MoveForm(request.POST or None, initial=initial)
    title = _("Move %(lead)s") % {"lead": lead}
    if request.method == "POST" and form.is_valid():
        pool = form.cleaned_data["pool"]
        return _run(
            request,
            lead,
            lambda: services.lead_move(lead=lead, pool=pool, reason=form.cleaned_data["reason"]),
            _("Moved to %(pool)s.") % {"pool": Pool(pool).label},
            form=form,
            action="move",
            title=title,
        )
    return _confirm(request, lead, action="move", title=title, form=form, status=400 if form.errors else 200)


def lead_convert_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    _scope, lead = _lead_or_404(request, lead_id)
    if request.method == "POST":
        return _run(request, lead, lambda: services.lead_convert(lead=lead), _("Converted to a customer."))
    return _confirm(
        request, lead, action="convert", title=_("Convert %(lead)s to a customer") % {"lead": lead}
    )


def lead_assign_one_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Admins hand an unowned lead to a salesperson; a lead cooling down after a collision is refused."""
    scope, lead = _lead_or_404(request, lead_id)
    _admin_only(scope)
    form = AssignForm(request.POST or None, enterprise_id=lead.enterprise_id)
    title = _("Assign %(lead)s") % {"lead": lead}
    if request.method == "POST" and form.is_valid():
        salesperson = form.cleaned_data["salesperson"]
        return _run(
            request,
            lead,
            lambda: services.lead_claim(lead=lead, salesperson=salesperson),
            _("Assigned to %(salesperson)s.") % {"salesperson": salesperson},
            form=form,
            action="assign",
            title=title,
        )
    return _confirm(request, lead, action="assign", title=title, form=form)


def lead_merge_view(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Phone merge (admins): GET shows the dry-run result, POST merges and writes the audit entry."""
    scope, lead = _lead_or_404(request, lead_id)
    _admin_only(scope)
    if not lead.phone:
        raise Http404
    preview = services.leads_merge_by_phone(enterprise=lead.enterprise, phone=lead.phone, dry_run=True)
    merged = Lead.objects.filter(pk__in=preview.merged_ids).select_related("salesperson")
    extra = {"preview": preview, "merged": merged}
    if request.method == "POST" and not preview.error:
        result = services.leads_merge_by_phone(
            enterprise=lead.enterprise, phone=lead.phone, dry_run=False, actor=request.user
        )
        merged_count = len(result.merged_ids)
        messages.success(
            request, _("Merged %(count)s leads into this one; audit entry written.") % {"count": merged_count}
        )
        return redirect("crm_lead_detail", lead_id=result.target_id)
    if request.method == "POST":
        messages.error(request, preview.error)
    return _confirm(
        request,
        lead,
        action="merge",
        title=_("Merge leads with phone %(phone)s") % {"phone": lead.phone},
        extra=extra,
    )


# ---- collisions (admins) ----------------------------------------------------------------------


def collision_list_view(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    _admin_only(scope)
    collisions = selectors.collision_open_list(scope=scope).select_related(
        "lead__salesperson", "other_lead__salesperson", "claimant"
    )
    # a claim (collision_claim) has one lead and a claimant instead of a second lead
    rows = [(c, tuple(side for side in (c.lead, c.other_lead) if side is not None)) for c in collisions]
    return render(request, "crm/collisions.html", {"rows": rows, "now": timezone.now()})


def collision_resolve_view(request: HttpRequest, collision_id: int, keep_id: int) -> HttpResponse:
    """Keep one side; protection period and cooldown are the service's (clear refusal message)."""
    scope = _scope(request)
    _admin_only(scope)
    collision = (
        selectors.collision_open_list(scope=scope)
        .select_related("lead__salesperson", "other_lead__salesperson")
        .filter(pk=collision_id)
        .first()
    )
    if collision is None or keep_id not in (collision.lead_id, collision.other_lead_id):
        raise Http404
    keep = collision.lead if keep_id == collision.lead_id else collision.other_lead
    loser = collision.other_lead if keep is collision.lead else collision.lead  # None for a claim
    context = {"collision": collision, "keep": keep, "loser": loser}
    if request.method == "POST":
        try:
            services.collision_resolve(collision=collision, keep=keep)
        except services.CrmError as error:
            until = loser.protected_until if loser is not None else None
            messages.error(
                request, f"{error} Protected until {until:%Y-%m-%d %H:%M}." if until else str(error)
            )
            return render(request, "crm/collision_resolve.html", context, status=400)
        if loser is None:
            messages.success(
                request,
                _("Kept %(lead)s with %(owner)s; the claim is dismissed.")
                % {"lead": keep, "owner": keep.salesperson},
            )
            return redirect("crm_collisions")
        messages.success(
            request,
            _("Kept %(kept)s; %(other)s is back in the pool (cooling down).")
            % {"kept": keep, "other": loser},
        )
        return redirect("crm_collisions")
    return render(request, "crm/collision_resolve.html", context)
