"""Mass messaging (企业群发, WX-1): selection, one to-do per salesperson, WeCom's 4 per month, stats."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.selectors import scope_for_user
from wechat import selectors, services
from wechat.fake_server import confirm_mass_message
from wechat.models import ExternalContact, MassMessageRecipient, MassMessageTask

from .wechat_factories import link_salesperson

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = pytest.mark.django_db


def add_contact(salesperson, external_userid, *, added_at=None, tags=()):
    contact = ExternalContact.objects.create(
        enterprise=salesperson.enterprise,
        salesperson=salesperson,
        external_userid=external_userid,
        name=external_userid,
        added_at=added_at or timezone.now(),
    )
    contact.tags.add(*tags)
    return contact


@pytest.fixture
def linked(wechat_account, salesperson_a, other_salesperson_a):
    link_salesperson(salesperson_a, "alice")
    link_salesperson(other_salesperson_a, "bob")
    return salesperson_a, other_salesperson_a


def send(admin, enterprise, content="Spring offer", **filters):
    message = services.mass_message_create(
        scope=scope_for_user(admin),
        enterprise=enterprise,
        by=admin,
        content=content,
        filters=services.MassFilters(**filters),
    )
    for task in message.tasks.all():
        services.mass_message_task_submit(task_id=task.pk)
    return message


def test_customers_are_grouped_into_one_todo_per_salesperson(
    fake, admin_a, enterprise_a, linked, salesperson_b
):
    alice, bob = linked
    add_contact(alice, "c1")
    add_contact(alice, "c2")
    add_contact(bob, "c3")
    add_contact(salesperson_b, "foreign")  # another enterprise: never selected
    message = services.mass_message_create(
        scope=scope_for_user(admin_a),
        enterprise=enterprise_a,
        by=admin_a,
        content="Hello",
        filters=services.MassFilters(),
    )
    todos = {
        task.salesperson_id: set(task.recipients.values_list("external_userid", flat=True))
        for task in message.tasks.all()
    }
    assert todos == {alice.pk: {"c1", "c2"}, bob.pk: {"c3"}}


def test_filters_by_tag_owner_and_added_time(fake, admin_a, enterprise_a, linked):
    alice, bob = linked
    [vip] = services.external_tags_create(enterprise=enterprise_a, group_name="Level", names=["VIP"])
    old = timezone.now() - dt.timedelta(days=40)
    add_contact(alice, "vip-old", added_at=old, tags=[vip])
    add_contact(alice, "vip-new", tags=[vip])
    add_contact(bob, "plain-new")
    add_contact(bob, "vip-bob", tags=[vip])

    def picked(**filters):
        message = services.mass_message_create(
            scope=scope_for_user(admin_a),
            enterprise=enterprise_a,
            by=admin_a,
            content="x",
            filters=services.MassFilters(**filters),
        )
        return set(
            MassMessageRecipient.objects.filter(task__mass_message=message).values_list(
                "external_userid", flat=True
            )
        )

    assert picked(tag_ids=(vip.pk,)) == {"vip-old", "vip-new", "vip-bob"}
    assert picked(tag_ids=(vip.pk,), salesperson_ids=(alice.pk,)) == {"vip-old", "vip-new"}
    assert picked(added_after=timezone.now() - dt.timedelta(days=7)) == {"vip-new", "plain-new", "vip-bob"}
    with pytest.raises(services.WeChatServiceError, match="No customer matches"):
        picked(added_before=old - dt.timedelta(days=1))


def test_submission_creates_a_wecom_task_and_sync_reports_delivery(fake, admin_a, enterprise_a, linked):
    alice, _ = linked
    add_contact(alice, "c1")
    message = send(admin_a, enterprise_a)
    task = message.tasks.get()
    assert task.status == MassMessageTask.Status.SUBMITTED
    assert fake.state.mass_messages[task.msgid]["sender"] == "alice"
    # when Alice confirms in WeCom
    confirm_mass_message(fake.state, msgid=task.msgid)
    services.mass_message_task_sync(task_id=task.pk)
    task.refresh_from_db()
    assert task.status == MassMessageTask.Status.DONE
    assert task.recipients.get().status == MassMessageRecipient.Status.SENT
    # submitting again is a no-op
    services.mass_message_task_submit(task_id=task.pk)
    assert len(fake.state.mass_messages) == 1


def test_fifth_message_in_a_month_is_refused_with_the_reason(fake, admin_a, enterprise_a, linked):
    alice, bob = linked
    add_contact(alice, "shared")
    add_contact(bob, "shared")  # the same customer added by two salespeople counts once per message each
    add_contact(alice, "fresh")
    for n in range(2):
        send(admin_a, enterprise_a, content=f"msg {n}", salesperson_ids=(alice.pk, bob.pk))
    # "shared" has received 4 (2 messages × 2 salespeople); "fresh" only 2
    fifth = send(admin_a, enterprise_a, content="one more")
    refused = MassMessageRecipient.objects.filter(
        task__mass_message=fifth, status=MassMessageRecipient.Status.REFUSED
    )
    assert sorted(refused.values_list("external_userid", flat=True)) == ["shared", "shared"]
    assert "already received 4 mass messages this month" in refused.first().reason
    sent_to = fake.state.mass_messages[fifth.tasks.get(salesperson=alice).msgid]["recipients"]
    assert list(sent_to) == ["fresh"]
    # bob's to-do had only the refused customer: nothing goes to WeCom, the to-do is closed
    assert fifth.tasks.get(salesperson=bob).status == MassMessageTask.Status.DONE
    assert not fifth.tasks.get(salesperson=bob).msgid


def test_quota_counts_only_this_month(fake, admin_a, enterprise_a, linked):
    alice, _ = linked
    add_contact(alice, "c1")
    for n in range(4):
        send(admin_a, enterprise_a, content=f"m{n}")
    MassMessageRecipient.objects.update(counted_at=services.month_start() - dt.timedelta(seconds=1))
    latest = send(admin_a, enterprise_a, content="new month")
    assert latest.tasks.get().recipients.get().status == MassMessageRecipient.Status.SUBMITTED


def test_wecom_failure_marks_the_todo_failed_and_uses_no_quota(fake, admin_a, enterprise_a, linked):
    alice, _ = linked
    add_contact(alice, "c1")
    alice.wechat_profile.wecom_userid = ""
    alice.wechat_profile.save()
    message = send(admin_a, enterprise_a)
    task = message.tasks.get()
    assert task.status == MassMessageTask.Status.FAILED and "WeCom UserID" in task.error
    assert services.mass_quota_used(enterprise_id=enterprise_a.pk, external_userids=["c1"]) == {}


def test_per_salesperson_stats_and_scope(fake, admin_a, enterprise_a, linked):
    alice, bob = linked
    add_contact(alice, "a1")
    add_contact(alice, "a2")
    add_contact(bob, "b1")
    message = send(admin_a, enterprise_a)
    confirm_mass_message(fake.state, msgid=message.tasks.get(salesperson=alice).msgid)
    for task in message.tasks.all():
        services.mass_message_task_sync(task_id=task.pk)
    stats = {
        row.salesperson_id: row
        for row in selectors.mass_message_stats(scope=scope_for_user(admin_a), mass_message=message)
    }
    assert (stats[alice.pk].recipients, stats[alice.pk].sent, stats[alice.pk].pending) == (2, 2, 0)
    assert (stats[bob.pk].recipients, stats[bob.pk].sent, stats[bob.pk].pending) == (1, 0, 1)
    # a salesperson sees only their own row
    own = selectors.mass_message_stats(scope=scope_for_user(bob.user), mass_message=message)
    assert [row.salesperson_id for row in own] == [bob.pk]


def test_salesperson_scope_selects_only_own_customers(fake, enterprise_a, linked):
    alice, bob = linked
    add_contact(alice, "a1")
    add_contact(bob, "b1")
    message = services.mass_message_create(
        scope=scope_for_user(alice.user),
        enterprise=enterprise_a,
        by=alice.user,
        content="mine",
        filters=services.MassFilters(),
    )
    assert list(
        MassMessageRecipient.objects.filter(task__mass_message=message).values_list(
            "external_userid", flat=True
        )
    ) == ["a1"]


def test_empty_message_is_a_validation_error(fake, admin_a, enterprise_a, linked):
    add_contact(linked[0], "a1")
    with pytest.raises(services.WeChatServiceError) as error:
        services.mass_message_create(
            scope=scope_for_user(admin_a),
            enterprise=enterprise_a,
            by=admin_a,
            content="  ",
            filters=services.MassFilters(),
        )
    assert error.value.code == "VALIDATION"


@pytest.fixture
def fake_for_worker(fake, monkeypatch):
    """Point a worker subprocess at the fake too (its settings come from the environment)."""
    monkeypatch.setenv("WECHAT_API_BASE", fake.url)
    monkeypatch.setenv("WECOM_API_BASE", fake.url)
    return fake


@pytest.mark.worker
def test_real_worker_submits_each_todo_once(fake_for_worker, celery_worker, enterprise_a, admin_a):
    import time

    from tests.wechat_factories import make_account

    fake = fake_for_worker
    make_account(enterprise_a, fake)
    people = [make_member_salesperson(enterprise_a, f"w{n}") for n in range(2)]
    for person in people:
        add_contact(person, f"cust-{person.pk}")
    message = services.mass_message_create(
        scope=scope_for_user(admin_a),
        enterprise=enterprise_a,
        by=admin_a,
        content="Via worker",
        filters=services.MassFilters(),
    )
    services.mass_message_send(mass_message=message)  # autocommit: enqueued at once
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not message.tasks.filter(status=MassMessageTask.Status.PENDING).exists():
            break
        time.sleep(0.2)
    assert set(message.tasks.values_list("status", flat=True)) == {MassMessageTask.Status.SUBMITTED}
    senders = sorted(m["sender"] for m in fake.state.mass_messages.values())
    assert senders == ["w0", "w1"]


def make_member_salesperson(enterprise, userid):
    from enterprises.models import Role
    from tests.factories import make_member

    salesperson = make_member(enterprise, Role.SALESPERSON).salesperson
    link_salesperson(salesperson, userid)
    return salesperson
