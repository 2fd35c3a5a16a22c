"""Demo tracking data: a few visitors reading each salesperson's card and articles (idempotent).

Events go through the real storing step (``events_store``) with fixed event ids, so a
second run finds every key already stored and changes nothing.
"""

from __future__ import annotations

import time

from .ingest import events_store
from .models import EventType, TargetKind, TrackingSettings


def seed_content(context) -> None:
    enterprise = context.enterprise
    TrackingSettings.objects.get_or_create(enterprise=enterprise)
    now_ms = int(time.time() * 1000)
    messages = []
    for salesperson in context.salespeople:
        for n in range(3):
            device = f"demo-{enterprise.pk}-{salesperson.pk}-{n}"
            base = f"demo-{salesperson.pk}-{n}"
            start = now_ms - (n + 1) * 86_400_000
            rows = [
                [f"{base}-open-card", EventType.OPEN, start, 0, 0, TargetKind.CARD, salesperson.pk],
                [
                    f"{base}-read-card",
                    EventType.HEARTBEAT,
                    start + 20_000,
                    20,
                    60,
                    TargetKind.CARD,
                    salesperson.pk,
                ],
                [f"{base}-click", EventType.CLICK, start + 25_000, 0, 0, TargetKind.CARD, salesperson.pk],
            ]
            if n < 2:
                rows.append(
                    [f"{base}-share", EventType.SHARE, start + 30_000, 0, 0, TargetKind.CARD, salesperson.pk]
                )
            messages.append(
                {
                    "e": enterprise.pk,
                    "s": salesperson.pk,
                    "k": TargetKind.CARD,
                    "t": salesperson.pk,
                    "f": None,
                    "d": 0,
                    "v": None,
                    "dev": device,
                    "ses": "",
                    "r": now_ms,
                    "ev": rows,
                }
            )
    events_store(messages)
