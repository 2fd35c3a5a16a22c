"""Truth test (issue 17): seeded visitor sessions with a known truth, played through the public
endpoints as the H5 client sends them; every figure the data center and the inbox show must equal
the truth exactly (glossary: docs/tracking.md, trackers/figures.py).

Played: shares by two salespeople, forwards up to three levels deep (``share_forward``, the service
behind GraphQL ``forwardShare``), anonymous devices, replayed batches, heartbeats, content clicks
(control taps send their own event and no click, as tracker.js does), poster scans through the
poster's own token, and H5 share URLs opened. Not played yet: login/merge (engineer 5's area) and a
microsite visit with a leave (SITE-5 has its own tests in tests/test_notifications.py).
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict

import pytest
from django.core.files.base import ContentFile

from cms.articles.services import article_create
from cms.posters.models import GeneratedPoster
from cms.posters.services import poster_share_url
from enterprises.selectors import scope_for_user
from tests.factories import png_bytes
from trackers.models import Notification, Visitor
from trackers.selectors import dashboard, poster_stats, salesperson_stats
from trackers.services import share_forward
from trackers.share import share_token_for

from .tracking_factories import clean_redis  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_redis")]


class Client:
    """What tracker.js sends: the share token, the device, one session id, batches of events."""

    def __init__(self, http, token: str, device: str, rng: random.Random):
        self.http, self.token, self.device, self.rng = http, token, device, rng
        self.session = f"s{rng.randrange(10**12)}"
        self.sent: list[dict] = []

    def post(self, events: list[dict], *, replay: bool = False) -> None:
        body = {"token": self.token, "device": self.device, "session": self.session, "events": events}
        response = self.http.post("/t/", json.dumps(body), content_type="application/json")
        assert response.status_code == 202, response.content
        assert response.json()["accepted"] == len(events)
        if not replay:
            self.sent.append(body)

    def event(self, type_: str, **fields) -> dict:
        return {
            "id": f"e{self.rng.randrange(10**15)}",
            "type": type_,
            "ts": int(time.time() * 1000),
            **fields,
        }


def _tap(client: Client, control: str) -> list[dict]:
    """A tap as tracker.js reports it: content → click; controls → their own event only."""
    if control == "content":
        return [client.event("click")]
    if control == "forward":
        return [client.event("share")]
    return []  # consult / like buttons on an article send nothing more here


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_data_center_equals_the_truth(
    seed, client, enterprise_a, salesperson_a, other_salesperson_a, admin_a
):
    rng = random.Random(seed)
    people = [salesperson_a, other_salesperson_a]
    articles = [
        article_create(enterprise=enterprise_a, title=f"文章 {n}", body=[], publish=True) for n in range(3)
    ]
    posters = [
        GeneratedPoster.objects.create(
            enterprise=enterprise_a,
            salesperson=person,
            target_kind="article",
            target_id=articles[0].pk,
            share_url="",
            cache_key=f"{seed}-{person.pk}".ljust(64, "k"),
            image=ContentFile(png_bytes(), name="poster.png"),
            width=40,
            height=30,
        )
        for person in people
    ]
    truth = {
        p.pk: {"opens": 0, "readers": set(), "seconds": 0, "forwards": 0, "notices": set()} for p in people
    }
    clicks: dict[str, int] = defaultdict(int)
    seconds_of: dict[str, int] = defaultdict(int)
    scans: dict[int, int] = defaultdict(int)
    acquired: dict[int, set] = defaultdict(set)
    first_entry: dict[str, tuple] = {}

    def visit(token: str, person, device: str, item: tuple) -> Client:
        """One visit: H5 page, open, heartbeats, taps; sometimes a replay of the whole batch."""
        assert client.get(f"/h5/s/{token}/").status_code == 200
        c = Client(client, token, device, rng)
        events = [c.event("open")]
        for _ in range(rng.randrange(0, 5)):
            seconds = rng.randrange(1, 30)
            events.append(c.event("heartbeat", seconds=seconds, scroll=rng.randrange(0, 101)))
            seconds_of[device] += seconds
            truth[person.pk]["seconds"] += seconds
        for _ in range(rng.randrange(0, 4)):
            control = rng.choice(["content", "content", "forward", "consult"])
            events.extend(_tap(c, control))
            if control == "content":
                clicks[device] += 1
            elif control == "forward":
                truth[person.pk]["forwards"] += 1
        c.post(events)
        if rng.random() < 0.4:
            c.post(events, replay=True)  # a client retry: the same ids change nothing
        truth[person.pk]["opens"] += 1
        truth[person.pk]["readers"].add(device)
        truth[person.pk]["notices"].add((device, item))
        first_entry.setdefault(device, item)
        return c

    devices = [f"dev{seed}x{n:04d}" for n in range(rng.randrange(6, 11))]
    for device in devices:
        person = rng.choice(people)
        if rng.random() < 0.3:
            poster = posters[people.index(person)]
            token = poster_share_url(poster).rstrip("/").rsplit("/", 1)[-1]
            visit(token, person, device, ("poster", poster.pk))
            scans[poster.pk] += 1
            if first_entry[device] == ("poster", poster.pk):
                acquired[poster.pk].add(device)
            continue
        for article in rng.sample(articles, rng.randrange(1, 3)):
            token = share_token_for(article.specific, person)
            visit(token, person, device, ("article", article.pk))
            # forwards several levels deep: each reader may pass the link on
            depth, parent = 0, token
            while depth < 3 and rng.random() < 0.35:
                forwarder = Visitor.objects.get(enterprise=enterprise_a, device_id=device)
                parent = share_forward(parent_token=parent, visitor=forwarder)
                device = f"{device[:12]}f{depth}{rng.randrange(10**6)}"
                visit(parent, person, device, ("article", article.pk))
                depth += 1

    scope = scope_for_user(admin_a)
    stats = {row.salesperson_id: row for row in salesperson_stats(scope=scope)}
    for person in people:
        want = truth[person.pk]
        got = stats[person.pk]
        assert (got.opens, got.viewers, got.read_seconds, got.forwards, got.new_leads) == (
            want["opens"],
            len(want["readers"]),
            want["seconds"],
            want["forwards"],
            0,
        ), person
        notices = Notification.objects.filter(salesperson=person, kind="visitor_open").count()
        assert notices == len(want["notices"])
    board = dashboard(scope=scope)
    all_readers = set().union(*(truth[p.pk]["readers"] for p in people))
    assert board.readers == len(all_readers)
    assert board.totals["read_seconds"] == sum(seconds_of.values())
    assert board.totals["clicks"] == sum(clicks.values())
    precise = {d for d in all_readers if clicks[d] >= 3 and seconds_of[d] >= 60}
    assert board.precise_visitors == len(precise)
    got_posters = {stat.poster_id: (stat.scans, stat.visitors_acquired) for stat in poster_stats(scope=scope)}
    for poster in posters:
        if scans[poster.pk]:
            assert got_posters[poster.pk] == (scans[poster.pk], len(acquired[poster.pk]))
        else:
            assert poster.pk not in got_posters
