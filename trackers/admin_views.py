"""Wagtail admin screens of the data center (DATA-1..5, POST-3); figures come from selectors."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from enterprises.models import Role
from enterprises.selectors import scope_for_user

from . import selectors
from .models import TargetKind, TrackingSettings
from .queue import rejects_totals
from .registry import UnknownKind, kind_code
from .rules import tracking_settings_forget

KINDS = ["article", "page", "card", "poster", "form", "file", "product"]


def _days(request) -> int:
    try:
        return max(1, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        return 30


def _scope(request):
    scope = scope_for_user(request.user)
    if scope.enterprise_id == -1:
        raise PermissionDenied
    return scope


def data_center_view(request):
    """Dashboard: daily chart, per-content, per-salesperson, posters, top visitors."""
    scope = _scope(request)
    days = _days(request)
    kind = request.GET.get("kind") or None
    if kind not in (None, *KINDS):
        kind = None
    board = selectors.dashboard(scope=scope, days=days, kind=kind)
    chart = {
        "labels": [entry["day"][5:] for entry in board.series],
        "opens": [entry["opens"] for entry in board.series],
        "read_minutes": [round(entry["read_seconds"] / 60, 1) for entry in board.series],
        "shares": [entry["shares"] for entry in board.series],
    }
    context = {
        "days": days,
        "kind": kind,
        "kinds": [(name, TargetKind[name.upper()].label) for name in KINDS],
        "board": board,
        "chart": chart,
        "content": selectors.content_stats(scope=scope, kind=kind, days=days, limit=30),
        "salespeople": selectors.salesperson_stats(scope=scope, days=days),
        "posters": selectors.poster_stats(scope=scope, days=days),
        "visitors": selectors.visitor_stats(scope=scope, limit=20),
        "rejects": rejects_totals() if request.user.is_superuser else None,
    }
    return render(request, "trackers/data_center.html", context)


def content_detail_view(request, kind: str, target_id: int):
    """One item's view list and share list (DATA-5) with its forward chain."""
    scope = _scope(request)
    try:
        kind_code(kind)
    except UnknownKind:
        raise Http404 from None
    context = {
        "kind": kind,
        "target_id": target_id,
        "viewers": selectors.content_viewers(scope=scope, kind=kind, target_id=target_id),
        "sharers": selectors.content_viewers(scope=scope, kind=kind, target_id=target_id, sharers_only=True),
        "forwards": selectors.content_forwards(scope=scope, kind=kind, target_id=target_id),
    }
    return render(request, "trackers/content_detail.html", context)


def visitor_detail_view(request, visitor_id: int):
    """A visitor's totals, intent, tags and timeline (TRK-3)."""
    scope = _scope(request)
    visitor = selectors.visitor_get(scope=scope, visitor_id=visitor_id)
    if visitor is None:
        raise Http404
    context = {
        "visitor": visitor,
        "intent": selectors.visitor_intent(visitor),
        "tags": list(visitor.tags.values_list("name", flat=True)),
        "timeline": selectors.visitor_timeline(scope=scope, visitor=visitor, limit=200),
    }
    return render(request, "trackers/visitor_detail.html", context)


class TrackingSettingsForm(forms.ModelForm):
    class Meta:
        model = TrackingSettings
        fields = [
            "precise_min_clicks",
            "precise_min_read_seconds",
            "intent_half_life_days",
            "intent_medium_score",
            "intent_high_score",
            "notify_throttle_seconds",
            "session_timeout_seconds",
        ]

    def clean(self):
        data = super().clean()
        medium, high = data.get("intent_medium_score"), data.get("intent_high_score")
        if medium is not None and high is not None and medium >= high:
            self.add_error("intent_high_score", "Must be above the medium score.")
        if (data.get("intent_half_life_days") or 0) <= 0:
            self.add_error("intent_half_life_days", "Must be more than 0 days.")
        return data


def tracking_settings_view(request):
    """The enterprise's precise-user rule (ART-10), intent thresholds and notification timing."""
    from enterprises.selectors import enterprise_for_user

    enterprise = enterprise_for_user(request.user)
    membership = getattr(request.user, "membership", None)
    if enterprise is None or membership is None or membership.role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied
    instance, _ = TrackingSettings.objects.get_or_create(enterprise=enterprise)
    form = TrackingSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        tracking_settings_forget(enterprise.pk)
        messages.success(request, "Tracking rules saved.")
        return redirect("trackers_settings")
    return render(request, "trackers/settings.html", {"form": form})
