"""Storing (TRK-2): the drain reads queued batches, inserts each event once and applies every
feature's update from the new events in the same transaction.

``events_drain_run`` (called by the Celery task ``trackers.tasks.events_drain``) reads up to
``DRAIN_CHUNK`` messages from the head of the Redis list, ``events_store`` stores them in one
transaction (event keys ``ON CONFLICT DO NOTHING``, so a replay or a re-drained chunk is a
no-op), then the messages are trimmed. Only new events reach the rollups (:mod:`.rollups`),
visitor totals and tags (:mod:`.visitor_totals`), microsite sessions (:mod:`.sessions`) and
visitor-open notices (:mod:`.notifications`).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from enterprises.models import Salesperson

from . import queue
from .hooks import FORM_SUBMITTED_HOOKS, VISITOR_TAGGED_HOOKS, hooks_run
from .models import EventKey, EventType, TargetKind, Visitor
from .notifications import open_notifications_apply
from .registry import weights_for
from .rollups import rollups_apply
from .schedule import BROWSE_SESSION_SUMMARIZE, EVENTS_DRAIN, task_delay
from .sessions import browse_sessions_apply
from .visitor_totals import visitor_tags_apply, visitor_totals_apply

UTC = dt.UTC


from_timestamp = dt.datetime.fromtimestamp


MAX_PAST = dt.timedelta(days=7)


#: Event keys (the replay guard) are kept this long after their event happened, then pruned
#: (``event_keys_prune``). The endpoint refuses events older than MAX_PAST and the drain drops
#: queued ones older than this, so no event can arrive after its key is gone.
EVENT_KEY_RETENTION = MAX_PAST + dt.timedelta(days=7)


#: Messages (each up to 100 events) per transaction: fewer, larger transactions cost fewer round trips.
DRAIN_CHUNK = int(os.environ.get("TRACKING_DRAIN_CHUNK", "500"))


#: Trim what was stored and renew the lock, only while still owning it (atomic): a drainer whose
#: lock expired mid-chunk must not trim messages the next drainer has read and will trim itself.
TRIM_IF_OWNER = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
    redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
    return 1
end
return 0
"""


def drain_lock_seconds() -> int:
    return int(os.environ.get("TRACKING_DRAIN_LOCK_SECONDS", "30"))


@dataclass
class Followups:
    notification_ids: list[int] = field(default_factory=list)
    left_session_ids: list[int] = field(default_factory=list)
    form_submits: list[dict] = field(default_factory=list)
    tagged: list[dict] = field(default_factory=list)


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


def derived_apply(events: list) -> Followups:
    """Rollups, visitor totals, intent, tags, sessions and notifications for new events."""
    followups = Followups()
    salespeople = set(
        Salesperson.objects.filter(
            pk__in={event.salesperson_id for event in events if event.salesperson_id}
        ).values_list("pk", flat=True)
    )
    weights: dict[tuple[int, int], float] = {}
    by_kind: dict[int, set[int]] = defaultdict(set)
    for event in events:
        by_kind[event.target_kind].add(event.target_id)
    for code, ids in by_kind.items():
        for pk, weight in weights_for(code, ids).items():
            weights[(code, pk)] = weight

    new_viewer_keys = rollups_apply(events, salespeople)
    visitor_totals_apply(events, salespeople, weights)
    followups.tagged = visitor_tags_apply(events)
    followups.left_session_ids = browse_sessions_apply(events, salespeople)
    followups.notification_ids = open_notifications_apply(events, salespeople)
    followups.form_submits = [
        {
            "enterprise_id": event.enterprise_id,
            "visitor_id": event.visitor_id,
            "salesperson_id": event.salesperson_id if event.salesperson_id in salespeople else None,
            "form_id": event.target_id,
            "occurred_at": event.occurred_at,
        }
        for event in events
        if event.type == EventType.FORM_SUBMIT and event.target_kind == TargetKind.FORM
    ]
    del new_viewer_keys
    return followups


def derived_after_commit(followups: Followups) -> None:
    """Session summaries and consumer hooks, once the events are safely stored.

    (Notifications schedule their own channel dispatch when created: ``notifications_create``.)
    """
    for session_id in followups.left_session_ids:
        transaction.on_commit(lambda pk=session_id: task_delay(BROWSE_SESSION_SUMMARIZE, pk))
    for submit in followups.form_submits:
        hooks_run(FORM_SUBMITTED_HOOKS, **submit)
    for tagged in followups.tagged:
        hooks_run(VISITOR_TAGGED_HOOKS, **tagged)


def event_keys_prune(*, now: dt.datetime | None = None) -> int:
    """Delete replay-guard keys older than EVENT_KEY_RETENTION; returns how many.

    The key table takes one row per event ever stored and every insert pays for its index, so it
    must not grow forever. A pruned key cannot let a double in: such an old event is refused by
    the endpoint and dropped by the drain. One daily statement, scanning the table (an index on
    ``occurred_at`` would cost every insert more than the daily scan costs).
    """
    cutoff = (now or timezone.now()) - EVENT_KEY_RETENTION
    deleted, _ = EventKey.objects.filter(occurred_at__lt=cutoff).delete()
    return deleted


def events_drain_run(max_rounds: int = 1000) -> int:
    """Store queued batches; at-least-once and idempotent.

    Messages are read (not popped) from the head of the list, stored in one transaction,
    then trimmed. A worker killed in between leaves them queued; the next drain stores them
    again and the event keys make that a no-op. One drainer at a time (lock with a TTL, so
    a killed drainer's lock expires).
    """
    client = queue.redis_client()
    if client is None:
        return 0
    owner = uuid.uuid4().hex
    if not client.set(queue.DRAIN_LOCK_KEY, owner, nx=True, ex=drain_lock_seconds()):
        return 0
    stored = 0
    try:
        for _ in range(max_rounds):
            raw = client.lrange(queue.QUEUE_KEY, 0, DRAIN_CHUNK - 1)
            if not raw:
                break
            messages = []
            for item in raw:
                try:
                    messages.append(queue.json_loads(item))
                except ValueError:
                    queue.rejects_count({"corrupt_message": 1})
            stored += events_store(messages).stored
            keys = [queue.QUEUE_KEY, queue.DRAIN_LOCK_KEY]
            if not client.eval(TRIM_IF_OWNER, 2, *keys, owner, len(raw), drain_lock_seconds()):
                break  # the lock expired: the drainer holding it now stores (again) and trims these
    finally:
        if client.get(queue.DRAIN_LOCK_KEY) == owner.encode():
            client.delete(queue.DRAIN_LOCK_KEY)
    # The next batch may schedule a drain at once (not only after the debounce window), and a batch
    # queued after the last read (its drain found the lock taken) or a max_rounds stop is not left
    # waiting for the beat.
    client.delete(queue.DRAIN_PENDING_KEY)
    if client.llen(queue.QUEUE_KEY):
        task_delay(EVENTS_DRAIN, max_rounds)
    return stored
