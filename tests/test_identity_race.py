"""Issue 17: login, the H5 session, phone authorization and the drain racing each other.

Real threads, each on its own PostgreSQL connection, released together by a barrier: a
mini-program logs in right after its first batch is queued, while an H5 page of the same
device asks for its session. Before the fix a login lost to the drain with a unique violation
(``INTERNAL``), a session on an identified device made a new blank visitor, and a known
person's second device was never recorded, so its events became a second person.
"""

from __future__ import annotations

import threading
import time
import uuid
from functools import partial

import pytest
from django.db import connection, connections

from trackers.identity import visitor_current, visitor_device_ids, visitor_identify
from trackers.models import Event, EventType, TargetKind, Visitor
from trackers.store import events_store

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and ON CONFLICT races need PostgreSQL (run through scripts/test.sh)")


def _message(enterprise_id: int, salesperson_id: int, device: str, n: int = 3) -> dict:
    now = int(time.time() * 1000)
    return {
        "e": enterprise_id,
        "s": salesperson_id,
        "k": TargetKind.ARTICLE,
        "t": 1,
        "f": None,
        "d": 0,
        "v": None,
        "dev": device,
        "ses": "",
        "r": now,
        "ev": [
            [f"{device}-{uuid.uuid4().hex[:12]}", EventType.OPEN, now - i, 0, 0, TargetKind.ARTICLE, 1]
            for i in range(n)
        ],
    }


def _race(*calls) -> list:
    """Run the calls at the same moment in threads; returns their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test asserts there were none
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _no_errors(results):
    errors = [result for result in results if isinstance(result, BaseException)]
    assert errors == []


def test_first_login_racing_the_drain_and_the_session_is_one_person(salesperson_a):
    enterprise = salesperson_a.enterprise
    for n in range(ROUNDS):
        device, unionid = f"race-new-{n:04d}", f"U-new-{n}"
        # when the first batch's drain, the login and the H5 session of one new device race
        results = _race(
            lambda device=device: events_store([_message(enterprise.pk, salesperson_a.pk, device)]),
            lambda device=device, unionid=unionid: visitor_identify(
                enterprise=enterprise, unionid=unionid, device_id=device
            ),
            lambda device=device: visitor_identify(enterprise=enterprise, device_id=device),
        )
        # then nothing failed, and there is one person holding the device and its events
        _no_errors(results)
        person = Visitor.objects.get(enterprise=enterprise, unionid=unionid)
        assert results[1].pk == person.pk
        assert (
            visitor_current(Visitor.objects.get(pk=results[2].pk)).pk == person.pk
        )  # the session names the same person
        assert visitor_device_ids(person) == [device]
        assert Visitor.objects.filter(enterprise=enterprise, device_id=device).count() == 1
        assert set(
            Event.objects.filter(enterprise_id=enterprise.pk, event_id__startswith=device).values_list(
                "visitor_id", flat=True
            )
        ) == {person.pk}
        assert Event.objects.filter(event_id__startswith=device).count() == 3


def test_known_person_second_device_racing_the_drain_is_recorded_and_credited(salesperson_a):
    enterprise = salesperson_a.enterprise
    for n in range(ROUNDS):
        unionid, first, second = f"U-known-{n}", f"race-one-{n:04d}", f"race-two-{n:04d}"
        person = visitor_identify(enterprise=enterprise, unionid=unionid, device_id=first)
        # when the person's second phone sends its first batch, logs in and opens an H5 page at once
        results = _race(
            lambda second=second: events_store([_message(enterprise.pk, salesperson_a.pk, second)]),
            lambda unionid=unionid, second=second: visitor_identify(
                enterprise=enterprise, unionid=unionid, device_id=second
            ),
            lambda second=second: visitor_identify(enterprise=enterprise, device_id=second),
            partial(visitor_identify, enterprise=enterprise, unionid=unionid, phone=f"1380013{n:04d}"),
        )
        _no_errors(results)
        # then one person, both device ids recorded, the second device's events credited to them
        assert results[1].pk == person.pk
        assert visitor_current(Visitor.objects.get(pk=results[2].pk)).pk == person.pk
        assert (
            Visitor.objects.filter(enterprise=enterprise, merged_into__isnull=True)
            .filter(device_id__in=[first, second])
            .count()
            == 1
        )
        assert visitor_device_ids(person) == [first, second]
        assert set(
            Event.objects.filter(event_id__startswith=second).values_list("visitor_id", flat=True)
        ) == {person.pk}
        # and a batch from that device after the race is the person's too
        events_store([_message(enterprise.pk, salesperson_a.pk, second, n=1)])
        person.refresh_from_db()
        assert person.opens == 4
        assert person.phone == f"1380013{n:04d}"


def test_two_first_logins_of_one_person_on_two_new_devices_make_one_person(salesperson_a):
    enterprise = salesperson_a.enterprise
    for n in range(ROUNDS):
        unionid, one, two = f"U-twin-{n}", f"twin-one-{n:04d}", f"twin-two-{n:04d}"
        results = _race(
            partial(visitor_identify, enterprise=enterprise, unionid=unionid, device_id=one),
            partial(visitor_identify, enterprise=enterprise, unionid=unionid, device_id=two),
            partial(events_store, [_message(enterprise.pk, salesperson_a.pk, one)]),
            partial(events_store, [_message(enterprise.pk, salesperson_a.pk, two)]),
        )
        _no_errors(results)
        person = Visitor.objects.get(enterprise=enterprise, unionid=unionid)
        assert {results[0].pk, results[1].pk} == {person.pk}
        assert visitor_device_ids(person) == [one, two]
        assert set(
            Event.objects.filter(event_id__startswith="twin-")
            .filter(event_id__contains=f"-{n:04d}-")
            .values_list("visitor_id", flat=True)
        ) == {person.pk}
