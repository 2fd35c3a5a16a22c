"""Intake (TRK-2): what the /t/ request and GraphQL ``trackEvents`` do, and nothing more.

``events_accept`` verifies the share token (no database), validates each event, counts rejects
by reason, applies the rate limit, and in one Redis round trip pushes one message on the queue
and claims the drain slot (:mod:`trackers.store` drains it). Without Redis it stores the batch
itself. Visitor tokens (login, ``visitorSession``) are issued and read here.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from enterprises.throttle import counters_hit

from . import queue
from .models import EventType, Visitor
from .registry import UnknownKind, kind_code, targets_readable
from .schedule import EVENTS_DRAIN, task_delay
from .share import ShareTokenInvalid, share_token_verify
from .store import EVENT_KEY_RETENTION, MAX_PAST, events_store  # noqa: F401 - re-exported

MAX_EVENTS_PER_BATCH = 100


EVENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


SESSION_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


MAX_FUTURE = dt.timedelta(minutes=5)


MAX_SECONDS = 3600


EVENT_TYPES = {choice.name.lower(): choice.value for choice in EventType}  # wire names, never translated


VISITOR_SIGNER_SALT = "trackers.visitor"


UTC = dt.UTC


from_timestamp = dt.datetime.fromtimestamp


class BatchRejected(Exception):
    """The whole batch is refused; ``status`` is the HTTP status, ``code`` the GraphQL code."""

    def __init__(self, reason: str, *, status: int = 400, code: str = "VALIDATION", retry_after: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass
class AcceptResult:
    accepted: int = 0
    rejected: dict[str, int] = field(default_factory=dict)


def visitor_token(visitor: Visitor) -> str:
    """A signed, dated visitor identity for clients (login, visitorSession); names the enterprise.

    It works for ``settings.VISITOR_TOKEN_MAX_AGE`` seconds; clients renew it by asking again.
    """
    return signing.TimestampSigner(salt=VISITOR_SIGNER_SALT).sign(f"{visitor.enterprise_id}.{visitor.pk}")


def visitor_token_read(token: str) -> tuple[int, int]:
    """(enterprise_id, visitor_id) of a visitor token.

    Raises ``signing.SignatureExpired`` for a genuine token past its age (or an undated one
    issued before tokens expired) and ``signing.BadSignature`` for anything forged.
    """
    try:
        value = signing.TimestampSigner(salt=VISITOR_SIGNER_SALT).unsign(
            token, max_age=settings.VISITOR_TOKEN_MAX_AGE
        )
    except signing.SignatureExpired:
        raise
    except (signing.BadSignature, ValueError):
        signing.Signer(salt=VISITOR_SIGNER_SALT).unsign(token)  # forged: BadSignature
        raise signing.SignatureExpired("undated visitor token") from None
    enterprise_id, visitor_id = value.split(".")
    return int(enterprise_id), int(visitor_id)


def _enterprise_id_for_key(key: str) -> int | None:
    cache_key = f"trk:ent-key:{key}"
    enterprise_id = cache.get(cache_key)
    if enterprise_id is None:
        from enterprises.selectors import enterprise_get_by_key

        enterprise = enterprise_get_by_key(key)
        enterprise_id = enterprise.pk if enterprise else 0
        cache.set(cache_key, enterprise_id, 300)
    return enterprise_id or None


def _parse_target(raw, default_kind: int, default_id: int) -> tuple[int, int] | None:
    if raw in (None, ""):
        return default_kind, default_id
    if not isinstance(raw, str) or ":" not in raw:
        return None
    name, _, pk = raw.partition(":")
    try:
        code = kind_code(name)
        pk_value = int(pk)
    except (UnknownKind, ValueError):
        return None
    if pk_value <= 0 or pk_value > 2**62:
        return None
    return code, pk_value


def _int_in(value, low: int, high: int) -> int | None:
    if value is None:
        return low
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = int(value)
    return value if low <= value <= high else None


def events_accept(*, payload, client_ip: str = "", enterprise_key: str | None = None) -> AcceptResult:
    """Validate a client batch and enqueue what is valid (or store it, without Redis).

    ``payload``: ``{"token": share token, "visitor": visitor token | "device": device id,
    "session": optional id, "events": [{"id", "type", "ts" (ms), "seconds", "scroll",
    "target": "kind:id"}]}``. Raises :class:`BatchRejected` when nothing can be taken.
    """
    if not isinstance(payload, dict):
        raise BatchRejected("not_an_object")
    events = payload.get("events")
    if not isinstance(events, list) or not events:
        _reject({"no_events": 1})
        raise BatchRejected("no_events")
    if len(events) > MAX_EVENTS_PER_BATCH:
        _reject({"batch_too_large": len(events)})
        raise BatchRejected("batch_too_large", status=413, code="LIMIT")
    try:
        context = share_token_verify(payload.get("token"))
    except ShareTokenInvalid:
        _reject({"bad_token": len(events)})
        raise BatchRejected("bad_token", status=403, code="FORBIDDEN") from None
    if enterprise_key and _enterprise_id_for_key(str(enterprise_key)[:40]) != context.enterprise_id:
        _reject({"enterprise_mismatch": len(events)})
        raise BatchRejected("enterprise_mismatch", status=403, code="FORBIDDEN")

    visitor_id, device = None, ""
    visitor_expired = False
    if payload.get("visitor"):
        try:
            enterprise_id, visitor_id = visitor_token_read(str(payload["visitor"]))
        except signing.SignatureExpired:  # like a new device: its device id if it sent one
            visitor_expired, enterprise_id = True, context.enterprise_id
        except (signing.BadSignature, ValueError):
            _reject({"bad_visitor": len(events)})
            raise BatchRejected("bad_visitor", status=403, code="FORBIDDEN") from None
        if enterprise_id != context.enterprise_id:
            _reject({"enterprise_mismatch": len(events)})
            raise BatchRejected("enterprise_mismatch", status=403, code="FORBIDDEN")
    if visitor_id is None:
        device = payload.get("device")
        if not isinstance(device, str) or not DEVICE_RE.match(device):
            if visitor_expired:
                _reject({"visitor_expired": len(events)})
                raise BatchRejected("visitor_expired", status=401, code="UNAUTHENTICATED")
            _reject({"no_visitor": len(events)})
            raise BatchRejected("no_visitor")
    session = payload.get("session") or ""
    if not isinstance(session, str) or (session and not SESSION_RE.match(session)):
        session = ""

    limits = settings.TRACKING_RATE_LIMIT
    who = f"v{visitor_id}" if visitor_id else f"d{context.enterprise_id}:{device}"
    retry_after = counters_hit(
        {f"trk:rl:{who}": limits.get("requests", 0), f"trk:rl:ip:{client_ip}": limits.get("ip_requests", 0)},
        window=limits.get("window", 60),
    )
    if retry_after:
        _reject({"rate_limited": len(events)})
        raise BatchRejected("rate_limited", status=429, code="LIMIT", retry_after=retry_after)

    now = time.time()
    low, high = (now - MAX_PAST.total_seconds()) * 1000, (now + MAX_FUTURE.total_seconds()) * 1000
    rejected: Counter = Counter()
    seen: set[str] = set()
    entry_kind = context.kind_code
    rows = []
    for event in events:
        if not isinstance(event, dict):
            rejected["not_an_object"] += 1
            continue
        event_id = event.get("id")
        if not isinstance(event_id, str) or not EVENT_ID_RE.match(event_id):
            rejected["bad_id"] += 1
            continue
        if event_id in seen:
            rejected["duplicate_in_batch"] += 1
            continue
        type_code = EVENT_TYPES.get(event.get("type"))
        if type_code is None:
            rejected["bad_type"] += 1
            continue
        ts = event.get("ts")
        if ts is None:
            ts = now * 1000
        if isinstance(ts, bool) or not isinstance(ts, int | float) or not low <= ts <= high:
            rejected["bad_time"] += 1
            continue
        seconds = _int_in(event.get("seconds"), 0, MAX_SECONDS)
        scroll = _int_in(event.get("scroll"), 0, 100)
        if seconds is None or scroll is None:
            rejected["bad_value"] += 1
            continue
        target = _parse_target(event.get("target"), entry_kind, context.target_id)
        if target is None:
            rejected["bad_target"] += 1
            continue
        seen.add(event_id)
        rows.append([event_id, type_code, int(ts), seconds, scroll, target[0], target[1]])

    # A target other than the token's own item must be readable in the token's enterprise:
    # another tenant's or an unpublished object is refused (its title would reach this
    # enterprise's timelines, stats and notifications).
    entry = (entry_kind, context.target_id)
    named = {(row[5], row[6]) for row in rows} - {entry}
    if named:
        readable = targets_readable(context.enterprise_id, named) | {entry}
        kept = [row for row in rows if (row[5], row[6]) in readable]
        if len(kept) != len(rows):
            rejected["target_not_readable"] += len(rows) - len(kept)
            rows = kept

    _reject(dict(rejected))
    if not rows:
        return AcceptResult(0, dict(rejected))
    message = {
        "e": context.enterprise_id,
        "s": context.salesperson_id,
        "k": entry_kind,
        "t": context.target_id,
        "f": context.forwarder_id,
        "d": context.depth,
        "v": visitor_id,
        "dev": device,
        "ses": session,
        "r": int(now * 1000),
        "ev": rows,
    }
    events_enqueue([message])
    return AcceptResult(len(rows), dict(rejected))


def _reject(reasons: dict[str, int]) -> None:
    queue.rejects_count(reasons)


def _drain_debounce_seconds() -> int:
    """At most one drain task per this many seconds (a drain empties the whole queue).

    0 when tasks run eagerly (tests, demo), so each batch is stored before the response.
    """
    configured = getattr(settings, "TRACKING_DRAIN_DEBOUNCE_SECONDS", None)
    if configured is not None:
        return int(configured)
    from cms.celery import app

    return 0 if app.conf.task_always_eager else 1


def events_enqueue(messages: list[dict]) -> None:
    """Queue messages for the drain task; without Redis store them right away."""
    client = queue.redis_client()
    if client is None:
        events_store(messages)
        return
    debounce = _drain_debounce_seconds()
    pipe = client.pipeline(transaction=False)  # one round trip: queue the batch, claim the drain slot
    pipe.rpush(queue.QUEUE_KEY, *[queue.json_dumps(message) for message in messages])
    if debounce:
        pipe.set(queue.DRAIN_PENDING_KEY, 1, nx=True, ex=debounce)
    replies = pipe.execute()
    if not debounce or replies[1]:
        task_delay(EVENTS_DRAIN)
