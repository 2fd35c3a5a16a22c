"""The Redis side of ingestion: the event queue and reject counters (limits: enterprises/throttle.py).

Without REDIS_URL (a development shell; `make run` and production have Redis) there is no
queue and batches are stored in the request.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings

try:  # orjson parses and writes the queue's JSON several times faster; the stdlib is the fallback
    import orjson

    json_loads = orjson.loads

    def json_dumps(value) -> bytes:
        # default=str: translatable titles (gettext_lazy proxies) are written as their text.
        return orjson.dumps(value, default=str)

except ImportError:  # pragma: no cover - orjson is pinned in requirements.txt
    json_loads = json.loads

    def json_dumps(value) -> bytes:
        return json.dumps(value, separators=(",", ":"), default=str).encode()


QUEUE_KEY = "trk:events"
REJECTS_KEY = "trk:rejects"
DRAIN_LOCK_KEY = "trk:drain-lock"
DRAIN_PENDING_KEY = "trk:drain-pending"


@functools.cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url)


def redis_client():
    """The shared Redis connection, or None when the deployment has no Redis."""
    return _client(settings.REDIS_URL) if settings.REDIS_URL else None


def rejects_count(reasons: dict[str, int]) -> None:
    """Count dropped events by reason (visible in the data center's ingestion panel)."""
    if not reasons:
        return
    client = redis_client()
    if client is None:
        from django.core.cache import cache

        totals = cache.get(REJECTS_KEY) or {}
        for reason, count in reasons.items():
            totals[reason] = totals.get(reason, 0) + count
        cache.set(REJECTS_KEY, totals, None)
        return
    pipe = client.pipeline(transaction=False)
    for reason, count in reasons.items():
        pipe.hincrby(REJECTS_KEY, reason, count)
    pipe.execute()


def rejects_totals() -> dict[str, int]:
    client = redis_client()
    if client is None:
        from django.core.cache import cache

        return dict(cache.get(REJECTS_KEY) or {})
    return {key.decode(): int(value) for key, value in client.hgetall(REJECTS_KEY).items()}


def throttle_claim(keys: list[str], ttl: int) -> list[bool]:
    """Claim each key for ``ttl`` seconds (SET NX EX in one round trip); True where newly claimed."""
    if not keys:
        return []
    client = redis_client()
    if client is None:
        from django.core.cache import cache

        return [cache.add(key, 1, ttl) for key in keys]
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.set(key, 1, nx=True, ex=ttl)
    return [bool(result) for result in pipe.execute()]
