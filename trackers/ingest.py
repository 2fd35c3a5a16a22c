"""Event ingestion (TRK-2): accept a batch fast, store batches in bulk, update rollups.

``events_accept`` is all the request does: verify the share token (no database), validate,
count rejects by reason, push one message on a Redis list and schedule a drain. The drain
(:func:`trackers.tasks.events_drain`) calls ``events_store`` on many messages at once: one
transaction inserts the event keys with ``ON CONFLICT DO NOTHING RETURNING``, inserts only
the new events with a multi-row INSERT and updates the rollups from those new events, so a
replayed batch (client retry, or a drain re-run after a killed worker) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from enterprises.throttle import counters_hit

from . import queue
from .derived import derived_after_commit, derived_apply
from .models import EventType, TargetKind, Visitor
from .registry import UnknownKind, kind_code, targets_readable
from .schedule import EVENTS_DRAIN, task_delay
from .share import ShareTokenInvalid, share_token_verify

MAX_EVENTS_PER_BATCH = 100
EVENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SESSION_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_PAST = dt.timedelta(days=7)
#: Event keys (the replay guard) are kept this long after their event happened, then pruned
#: (``event_keys_prune``). The endpoint refuses events older than MAX_PAST and the drain drops
#: queued ones older than this, so no event can arrive after its key is gone.
EVENT_KEY_RETENTION = MAX_PAST + dt.timedelta(days=7)
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


# --- storing -------------------------------------------------------------------------------


@dataclass(slots=True)
class StoredEvent:
    """A new event as the derived updates see it (the stored row's id is not fetched back)."""

    enterprise_id: int
    event_id: str
    type: int
    occurred_at: dt.datetime
    visitor_id: int
    salesperson_id: int | None
    forwarder_id: int | None
    depth: int
    target_kind: int
    target_id: int
    seconds: int
    scroll: int
    session: str
    entry_kind: int


@dataclass
class StoreResult:
    received: int = 0
    stored: int = 0
    events: list[StoredEvent] = field(default_factory=list)


def _resolve_visitors(messages: list[dict]) -> dict[tuple, int | None]:
    """Map each message's visitor (token id or device id) to a visitor row id in its enterprise.

    Missing device rows are inserted first (``ON CONFLICT DO NOTHING``); then every row is locked
    ``FOR KEY SHARE`` in id order and its ``merged_into`` read under the lock, like
    :mod:`trackers.identity` locks before a merge: a merge of a device waits for this chunk (and
    then moves its events), or this chunk reads the merge, never an event left on a merged row.
    """
    rows: dict[tuple, int] = {}
    by_id = {message["v"] for message in messages if message.get("v")}
    if by_id:
        for pk, enterprise_id in Visitor.objects.filter(pk__in=by_id).values_list("pk", "enterprise_id"):
            rows[("v", enterprise_id, pk)] = pk
    devices: dict[int, set[str]] = defaultdict(set)
    for message in messages:
        if not message.get("v"):
            devices[message["e"]].add(message["dev"])
    for enterprise_id, device_ids in devices.items():
        found = dict(
            Visitor.objects.filter(enterprise_id=enterprise_id, device_id__in=device_ids).values_list(
                "device_id", "pk"
            )
        )
        missing = device_ids - found.keys()
        if missing:
            Visitor.objects.bulk_create(
                [Visitor(enterprise_id=enterprise_id, device_id=device) for device in missing],
                ignore_conflicts=True,
            )
            found.update(
                Visitor.objects.filter(enterprise_id=enterprise_id, device_id__in=missing).values_list(
                    "device_id", "pk"
                )
            )
        for device, pk in found.items():
            rows[("d", enterprise_id, device)] = pk
    merged = _merged_into_locked(sorted(set(rows.values())))
    return {key: merged[pk] or pk for key, pk in rows.items() if pk in merged}


VISITORS_LOCK = "SELECT id, merged_into_id FROM trackers_visitor WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE"


def _merged_into_locked(ids: list[int]) -> dict[int, int | None]:
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(VISITORS_LOCK, [ids])
        return dict(cursor.fetchall())


def _message_visitor(message: dict, resolved: dict) -> int | None:
    if message.get("v"):
        return resolved.get(("v", message["e"], message["v"]))
    return resolved.get(("d", message["e"], message["dev"]))


EVENT_COLUMNS = [
    ("enterprise_id", "bigint"),
    ("event_id", "varchar"),
    ("type", "smallint"),
    ("occurred_at", "timestamptz"),
    ("visitor_id", "bigint"),
    ("salesperson_id", "bigint"),
    ("forwarder_id", "bigint"),
    ("depth", "smallint"),
    ("target_kind", "smallint"),
    ("target_id", "bigint"),
    ("seconds", "integer"),
    ("scroll", "smallint"),
    ("session", "varchar"),
]


STAGE_TABLE = "trackers_event_stage"
STAGE_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_TABLE} ("
    + ", ".join(f"{name} {pg_type}" for name, pg_type in EVENT_COLUMNS)
    + ") ON COMMIT DELETE ROWS"
)
STAGE_TYPES = [pg_type for _name, pg_type in EVENT_COLUMNS]
EVENT_NAMES = ", ".join(name for name, _type in EVENT_COLUMNS)
#: Keys first: new ones are inserted; answers NULL when every staged key was new (the usual case),
#: else the "enterprise:event" keys that were new (a replay or a re-drained chunk).
STAGE_KEYS = (
    "WITH new_keys AS (INSERT INTO trackers_eventkey (enterprise_id, event_id, occurred_at) "
    f"SELECT enterprise_id, event_id, occurred_at FROM {STAGE_TABLE} ON CONFLICT DO NOTHING "
    "RETURNING enterprise_id, event_id) "
    "SELECT CASE WHEN (SELECT count(*) FROM new_keys) = %s THEN NULL "
    "ELSE (SELECT coalesce(array_agg(enterprise_id::text || ':' || event_id), '{}') FROM new_keys) END"
)
#: Then the events (all staged ones, or those whose key was new).
STAGE_EVENTS = (
    f"INSERT INTO trackers_event ({EVENT_NAMES}, received_at) SELECT {EVENT_NAMES}, %s FROM {STAGE_TABLE}"
)
#: Commit empties the stage; this empties it for a second chunk in the same transaction (cheaper
#: than deleting its rows one by one).
STAGE_EMPTY = f"TRUNCATE {STAGE_TABLE}"
STAGE_EVENTS_NEW = STAGE_EVENTS + " WHERE (enterprise_id::text || ':' || event_id) = ANY(%s::text[])"


def _event_tuple(row: StoredEvent) -> tuple:
    return (
        row.enterprise_id,
        row.event_id,
        row.type,
        row.occurred_at,
        row.visitor_id,
        row.salesperson_id,
        row.forwarder_id,
        row.depth,
        row.target_kind,
        row.target_id,
        row.seconds,
        row.scroll,
        row.session,
    )


def _insert_events(cursor, candidates: list[StoredEvent], received_at: dt.datetime) -> list[StoredEvent]:
    """Insert the keys, then only the events whose key was new; returns those events.

    ``candidates`` hold each (enterprise, event id) once. PostgreSQL: binary ``COPY`` into a
    temporary staging table, one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` into the keys and
    one ``INSERT … SELECT`` into the events (no Python row objects on the way back unless some
    keys already existed).
    """
    if not candidates:
        return []
    cursor.execute(STAGE_DDL)
    with cursor.copy(f"COPY {STAGE_TABLE} ({EVENT_NAMES}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(STAGE_TYPES)
        for row in candidates:
            copy.write_row(_event_tuple(row))
    cursor.execute(STAGE_KEYS, [len(candidates)])
    new_keys = cursor.fetchone()[0]
    if new_keys is None:
        cursor.execute(STAGE_EVENTS, [received_at])
        cursor.execute(STAGE_EMPTY)
        return candidates
    cursor.execute(STAGE_EVENTS_NEW, [received_at, new_keys])
    cursor.execute(STAGE_EMPTY)
    fresh_keys = set(new_keys)
    return [row for row in candidates if f"{row.enterprise_id}:{row.event_id}" in fresh_keys]


def events_store(messages: list[dict]) -> StoreResult:
    """Store queued messages idempotently and update every derived table in one transaction."""
    result = StoreResult()
    if not messages:
        return result
    received_at = timezone.now()
    horizon_ms = (received_at - EVENT_KEY_RETENTION).timestamp() * 1000
    expired = 0
    with transaction.atomic():
        resolved = _resolve_visitors(messages)
        candidates: list[StoredEvent] = []
        seen: set[tuple[int, str]] = set()
        for message in messages:
            visitor_id = _message_visitor(message, resolved)
            result.received += len(message["ev"])
            if visitor_id is None:
                queue.rejects_count({"unknown_visitor": len(message["ev"])})
                continue
            enterprise_id = message["e"]
            salesperson_id, forwarder_id = message.get("s"), message.get("f")
            depth, session = message.get("d") or 0, message.get("ses") or ""
            entry_kind = message.get("k") or TargetKind.PAGE
            for event_id, type_code, ts, seconds, scroll, target_kind, target_id in message["ev"]:
                key = (enterprise_id, event_id)
                if key in seen:
                    continue  # the same event twice in one chunk (a retry queued twice): stored once
                if ts < horizon_ms:
                    expired += 1  # queued so long that its key may be pruned: it could be a double
                    continue
                seen.add(key)
                candidates.append(
                    StoredEvent(
                        enterprise_id,
                        event_id,
                        type_code,
                        from_timestamp(ts / 1000, UTC),
                        visitor_id,
                        salesperson_id,
                        forwarder_id,
                        depth,
                        target_kind,
                        target_id,
                        seconds,
                        scroll,
                        session,
                        entry_kind,
                    )
                )
        if expired:
            queue.rejects_count({"expired_in_queue": expired})
        with connection.cursor() as cursor:
            fresh = _insert_events(cursor, candidates, received_at)
        result.stored = len(fresh)
        result.events = fresh
        followups = derived_apply(fresh) if fresh else None
    if followups:
        derived_after_commit(followups)
    return result
