"""Helpers for tracking tests: share tokens, event batches, a clean Redis per test."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from django.conf import settings

from trackers.share import share_token_make

_ids = itertools.count(1)


def token_for(salesperson, kind: str = "article", target_id: int = 1) -> str:
    return share_token_make(
        enterprise_id=salesperson.enterprise_id, salesperson_id=salesperson.pk, kind=kind, target_id=target_id
    )


def event(type_: str = "open", **fields) -> dict:
    data = {"id": fields.pop("id", f"ev-{next(_ids)}-{time.monotonic_ns()}"), "type": type_}
    data.setdefault("ts", int(time.time() * 1000))
    data.update(fields)
    return data


def post_batch(client, token: str, events: list[dict], *, device: str = "device-0001", headers=None, **extra):
    payload = {"token": token, "events": events, **extra}
    if "visitor" not in extra:
        payload["device"] = device
    return client.post("/t/", data=json.dumps(payload), content_type="application/json", **(headers or {}))


@pytest.fixture
def clean_redis():
    """Tracking keys (queue, locks, counters, throttles) and cached rules start empty in every test."""
    from trackers.rules import tracking_settings_forget

    tracking_settings_forget()
    if settings.REDIS_URL:
        from trackers.queue import redis_client

        redis_client().flushdb()
    else:
        from django.core.cache import cache

        cache.clear()
    yield
