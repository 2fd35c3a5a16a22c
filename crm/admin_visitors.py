"""CRM-7 visitor list for a salesperson, seen/unseen, and "add viewer to pool" (CRM-1).

Visitors come from trackers' scoped ``visitor_queryset``: a salesperson sees the visitors their own
shares reached, an admin the enterprise; a visitor id outside that is a 404 everywhere here.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from trackers import selectors as tracking
from trackers.models import TargetKind

from . import selectors, services
from .admin_leads import _scope
from .models import Pool

PAGE = 50


#: The intent levels of ``selectors.INTENT_LEVELS`` as the filter shows them.
INTENT_LABELS = dict(
    zip(selectors.INTENT_LEVELS, (_("No intent"), _("Low"), _("Medium"), _("High")), strict=True)
)


class VisitorFilterForm(forms.Form):
    intent = forms.ChoiceField(required=False, choices=[("", _("Any intent")), *INTENT_LABELS.items()])
    source = forms.ChoiceField(
        required=False, choices=[("", _("Any source"))] + [(k.name.lower(), k.label) for k in TargetKind]
    )
    since = forms.DateField(
        required=False, label=_("Visited from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("Visited until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    seen = forms.ChoiceField(
        required=False,
        choices=[("", _("Seen and unseen")), ("no", _("Unseen only")), ("yes", _("Seen only"))],
    )
    order = forms.ChoiceField(
        required=False, choices=[(key, label) for key, (_f, label) in selectors.VISITOR_ORDERS.items()]
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1000, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date is before the start date.")
        return data


def _day_start(day: dt.date | None):
    from django.utils import timezone

    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def visitor_list_view(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    form = VisitorFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = data.get("page") or 1
    until = data.get("until")
    visitors = list(
        selectors.visitor_screen(
            scope=scope,
            user_id=request.user.pk,
            intent=data.get("intent") or "",
            source=data.get("source") or "",
            since=_day_start(data.get("since")),
            until=_day_start(until + dt.timedelta(days=1)) if until else None,
            seen={"yes": True, "no": False}.get(data.get("seen") or ""),
            order=data.get("order") or "last_visit",
            limit=PAGE + 1,
            offset=(page - 1) * PAGE,
        )
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "visitors": visitors[:PAGE],
        "page": page,
        "has_next": len(visitors) > PAGE,
        "query": query.urlencode(),
        "pools": [(p, Pool(p).label) for p in services.POOLS_FOR_VISITORS],
    }
    return render(
        request, "crm/visitors.html", context, status=200 if form.is_valid() or not request.GET else 400
    )


def visitor_open_view(request: HttpRequest, visitor_id: int) -> HttpResponse:
    """Mark the visitor seen by this user, then show trackers' visitor page."""
    scope = _scope(request)
    visitor = tracking.visitor_get(scope=scope, visitor_id=visitor_id)
    if visitor is None:
        raise Http404
    services.visitor_mark_seen(user=request.user, visitor=visitor)
    return redirect("trackers_visitor", visitor.pk)


@require_POST
def visitor_add_to_pool_view(request: HttpRequest, visitor_id: int) -> HttpResponse:
    """POST ``pool`` (and for admins optionally ``salesperson``): the viewer becomes a lead in that pool."""
    scope = _scope(request)
    visitor = tracking.visitor_get(scope=scope, visitor_id=visitor_id)
    if visitor is None:
        raise Http404
    pool = request.POST.get("pool", "")
    if scope.sees_whole_enterprise:
        chosen = request.POST.get("salesperson", "")
        people = scope.salespeople().filter(enterprise_id=visitor.enterprise_id, is_active=True)
        salesperson = people.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if salesperson is None and pool == Pool.FOLLOWING and visitor.first_salesperson_id:
            salesperson = people.filter(pk=visitor.first_salesperson_id).first()
    else:
        salesperson = scope.salespeople().filter(pk=scope.salesperson_id).first()
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    try:
        lead, created = services.lead_add_visitor(
            visitor=visitor, pool=pool, salesperson=salesperson if pool == Pool.FOLLOWING else None
        )
    except services.CrmError as error:
        messages.error(request, str(error))
        return redirect(next_url or "crm_visitors")
    if lead.salesperson_id and lead.salesperson_id != getattr(salesperson, "pk", None) and not created:
        if selectors.lead_get(scope=scope, lead_id=lead.pk) is None:
            messages.warning(request, f"{visitor} is already a lead followed by a colleague.")
            return redirect(next_url or "crm_visitors")
    pool_label = lead.get_pool_display().lower()
    messages.success(
        request,
        f"{visitor} is in the {pool_label} pool." if not created else f"{visitor} added to {pool_label}.",
    )
    if next_url:
        return redirect(next_url)
    if selectors.lead_get(scope=scope, lead_id=lead.pk) is not None:
        return redirect("crm_lead_detail", lead_id=lead.pk)
    return redirect("crm_visitors")
