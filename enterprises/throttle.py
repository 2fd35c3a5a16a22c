"""The one rate limiter for public writes: fixed-window counters in the shared Redis.

Every anonymous write (the beacon, ``visitorSession``, ``submitForm``, the mini-program
``login``, likes, forwards, chat, the WeCom sidebar's OAuth landing) counts against two
buckets: the device (or signed visitor) and the client address (``client_address``, through
trusted proxies only). A device id is the caller's own choice, so the address bucket is what
stops a flooder who invents a new device per request; it is wide, because many honest
visitors share an address behind a carrier NAT. Limits come from ``settings.PUBLIC_WRITE_LIMITS``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.conf import settings


@functools.cache
def _client(url: str):
    import redis

    return redis.Redis.from_url(url)


def counters_hit(limits: dict[str, int], *, window: int) -> int:
    """Count one request against each key (key -> limit, 0 = no limit).

    Returns the seconds to wait (0 = allowed). Without Redis (a development shell) the
    process-local cache counts instead.
    """
    keys = [key for key, limit in limits.items() if limit]
    if not keys:
        return 0
    if not settings.REDIS_URL:
        from django.core.cache import cache

        for key in keys:
            cache.add(key, 0, window)
            try:
                count = cache.incr(key)
            except ValueError:
                count = 1
            if count > limits[key]:
                return window
        return 0
    client = _client(settings.REDIS_URL)
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
    counts = pipe.execute()[0::2]
    over = [key for key, count in zip(keys, counts, strict=True) if count > limits[key]]
    if over:
        return max(max(int(client.ttl(key)) for key in over), 1)
    return 0


@dataclass(frozen=True)
class Limited(Exception):
    """A public write over its limit; ``retry_after`` in seconds."""

    action: str
    retry_after: int


def public_write_check(action: str, *, client: str, device: str = "") -> None:
    """Count one ``action`` by ``device`` and from ``client``; raises :class:`Limited` when over.

    ``device`` names who writes (``"d<enterprise>:<device id>"``, ``"v<visitor id>"``); empty
    when the caller names no one, then only the address counts.
    """
    rules = settings.PUBLIC_WRITE_LIMITS
    rule = {**rules.get("default", {}), **rules.get(action, {})}
    window = int(rule.get("window", 60))
    limits = {f"thr:{action}:ip:{client}": int(rule.get("ip", 0))}
    if device:
        limits[f"thr:{action}:dev:{device}"] = int(rule.get("device", 0))
    retry_after = counters_hit(limits, window=window)
    if retry_after:
        raise Limited(action, retry_after)
