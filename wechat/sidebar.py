"""WeCom chat sidebar (WX-3): OAuth code → salesperson, signed session, what the sidebar may show.

Visibility follows :func:`enterprises.selectors.scope_for_user` of the salesperson's user: a
salesperson sees their own WeCom contacts, a department manager also those of the salespeople in
the departments they manage, an enterprise admin who is a salesperson the whole enterprise. Never
another enterprise: the signed session names the enterprise and every query is filtered by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from enterprises.models import Salesperson
from enterprises.selectors import Scope, scope_for_user
from wechat.adapter import WeChatError, wecom_client
from wechat.models import ExternalContact, SalespersonWeChat

SALT = "wechat.sidebar"
MAX_AGE = 8 * 3600
COOKIE = "sce_sidebar"


class SidebarRefused(Exception):
    """A forged, stale or unknown identity: the sidebar shows nothing."""


@dataclass(frozen=True)
class SidebarSession:
    """Who is using the sidebar: a salesperson of one enterprise, with the scope of their user."""

    enterprise_id: int
    salesperson: Salesperson
    scope: Scope


def sidebar_login(*, account, code: str) -> str:
    """Exchange the OAuth code and return a signed identity token (enterprise + salesperson)."""
    try:
        userid = wecom_client(account, app=True).getuserinfo(code)
    except WeChatError as error:
        raise SidebarRefused(str(error)) from error
    link = SalespersonWeChat.objects.filter(
        enterprise_id=account.enterprise_id, wecom_userid=userid, salesperson__is_active=True
    ).first()
    if link is None:
        raise SidebarRefused("not a salesperson of this enterprise")
    return signing.dumps({"e": account.enterprise_id, "s": link.salesperson_id}, salt=SALT)


def sidebar_identity(token: str) -> tuple[int, int]:
    """(enterprise id, salesperson id) from a signed token; tampered or stale tokens are refused."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
        return int(data["e"]), int(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise SidebarRefused("bad identity") from error


def sidebar_session(token: str) -> SidebarSession:
    """The session of a token; refused when the salesperson left or changed enterprise."""
    enterprise_id, salesperson_id = sidebar_identity(token)
    salesperson = (
        Salesperson.objects.select_related("user", "enterprise")
        .filter(pk=salesperson_id, enterprise_id=enterprise_id, is_active=True, enterprise__is_active=True)
        .first()
    )
    if salesperson is None:
        raise SidebarRefused("no such salesperson")
    scope = scope_for_user(salesperson.user)
    if scope.enterprise_id != enterprise_id:
        raise SidebarRefused("salesperson outside the enterprise")
    return SidebarSession(enterprise_id=enterprise_id, salesperson=salesperson, scope=scope)


def sidebar_contacts(session: SidebarSession) -> QuerySet[ExternalContact]:
    """Active WeCom contacts the session covers, the salesperson's own first."""
    contacts = ExternalContact.objects.filter(enterprise_id=session.enterprise_id, removed_at__isnull=True)
    contacts = session.scope.filter_salespeople(contacts)
    return (
        contacts.select_related("salesperson", "visitor")
        .annotate(
            own=Case(
                When(salesperson_id=session.salesperson.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("own", "-added_at", "pk")
    )


def sidebar_contact(*, session: SidebarSession, external_userid: str) -> ExternalContact:
    """The chat's external contact if the session covers it (own row preferred); otherwise 404."""
    contact = (
        ExternalContact.objects.filter(enterprise_id=session.enterprise_id, external_userid=external_userid)
        .select_related("salesperson", "visitor")
        .prefetch_related("tags")
    )
    contact = (
        session.scope.filter_salespeople(contact)
        .annotate(
            own=Case(
                When(salesperson_id=session.salesperson.pk, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("own", "pk")
        .first()
    )
    if contact is None:
        raise Http404("No such contact")
    return contact


def sidebar_lead(*, session: SidebarSession, contact: ExternalContact):
    """The CRM lead/customer of the contact (by unionid, else by visitor) if the session covers it."""
    from crm.selectors import lead_queryset

    match = Q()
    if contact.unionid:
        match |= Q(unionid=contact.unionid)
    if contact.visitor_id:
        match |= Q(visitor_id=contact.visitor_id)
    if not match:
        return None
    leads = lead_queryset(scope=session.scope).filter(match, enterprise_id=session.enterprise_id)
    return leads.prefetch_related("tags").order_by("-is_customer", "-updated_at").first()


def sidebar_lead_elsewhere(*, session: SidebarSession, contact: ExternalContact) -> bool:
    """Whether a lead exists but is kept by a colleague outside the scope (shown without data)."""
    from crm.models import Lead

    match = Q()
    if contact.unionid:
        match |= Q(unionid=contact.unionid)
    if contact.visitor_id:
        match |= Q(visitor_id=contact.visitor_id)
    return bool(match) and Lead.objects.filter(match, enterprise_id=session.enterprise_id).exists()


def sidebar_lead_create(*, session: SidebarSession, contact: ExternalContact):
    """Start a lead for a contact with no CRM record yet, kept by the contact's salesperson."""
    from django.db import transaction

    from crm.models import Pool
    from crm.services import lead_upsert

    with transaction.atomic():
        return lead_upsert(
            enterprise=session.salesperson.enterprise,
            salesperson=contact.salesperson,
            unionid=contact.unionid,
            name=contact.name,
            source="wecom",
            visitor=contact.visitor,
            pool=Pool.FOLLOWING,
        )


def sidebar_lead_tags_update(*, lead, add: list[int], remove: list[int]) -> None:
    """Add/remove enterprise CRM tags through crm.services; another enterprise's tag ids are ignored."""
    from crm.models import Tag
    from crm.services import lead_tag_add, lead_tag_remove

    own = Tag.objects.filter(enterprise_id=lead.enterprise_id)
    for tag in own.filter(pk__in=add):
        lead_tag_add(lead=lead, tag=tag)
    for tag in own.filter(pk__in=remove):
        lead_tag_remove(lead=lead, tag=tag)


@dataclass(frozen=True)
class Material:
    """One item of the material library with the salesperson's own share link."""

    kind: str
    pk: int
    title: str
    summary: str
    url: str


def sidebar_files(*, session: SidebarSession, search: str = "", limit: int = 50) -> list[Material]:
    """Enterprise library files plus the salesperson's own, each with their share link."""
    from cms.files.models import SalesFile
    from trackers.share import share_url

    files = SalesFile.objects.filter(
        Q(owner__isnull=True) | Q(owner=session.salesperson), enterprise_id=session.enterprise_id
    )
    if search:
        files = files.filter(Q(title__icontains=search) | Q(description__icontains=search))
    return [
        Material("file", item.pk, item.title, item.get_kind_display(), share_url(item, session.salesperson))
        for item in files[:limit]
    ]


def sidebar_articles(*, session: SidebarSession, search: str = "", limit: int = 50) -> list[Material]:
    """Live articles of the enterprise the salesperson may share, with their share link."""
    from cms.articles.selectors import articles_readable, articles_visible_to
    from trackers.share import share_url

    visible = articles_visible_to(session.scope).values("pk")
    articles = articles_readable(enterprise=session.salesperson.enterprise).filter(pk__in=visible)
    if search:
        articles = articles.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    articles = articles.order_by("-first_published_at", "-pk")
    return [
        Material("article", item.pk, item.title, item.summary, share_url(item, session.salesperson))
        for item in articles[:limit]
    ]


JS_API_LIST = ["getCurContExternalContact", "sendChatMessage", "getContext"]


def sidebar_jssdk_config(*, enterprise_id: int, url: str) -> dict | None:
    """Signed ``wx.config`` + ``wx.agentConfig`` parameters for the page at ``url``.

    None when WeCom is not configured or refuses (the page then works without the JS-SDK:
    contact list instead of the chat's contact, copy instead of send).
    """
    import logging
    import secrets
    import time

    from wechat.adapter import jssdk_signature
    from wechat.models import WeChatAccount

    account = WeChatAccount.objects.filter(enterprise_id=enterprise_id).first()
    try:
        client = wecom_client(account, app=True)
        corp_ticket = client.jsapi_ticket()
        agent_ticket = client.jsapi_ticket(agent=True)
    except WeChatError as error:
        logging.getLogger(__name__).warning("sidebar JS-SDK unavailable for %s: %s", enterprise_id, error)
        return None
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    return {
        "corpid": account.corp_id,
        "agentid": account.agent_id,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": jssdk_signature(ticket=corp_ticket, nonce=nonce, timestamp=timestamp, url=url),
        "agentSignature": jssdk_signature(ticket=agent_ticket, nonce=nonce, timestamp=timestamp, url=url),
        "jsApiList": JS_API_LIST,
    }
