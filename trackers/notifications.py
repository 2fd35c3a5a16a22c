"""Notification channels (TRK-4): the in-app inbox is the record; other channels send from it.

The WeChat/WeCom engineer adds a channel with one call::

    register_channel("wechat", lambda notifications: ...)

A channel receives a batch (a drain stores hundreds of notifications at once), so it can load what
it needs for all of them in one query instead of one per notification.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from .models import Notification

logger = logging.getLogger(__name__)

#: name -> ``send(notifications)``; the in-app inbox needs no entry (the row is the message).
CHANNELS: dict[str, Callable[[Sequence[Notification]], None]] = {}


def register_channel(name: str, send: Callable[[Sequence[Notification]], None]) -> None:
    CHANNELS[name] = send


def unregister_channel(name: str) -> None:
    CHANNELS.pop(name, None)


def notification_dispatch(*, notifications: Sequence[Notification]) -> list[str]:
    """Send through every registered channel; one failing channel does not stop the others."""
    sent = []
    if not notifications:
        return sent
    for name, send in list(CHANNELS.items()):
        try:
            send(notifications)
            sent.append(name)
        except Exception:  # noqa: BLE001 - a channel outage must not lose the in-app record
            logger.exception("notification channel %s failed for %s", name, [n.pk for n in notifications])
    return sent
