"""Truth test (issue 17): seeded visitor sessions with a known truth, played as the clients play them,
drained by a REAL Celery worker; every figure of the data center, the CRM pool and the inbox must
equal the truth exactly (glossary: docs/tracking.md, trackers/figures.py).

Each seed generates people with one or two devices. They open H5 share URLs of three salespeople
(articles and posters), send what ``tracker.js`` sends to ``/t/`` (open, heartbeats, content clicks;
control taps send only their own event), sometimes replay a batch, forward (GraphQL
``visitorSession`` + ``forwardShare``) to new people up to three levels deep, submit the demo's
Chinese-labelled form (姓名/手机) through GraphQL ``submitForm`` plus the tracker's ``form_submit``,
log in with WeChat (GraphQL ``login``) — the first login of a person right after the device's
first batch, racing the worker's drain — on one or both devices in either order, sometimes come
back through a second salesperson's share (撞单), and visit the microsite and leave it (SITE-5).

The truth is kept by the generator in its own words (devices, people, salespeople), never read
back from the product; the product's answers come from GraphQL and the CRM tables.
"""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from cms.articles.services import article_create
from cms.leadforms.demo import FORMS
from cms.leadforms.services import leadform_create
from cms.posters.models import GeneratedPoster
from cms.posters.services import poster_share_url
from cms.products.models import Product
from crm.models import Collision, Lead
from enterprises.models import Role
from sites.models import MicrositeHomePage
from tests.factories import make_member, png_bytes
from trackers.models import Notification, Visitor
from trackers.queue import DRAIN_LOCK_KEY, QUEUE_KEY, redis_client
from trackers.share import share_token_for

from .tracking_factories import clean_redis  # noqa: F401

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("clean_redis"),
]

SEEDS = [1, 2, 3, 4, 5]
LOGIN = "mutation($code: String!, $d: String) { login(code: $code, deviceId: $d) { visitorToken visitorId } }"
SESSION = (
    "mutation($t: String!, $d: String!) { visitorSession(shareToken: $t, deviceId: $d) { visitorToken } }"
)
FORWARD = "mutation($t: String!, $v: String!) { forwardShare(token: $t, visitor: $v) { share { token } } }"
SUBMIT = (
    "mutation($f: ID!, $data: GenericScalar!, $v: String, $s: String) "
    "{ submitForm(formId: $f, data: $data, visitorToken: $v, shareToken: $s) { ok errors { field code } } }"
)
BOARD = (
    "{ dataCenter { readers preciseVisitors totals { opens readSeconds clicks shares formSubmits } } "
    "salespersonStats { salespersonId opens viewers readSeconds forwards newLeads } "
    "posterStats { posterId scans visitorsAcquired } }"
)
INBOX = "{ unreadNotificationCount myNotifications(limit: 200) { kind } }"


def gql(query: str, *, enterprise=None, user=None, **variables) -> dict:
    """POST an operation to /graphql/ with what the client sends (enterprise key, or a session)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    headers = {"HTTP_X_ENTERPRISE_KEY": enterprise.public_key} if enterprise is not None else {}
    response = client.post(
        "/graphql/", {"query": query, "variables": variables}, content_type="application/json", **headers
    )
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    return body["data"]


def settle(timeout: float = 60) -> None:
    """Wait until the worker has drained every batch and run every follow-up task."""
    from cms.celery import app

    client = redis_client()
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        busy = client.llen(QUEUE_KEY) or client.exists(DRAIN_LOCK_KEY) or client.llen("celery")
        if not busy:
            active = app.control.inspect(timeout=1).active() or {}
            busy = any(active.values())
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not drain in time")


@dataclass
class Truth:
    """What happened, in the generator's words: devices, rows (the device whose row a device's events
    land in), people, salespeople, items."""

    opens: dict = field(default_factory=lambda: defaultdict(int))  # salesperson -> opens
    readers: dict = field(default_factory=lambda: defaultdict(set))  # salesperson -> devices
    seconds: dict = field(default_factory=lambda: defaultdict(int))  # salesperson -> read seconds
    forwards: dict = field(default_factory=lambda: defaultdict(int))  # salesperson -> share events
    form_events: int = 0
    clicks: dict = field(default_factory=lambda: defaultdict(int))  # device -> content clicks
    read: dict = field(default_factory=lambda: defaultdict(int))  # device -> read seconds
    open_notices: dict = field(default_factory=lambda: defaultdict(set))  # sp -> {(row, item)}
    summaries: dict = field(default_factory=lambda: defaultdict(int))  # sp -> session summaries
    crm_notices: dict = field(default_factory=lambda: defaultdict(int))  # sp -> form + collision
    scans: dict = field(default_factory=lambda: defaultdict(int))  # poster -> opens
    first_entry: dict = field(default_factory=dict)  # person -> first item opened
    row: dict = field(default_factory=dict)  # device -> device whose visitor row gets its events
    person_of: dict = field(default_factory=dict)  # device -> person
    leads: dict = field(default_factory=dict)  # person -> {"owner", "phone", "name", "unionid"}
    claims: set = field(default_factory=set)  # (person, claimant)
    person_row: dict = field(default_factory=dict)  # person -> device whose row is the person


class Device:
    """What tracker.js does on one device: a device id, one session per page, batches to /t/."""

    def __init__(self, world: World, person: str, device_id: str):
        self.world, self.person, self.id = world, person, device_id
        self.visitor_token: str | None = None
        world.truth.person_of[device_id] = person
        world.truth.row.setdefault(device_id, device_id)

    def post(self, token: str, session: str, events: list[dict]) -> None:
        body = {"token": token, "device": self.id, "session": session, "events": events}
        response = self.world.http.post("/t/", json.dumps(body), content_type="application/json")
        assert response.status_code == 202, response.content
        assert response.json()["accepted"] == len(events)
        if self.world.rng.random() < 0.3:  # a client retry: the same ids change nothing
            again = self.world.http.post("/t/", json.dumps(body), content_type="application/json")
            assert again.status_code == 202

    def event(self, type_: str, **fields) -> dict:
        return {
            "id": f"e{self.world.rng.randrange(10**15)}",
            "type": type_,
            "ts": int(time.time() * 1000),
            **fields,
        }

    def session_token(self, share_token: str) -> str:
        """app.js visitorToken(): the device's visitor token (visitorSession, or the login's)."""
        if self.visitor_token is None:
            data = gql(SESSION, enterprise=self.world.enterprise, t=share_token, d=self.id)
            self.visitor_token = data["visitorSession"]["visitorToken"]
        return self.visitor_token


class World:
    def __init__(self, *, seed, http, enterprise, salespeople, fake, account):
        self.rng = random.Random(seed)
        self.seed, self.http, self.enterprise, self.salespeople = seed, http, enterprise, salespeople
        self.fake, self.account = fake, account
        self.truth = Truth()
        self.articles = [
            article_create(enterprise=enterprise, title=f"文章 {n}", body=[], publish=True) for n in range(3)
        ]
        title, slug, fields = FORMS[0]  # the demo's 获取报价 form: 姓名, 手机, ...
        self.form = leadform_create(enterprise=enterprise, title=title, slug=slug, fields=fields)
        self.form_names = {f.label: f.clean_name for f in self.form.form_fields.all()}
        self.posters = {
            person.pk: GeneratedPoster.objects.create(
                enterprise=enterprise,
                salesperson=person,
                target_kind="article",
                target_id=self.articles[0].pk,
                share_url="",
                cache_key=f"{seed}-{person.pk}".ljust(64, "k"),
                image=ContentFile(png_bytes(), name="poster.png"),
                width=40,
                height=30,
            )
            for person in salespeople[:2]
        }
        self.home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
        self.product = Product.objects.create(enterprise=enterprise, name="阀门 DN50")
        self.serial = 0

    def new_id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.seed}x{self.serial:04d}"

    # --- what a visitor does ----------------------------------------------------------------

    def read(self, device: Device, token: str, salesperson, item: tuple) -> str:
        """Open an H5 share URL and read it: open, heartbeats, taps, as tracker.js batches them."""
        assert self.http.get(f"/h5/s/{token}/").status_code == 200
        truth, rng = self.truth, self.rng
        session = f"s{rng.randrange(10**12)}"
        events = [device.event("open")]
        for _ in range(rng.randrange(0, 5)):
            seconds = rng.randrange(1, 30)
            events.append(device.event("heartbeat", seconds=seconds, scroll=rng.randrange(0, 101)))
            truth.read[device.id] += seconds
            truth.seconds[salesperson.pk] += seconds
        for _ in range(rng.randrange(0, 5)):
            control = rng.choice(["content", "content", "like", "consult"])
            if control == "content":  # a tap on content: a click; like/consult buttons send no click
                events.append(device.event("click"))
                truth.clicks[device.id] += 1
        device.post(token, session, events)
        truth.opens[salesperson.pk] += 1
        truth.readers[salesperson.pk].add(device.id)
        truth.open_notices[salesperson.pk].add((truth.row[device.id], item))
        truth.first_entry.setdefault(device.person, item)
        if item[0] == "poster":
            truth.scans[item[1]] += 1
        return session

    def forward(self, device: Device, token: str, salesperson, session: str) -> str:
        """The Forward button: a ``share`` event (no click), then GraphQL forwardShare."""
        device.post(token, session, [device.event("share")])
        self.truth.forwards[salesperson.pk] += 1
        visitor = device.session_token(token)
        data = gql(FORWARD, enterprise=self.enterprise, t=token, v=visitor)
        return data["forwardShare"]["share"]["token"]

    def submit(self, device: Device, token: str, salesperson, session: str, *, name: str, phone: str) -> None:
        """app.js submitForm(): GraphQL submitForm, then the tracker's form_submit event."""
        visitor = device.session_token(token)
        data = {
            self.form_names["姓名"]: name,
            self.form_names["手机"]: phone,
            self.form_names["感兴趣的产品"]: ["阀门"],
        }
        result = gql(SUBMIT, enterprise=self.enterprise, f=self.form.pk, data=data, v=visitor, s=token)
        assert result["submitForm"]["ok"], result
        device.post(token, session, [device.event("form_submit", target=f"form:{self.form.pk}")])
        self.truth.form_events += 1
        truth = self.truth
        lead = truth.leads.setdefault(device.person, {"owner": None, "phone": "", "name": "", "unionid": ""})
        lead["phone"] = lead["phone"] or phone
        lead["name"] = lead["name"] or name
        if lead["owner"] is None:
            lead["owner"] = salesperson.pk
        elif lead["owner"] != salesperson.pk and (device.person, salesperson.pk) not in truth.claims:
            truth.claims.add((device.person, salesperson.pk))  # 撞单: both are warned, once
            truth.crm_notices[lead["owner"]] += 1
            truth.crm_notices[salesperson.pk] += 1
        truth.crm_notices[lead["owner"]] += 1  # the owner hears of every submission

    def login(self, device: Device, unionid: str, *, first_of_person: bool) -> None:
        """Mini-program login on this device (wx.login code → GraphQL login with the device id)."""
        code = self.fake.state.issue_login_code(
            appid=self.account.mini_app_id, openid=f"o-{unionid}", unionid=unionid
        )
        data = gql(LOGIN, enterprise=self.enterprise, code=code, d=device.id)
        device.visitor_token = data["login"]["visitorToken"]
        truth = self.truth
        lead = truth.leads.setdefault(device.person, {"owner": None, "phone": "", "name": "", "unionid": ""})
        lead["unionid"] = unionid
        if not first_of_person:  # the device's row is merged into the person's (its later events too)
            person_row = truth.person_row[device.person]
            for other, row in list(truth.row.items()):
                if row == device.id:
                    truth.row[other] = person_row
        else:  # the first login upgrades this device's row in place: it is the person
            truth.person_row[device.person] = device.id

    def microsite(self, device: Device, salesperson) -> None:
        """SITE-5: a visit over the home page, an article and a product, then the page is hidden."""
        token = share_token_for(self.home, salesperson)
        assert self.http.get(f"/h5/s/{token}/").status_code == 200
        session = f"m{self.rng.randrange(10**12)}"
        article = self.rng.choice(self.articles)
        events = []
        for target in (None, f"article:{article.pk}", f"product:{self.product.pk}"):
            extra = {"target": target} if target else {}
            seconds = self.rng.randrange(1, 40)
            events += [device.event("open", **extra), device.event("heartbeat", seconds=seconds, **extra)]
            self.truth.read[device.id] += seconds
            self.truth.seconds[salesperson.pk] += seconds
            self.truth.opens[salesperson.pk] += 1
        device.post(token, session, events)
        device.post(token, session, [device.event("leave", target=f"product:{self.product.pk}")])
        self.truth.readers[salesperson.pk].add(device.id)
        self.truth.first_entry.setdefault(device.person, ("page", self.home.pk))
        self.truth.summaries[salesperson.pk] += 1  # one push when they leave, none per page opened


def play(world: World) -> None:
    """Generate and play the sessions of one seed."""
    rng, truth, salespeople = world.rng, world.truth, world.salespeople
    for n in range(rng.randrange(5, 8)):
        person = f"p{n}"
        unionid = f"u-{world.seed}-{n}" if rng.random() < 0.6 else ""
        # two devices are one person only once a login names them; before that, two visitors
        devices = [
            Device(world, person if unionid or k == 0 else f"{person}d{k}", world.new_id("dev"))
            for k in range(2 if rng.random() < 0.4 else 1)
        ]
        sp = rng.choice(salespeople)
        wants_form = rng.random() < 0.5
        # device 1: reads (a poster scan or articles), maybe forwards, maybe submits the form
        first = devices[0]
        if rng.random() < 0.3 and sp.pk in world.posters:
            poster = world.posters[sp.pk]
            token = poster_share_url(poster).rstrip("/").rsplit("/", 1)[-1]
            item = ("poster", poster.pk)
        else:
            article = rng.choice(world.articles)
            token = share_token_for(article.specific, sp)
            item = ("article", article.pk)
        session = first_session = world.read(first, token, sp, item)
        if unionid and rng.random() < 0.5:  # the mini-program logs in at launch, racing the drain
            world.login(first, unionid, first_of_person=True)
        chain, depth, forwarder = token, 0, first
        while depth < 3 and rng.random() < 0.4:  # forwards several levels deep, to new people
            chain = world.forward(forwarder, chain, sp, session)
            reader = Device(world, f"{person}f{depth}", world.new_id("fwd"))
            session = world.read(reader, chain, sp, item)
            forwarder = reader
            depth += 1
        if wants_form:
            world.submit(
                first, token, sp, first_session, name=f"王{n}号", phone=f"139{world.seed:02d}{n:06d}"
            )
        # device 2: reads other articles anonymously
        for device in devices[1:]:
            article = rng.choice(world.articles)
            world.read(device, share_token_for(article.specific, sp), sp, ("article", article.pk))
        if unionid:
            settle()
            order = devices if rng.random() < 0.5 else list(reversed(devices))
            for device in order:
                world.login(device, unionid, first_of_person=person not in truth.person_row)
            settle()
            # back later on a device, through another salesperson's share (a collision when owned)
            if rng.random() < 0.5:
                other = rng.choice([s for s in salespeople if s.pk != sp.pk])
                article = rng.choice(world.articles)
                token = share_token_for(article.specific, other)
                session = world.read(first, token, other, ("article", article.pk))
                if rng.random() < 0.6:
                    world.submit(
                        first, token, other, session, name=f"王{n}号", phone=f"139{world.seed:02d}{n:06d}"
                    )
        if rng.random() < 0.3:
            world.microsite(devices[-1], rng.choice(salespeople))
    settle()


@pytest.mark.parametrize("seed", SEEDS)
def test_data_center_crm_and_inbox_equal_the_truth(
    seed,
    client,
    enterprise_a,
    salesperson_a,
    other_salesperson_a,
    admin_a,
    fake,
    wechat_account,
    celery_worker,
):
    third = make_member(enterprise_a, Role.SALESPERSON, username="sales-a3").salesperson
    salespeople = [salesperson_a, other_salesperson_a, third]
    world = World(
        seed=seed,
        http=client,
        enterprise=enterprise_a,
        salespeople=salespeople,
        fake=fake,
        account=wechat_account,
    )
    play(world)
    truth = world.truth

    # the people as the product knows them: each device's row, followed through merges
    rows = {v.device_id: v for v in Visitor.objects.filter(enterprise=enterprise_a).exclude(device_id="")}

    def person_row(device: str) -> int:
        visitor = rows[device]
        return visitor.merged_into_id or visitor.pk

    people_rows: dict[str, set[int]] = defaultdict(set)
    for device, person in truth.person_of.items():
        people_rows[person].add(person_row(device))
    assert all(len(ids) == 1 for ids in people_rows.values()), people_rows  # one person, one visitor
    row_of = {person: next(iter(ids)) for person, ids in people_rows.items()}
    live = Visitor.objects.filter(enterprise=enterprise_a, merged_into__isnull=True)
    assert live.count() == len(row_of)  # no blank visitor, no second row of a person

    # data center (GraphQL, as the admin sees it)
    board = gql(BOARD, user=admin_a)
    readers = {sp: {truth.person_of[d] for d in devices} for sp, devices in truth.readers.items()}
    all_readers = set().union(*readers.values())
    person_clicks: dict[str, int] = defaultdict(int)
    person_read: dict[str, int] = defaultdict(int)
    for device, person in truth.person_of.items():
        person_clicks[person] += truth.clicks[device]
        person_read[person] += truth.read[device]
    precise = {p for p in all_readers if person_clicks[p] >= 3 and person_read[p] >= 60}
    new_leads: dict[int, int] = defaultdict(int)
    for lead in truth.leads.values():
        if lead["owner"]:
            new_leads[lead["owner"]] += 1
    want_stats = {
        sp.pk: (
            truth.opens[sp.pk],
            len(readers.get(sp.pk, ())),
            truth.seconds[sp.pk],
            truth.forwards[sp.pk],
            new_leads[sp.pk],
        )
        for sp in salespeople
    }
    got_stats = {
        int(row["salespersonId"]): (
            row["opens"],
            row["viewers"],
            row["readSeconds"],
            row["forwards"],
            row["newLeads"],
        )
        for row in board["salespersonStats"]
    }
    assert got_stats == want_stats
    center = board["dataCenter"]
    assert (center["readers"], center["preciseVisitors"]) == (len(all_readers), len(precise))
    assert center["totals"] == {
        "opens": sum(truth.opens.values()),
        "readSeconds": sum(truth.read.values()),
        "clicks": sum(truth.clicks.values()),
        "shares": sum(truth.forwards.values()),
        "formSubmits": truth.form_events,
    }
    acquired: dict[int, int] = defaultdict(int)
    for item in truth.first_entry.values():
        if item[0] == "poster":
            acquired[item[1]] += 1
    assert {int(p["posterId"]): (p["scans"], p["visitorsAcquired"]) for p in board["posterStats"]} == {
        poster: (scans, acquired[poster]) for poster, scans in truth.scans.items()
    }

    # the CRM pool: one lead per identified person, with the form's name and phone, on the person
    leads = list(Lead.objects.filter(enterprise=enterprise_a))
    assert len(leads) == len(truth.leads)
    by_visitor = {lead.visitor_id: lead for lead in leads}
    for person, want in truth.leads.items():
        lead = by_visitor[row_of[person]]
        assert (lead.salesperson_id, lead.phone, lead.name, lead.unionid) == (
            want["owner"],
            want["phone"],
            want["name"],
            want["unionid"],
        ), person
    assert Collision.objects.filter(enterprise=enterprise_a).count() == len(truth.claims)

    # the inbox of each salesperson (GraphQL, as they see it)
    for sp in salespeople:
        inbox = gql(INBOX, user=sp.user)
        kinds = defaultdict(int)
        for notice in inbox["myNotifications"]:
            kinds[notice["kind"]] += 1
        want_kinds = {
            "visitor_open": len(truth.open_notices[sp.pk]),
            "session_summary": truth.summaries[sp.pk],
            "crm": truth.crm_notices[sp.pk],
        }
        got_kinds = {
            "visitor_open": kinds.pop("visitor_open", 0),
            "session_summary": kinds.pop("session_summary", 0),
            "crm": kinds.pop("form_submit", 0) + kinds.pop("collision", 0),
        }
        assert (got_kinds, dict(kinds)) == (want_kinds, {}), sp
        assert inbox["unreadNotificationCount"] == sum(want_kinds.values())
    assert Notification.objects.filter(enterprise=enterprise_a).count() == sum(
        len(truth.open_notices[sp.pk]) + truth.summaries[sp.pk] + truth.crm_notices[sp.pk]
        for sp in salespeople
    )
