"""The enterprise's tracking rules (precise user, intent, throttle, session timeout), cached briefly."""

from __future__ import annotations

import time

from .models import TrackingSettings

_SETTINGS_CACHE: dict[int, tuple[float, TrackingSettings]] = {}


SETTINGS_CACHE_SECONDS = 30


def tracking_settings(enterprise_id: int) -> TrackingSettings:
    """The enterprise's rules (defaults when it never saved any), kept in process for 30 s."""
    now = time.monotonic()
    cached = _SETTINGS_CACHE.get(enterprise_id)
    if cached and now - cached[0] < SETTINGS_CACHE_SECONDS:
        return cached[1]
    found = TrackingSettings.objects.filter(enterprise_id=enterprise_id).first() or TrackingSettings(
        enterprise_id=enterprise_id
    )
    _SETTINGS_CACHE[enterprise_id] = (now, found)
    return found


def tracking_settings_forget(enterprise_id: int | None = None) -> None:
    """Drop cached rules (after an admin edits them; tests)."""
    if enterprise_id is None:
        _SETTINGS_CACHE.clear()
    else:
        _SETTINGS_CACHE.pop(enterprise_id, None)
