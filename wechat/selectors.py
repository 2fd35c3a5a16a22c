"""Reads of the WeChat domain: mass-message candidates and stats, conversations, the checklist (WX-2)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from enterprises.models import Enterprise
from enterprises.selectors import Scope

from .models import (
    ChatMessage,
    Conversation,
    ExternalContact,
    MassMessage,
    MassMessageRecipient,
    WeChatAccount,
)

MESSAGES_PAGE_MAX = 100


def mass_candidates(*, scope: Scope, enterprise: Enterprise, filters) -> QuerySet[ExternalContact]:
    """Active customers of the scope matching tag (any of), owner and added-time filters."""
    contacts = scope.filter_salespeople(
        ExternalContact.objects.filter(enterprise=enterprise, removed_at__isnull=True)
    )
    if filters.tag_ids:
        contacts = contacts.filter(tags__id__in=filters.tag_ids)
    if filters.salesperson_ids:
        contacts = contacts.filter(salesperson_id__in=filters.salesperson_ids)
    if filters.added_after:
        contacts = contacts.filter(added_at__gte=filters.added_after)
    if filters.added_before:
        contacts = contacts.filter(added_at__lt=filters.added_before)
    return contacts.distinct().order_by("salesperson_id", "pk")


@dataclass(frozen=True)
class SalespersonMassStats:
    salesperson_id: int
    salesperson: str
    task_status: str
    recipients: int
    sent: int
    pending: int
    refused: int
    failed: int


def mass_message_stats(*, scope: Scope, mass_message: MassMessage) -> list[SalespersonMassStats]:
    """Per-salesperson execution of one mass message (one query)."""
    S = MassMessageRecipient.Status
    tasks = scope.filter_salespeople(
        mass_message.tasks.all(), field="salesperson", enterprise_field="mass_message__enterprise"
    )
    rows = (
        tasks.select_related("salesperson")
        .annotate(
            total=Count("recipients"),
            sent=Count("recipients", filter=Q(recipients__status=S.SENT)),
            pending=Count("recipients", filter=Q(recipients__status__in=[S.QUEUED, S.SUBMITTED])),
            refused=Count("recipients", filter=Q(recipients__status=S.REFUSED)),
            failed=Count("recipients", filter=Q(recipients__status=S.FAILED)),
        )
        .order_by("salesperson__display_name")
    )
    return [
        SalespersonMassStats(
            salesperson_id=row.salesperson_id,
            salesperson=row.salesperson.display_name,
            task_status=row.get_status_display(),
            recipients=row.total,
            sent=row.sent,
            pending=row.pending,
            refused=row.refused,
            failed=row.failed,
        )
        for row in rows
    ]


# --- chat ------------------------------------------------------------------------------------------


def conversation_for_party(*, conversation_id: int, visitor=None, salesperson=None) -> Conversation | None:
    """A conversation only for its two parties: the visitor or the salesperson, never a third."""
    if visitor is None and salesperson is None:
        return None
    queryset = Conversation.objects.select_related("visitor", "salesperson")
    if visitor is not None:
        queryset = queryset.filter(visitor_id=visitor.pk, enterprise_id=visitor.enterprise_id)
    else:
        queryset = queryset.filter(salesperson_id=salesperson.pk, enterprise_id=salesperson.enterprise_id)
    return queryset.filter(pk=conversation_id).first()


def conversations_for_salesperson(*, salesperson) -> QuerySet[Conversation]:
    return Conversation.objects.filter(salesperson=salesperson).select_related("visitor")


def conversations_for_visitor(*, visitor) -> QuerySet[Conversation]:
    return Conversation.objects.filter(visitor=visitor).select_related("salesperson")


def chat_messages(*, conversation: Conversation, after_id: int = 0, limit: int = 50) -> list[ChatMessage]:
    """Messages after ``after_id`` (polling), oldest first, at most ``MESSAGES_PAGE_MAX``."""
    limit = max(1, min(limit, MESSAGES_PAGE_MAX))
    return list(conversation.messages.filter(pk__gt=max(after_id, 0)).order_by("pk")[:limit])


# --- authorization checklist (WX-2) -----------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: str
    is_done: bool
    missing: list[str]


def authorization_checklist(*, enterprise: Enterprise) -> list[ChecklistStep]:
    """The four set-up steps with what is still missing for each."""
    account = WeChatAccount.objects.filter(enterprise=enterprise).first() or WeChatAccount(
        enterprise=enterprise
    )
    demo = account.is_demo

    def step(key, title, missing):
        return ChecklistStep(key=key, title=title, is_done=not missing, missing=missing)

    official = []
    if not (account.official_app_id and account.official_app_secret):
        official.append(gettext("Enter the official account AppID and AppSecret."))
    elif not (account.official_verified_at or demo):
        official.append(gettext("Verify the credentials (an access token could not be fetched yet)."))
    mini = []
    if not (account.mini_app_id and account.mini_app_secret):
        mini.append(gettext("Enter the mini-program AppID and AppSecret."))
    elif not (account.mini_verified_at or demo):
        mini.append(gettext("Verify the credentials (an access token could not be fetched yet)."))
    if not account.subscribe_template_id:
        mini.append(gettext("Choose a subscription-message template for chat replies and notifications."))
    open_platform = []
    if not account.open_platform_app_id:
        open_platform.append(gettext("Enter the open platform AppID (needed for unionid across apps)."))
    if not account.open_platform_bound:
        open_platform.append(gettext("Bind the official account and the mini-program to the open platform."))
    domains = []
    needed = urlparse(settings.PUBLIC_BASE_URL).hostname or ""
    configured = {line.strip().lower() for line in account.configured_domains.splitlines() if line.strip()}
    if not settings.PUBLIC_BASE_URL.startswith("https://") and not demo:
        domains.append(gettext("PUBLIC_BASE_URL must be https:// (WeChat only calls https domains)."))
    if needed and needed.lower() not in configured and not demo:
        domains.append(
            gettext("Register %(domain)s as request and business domain in the mini-program console.")
            % {"domain": needed}
        )
    return [
        step("official_account", gettext("Official account"), official),
        step("mini_program", gettext("Mini-program"), mini),
        step("open_platform", gettext("Open platform binding"), open_platform),
        step("domains", gettext("Domain configuration"), domains),
    ]
