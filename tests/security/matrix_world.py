"""The world both tenancy matrices act on: the full demo enterprise A with marked private rows, and B.

Seeded once per test module inside a transaction rolled back at the end (``seeded_world``). The
marker strings sit on one salesperson's CRM/chat/notification rows; ``MARKERS`` says who may ever see
each, and the matrices check every response against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from enterprises.models import Enterprise, Role
from tests.factories import EnterpriseFactory, make_member

ANON, VISITOR_A, SALES_A, SALES_A2, ADMIN_A, ADMIN_B, VISITOR_B = (
    "anonymous",
    "visitor_a",
    "sales_a",
    "sales_a2",
    "admin_a",
    "admin_b",
    "visitor_b",
)
ACTORS = [ANON, VISITOR_A, SALES_A, SALES_A2, ADMIN_A, ADMIN_B, VISITOR_B]
A_SIDE = frozenset({ANON, VISITOR_A, SALES_A, SALES_A2, ADMIN_A})  # everyone who addresses enterprise A
EVERYONE = frozenset(ACTORS)

# Marker strings stored on A's private rows, and who may ever see each of them.
MARKERS = {
    "ZZQ-LEAD-S1": {SALES_A, ADMIN_A},
    "13999000101": {SALES_A, ADMIN_A},  # the lead's phone
    "ZZQ-FOLLOW-S1": {SALES_A, ADMIN_A},
    "ZZQ-TASK-S1": {SALES_A, ADMIN_A},
    "ZZQ-NOTE-S1": {SALES_A},
    "ZZQ-CHAT-S1": {SALES_A, VISITOR_A},
    "ZZQ-LEAD-S2": {SALES_A2, ADMIN_A},
    "ZZQ-FOLLOW-S2": {SALES_A2, ADMIN_A},
}


# --- the world: demo enterprise A, marked private rows, enterprise B ------------------------------


@dataclass
class World:
    a: Enterprise
    b: Enterprise
    users: dict
    visitor_a: object
    visitor_b: object
    lead_s1: object
    lead_s2: object
    task_s1: object
    note_s1: object
    conversation: object
    article: object
    product: object
    form: object
    file: object
    nav_page: object
    home: object
    card_tag: object
    preview_token: str
    share_token: str
    ids: dict = field(default_factory=dict)


def _build_world() -> World:
    from cms.articles.selectors import articles_readable
    from cms.cards.models import CardTag
    from cms.files.models import SalesFile
    from cms.leadforms.models import LeadFormPage
    from cms.products.models import Product
    from crm import services as crm_services
    from crm.models import FollowUp, Lead, Pool
    from enterprises.models import Salesperson
    from sites.models import MicrositeNavPage
    from sites.preview import preview_token_issue
    from sites.selectors import microsite_for
    from trackers.models import Notification, Visitor
    from trackers.share import share_token_make
    from wechat.models import ChatMessage, Conversation

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    a = Enterprise.objects.get(slug="demo")
    b = EnterpriseFactory(name="Beta Matrix", slug="beta-matrix")
    User = get_user_model()
    carol = Salesperson.objects.get(user__username="carol")  # North Region, manages nobody
    bob = Salesperson.objects.get(user__username="bob")  # manages Shanghai, not North
    users = {
        SALES_A: carol.user,
        SALES_A2: bob.user,
        ADMIN_A: User.objects.get(username="demo-admin"),
        ADMIN_B: make_member(b, Role.ADMIN, username="matrix-admin-b"),
    }
    visitor_a = (
        Visitor.objects.filter(enterprise=a, device_id__startswith=f"demo-{a.pk}-{carol.pk}-")
        .order_by("pk")
        .first()
    )
    assert visitor_a is not None, "the tracking demo gives carol visitors"
    visitor_b = Visitor.objects.create(enterprise=b, device_id="matrix-visitor-b")

    lead_s1 = Lead.objects.create(
        enterprise=a, name="ZZQ-LEAD-S1", phone="13999000101", pool=Pool.FOLLOWING, visitor=visitor_a
    )
    crm_services.lead_assign(lead=lead_s1, salesperson=carol)
    crm_services.lead_convert(lead=lead_s1)
    FollowUp.objects.create(enterprise=a, lead=lead_s1, salesperson=carol, content="ZZQ-FOLLOW-S1")
    lead_s2 = Lead.objects.create(enterprise=a, name="ZZQ-LEAD-S2", phone="13999000102", pool=Pool.FOLLOWING)
    crm_services.lead_assign(lead=lead_s2, salesperson=bob)
    crm_services.lead_convert(lead=lead_s2)
    FollowUp.objects.create(enterprise=a, lead=lead_s2, salesperson=bob, content="ZZQ-FOLLOW-S2")
    (task_s1,) = crm_services.task_issue(enterprise=a, title="ZZQ-TASK-S1", assignees=[carol], lead=lead_s1)
    note_s1 = Notification.objects.create(
        enterprise=a, salesperson=carol, kind="form_submit", title="ZZQ-NOTE-S1"
    )
    conversation = Conversation.objects.create(enterprise=a, visitor=visitor_a, salesperson=carol)
    ChatMessage.objects.create(conversation=conversation, sender="visitor", body="ZZQ-CHAT-S1")

    home = microsite_for(enterprise=a)
    article = articles_readable(enterprise=a).order_by("pk").first()
    form = LeadFormPage.objects.live().descendant_of(a.site.root_page).first()
    world = World(
        a=a,
        b=b,
        users=users,
        visitor_a=visitor_a,
        visitor_b=visitor_b,
        lead_s1=lead_s1,
        lead_s2=lead_s2,
        task_s1=task_s1,
        note_s1=note_s1,
        conversation=conversation,
        article=article,
        product=Product.objects.filter(enterprise=a, is_active=True).first(),
        form=form,
        file=SalesFile.objects.filter(enterprise=a, owner__isnull=True).first(),
        nav_page=MicrositeNavPage.objects.child_of(home).live().first(),
        home=home,
        card_tag=CardTag.objects.filter(card__salesperson=carol, card__is_published=True).first(),
        preview_token=preview_token_issue(
            page=MicrositeNavPage.objects.child_of(home).live().first(), enterprise=a
        ),
        share_token=share_token_make(
            enterprise_id=a.pk, salesperson_id=carol.pk, kind="article", target_id=article.pk
        ),
    )
    for name in ("article", "product", "form", "file", "nav_page", "home", "card_tag"):
        assert getattr(world, name) is not None, f"the demo should give enterprise A a {name}"
    return world


def seeded_world(django_db_blocker, media_root):
    """Generator for a module-scoped ``world`` fixture: seeded in a transaction rolled back at the end.

    The media root is the module's (the demo's images must stay readable across the module's tests),
    so the test module also overrides the autouse ``_media_root`` fixture with the same directory.
    """
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
