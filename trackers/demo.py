"""Demo tracking data: a few visitors reading each salesperson's card and articles (idempotent).

Events go through the real storing step (``events_store``) with fixed event ids, so a
second run finds every key already stored and changes nothing.
"""

from __future__ import annotations

import time

from .models import EventType, TargetKind, TrackingSettings, Visitor
from .store import events_store

#: WeChat nicknames of the demo visitors, three per salesperson.
NICKNAMES = ["老周", "陈工", "水务小李", "Grace 林", "采购部-孙", "阿强", "海安食品 吴总", "刘小姐", "郑经理"]


def _article_reads(enterprise, salesperson, device, base, start, now_ms) -> dict | None:
    """The first two visitors of each salesperson also read an article for a while (intent, views)."""
    from cms.articles.selectors import articles_readable

    article = articles_readable(enterprise=enterprise).order_by("path").first()
    if article is None:
        return None
    rows = [[f"{base}-open-article", EventType.OPEN, start + 60_000, 0, 0, TargetKind.ARTICLE, article.pk]]
    for step in range(1, 7):
        rows.append(
            [
                f"{base}-read-article-{step}",
                EventType.HEARTBEAT,
                start + 60_000 + step * 15_000,
                15,
                min(100, step * 17),
                TargetKind.ARTICLE,
                article.pk,
            ]
        )
    return {
        "e": enterprise.pk,
        "s": salesperson.pk,
        "k": TargetKind.ARTICLE,
        "t": article.pk,
        "f": None,
        "d": 0,
        "v": None,
        "dev": device,
        "ses": "",
        "r": now_ms,
        "ev": rows,
    }


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
            if n < 2:
                reads = _article_reads(enterprise, salesperson, device, base, start, now_ms)
                if reads is not None:
                    messages.append(reads)
    events_store(messages)
    number = 0
    for salesperson in context.salespeople:
        for n in range(3):
            device = f"demo-{enterprise.pk}-{salesperson.pk}-{n}"
            Visitor.objects.filter(enterprise=enterprise, device_id=device, nickname="").update(
                nickname=NICKNAMES[number % len(NICKNAMES)]
            )
            number += 1
