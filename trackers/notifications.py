"""Notification channels (TRK-4): the in-app inbox is the record; other channels send from it.

The WeChat/WeCom engineer adds a channel with one call::

    register_channel("wecom", lambda notification: adapter.send_app_message(...))
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from .models import Notification

logger = logging.getLogger(__name__)

#: name -> ``send(notification)``; the in-app inbox needs no entry (the row is the message).
CHANNELS: dict[str, Callable[[Notification], None]] = {}


def register_channel(name: str, send: Callable[[Notification], None]) -> None:
    CHANNELS[name] = send


def unregister_channel(name: str) -> None:
    CHANNELS.pop(name, None)


def notification_dispatch(*, notification: Notification) -> list[str]:
    """Send through every registered channel; one failing channel does not stop the others."""
    sent = []
    for name, send in list(CHANNELS.items()):
        try:
            send(notification)
            sent.append(name)
        except Exception:  # noqa: BLE001 - a channel outage must not lose the in-app record
            logger.exception("notification channel %s failed for %s", name, notification.pk)
    return sent
