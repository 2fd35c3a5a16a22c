"""Demo WeChat set-up: a demo-mode account (the in-process fake server), WeCom profiles for the
salespeople, a channel code with customers, and one chat. Idempotent."""

from __future__ import annotations

import base64
import hashlib

from django.utils import timezone

from . import services
from .models import ChannelCode, ChatMessage, ExternalContact, SalespersonWeChat, WeChatAccount


def _demo_key(slug: str) -> str:
    return base64.b64encode(hashlib.sha256(f"demo-aes-{slug}".encode()).digest()).decode()[:43]


def seed_content(context) -> None:
    enterprise = context.enterprise
    account, _ = WeChatAccount.objects.get_or_create(
        enterprise=enterprise,
        defaults={
            "is_demo": True,
            "official_app_id": f"wxdemo-oa-{enterprise.slug}",
            "official_app_secret": "demo-official-secret",
            "mini_app_id": f"wxdemo-mini-{enterprise.slug}",
            "mini_app_secret": "demo-mini-secret",
            "subscribe_template_id": "demo-template-chat-reply",
            "corp_id": f"wwdemo{enterprise.slug}",
            "contact_secret": "demo-contact-secret",
            "agent_id": "1000002",
            "agent_secret": "demo-agent-secret",
            "callback_token": "demo-callback-token",
            "encoding_aes_key": _demo_key(enterprise.slug),
            "welcome_message": f"Welcome to {enterprise.name}! Your adviser will be with you shortly.",
        },
    )
    for salesperson in context.salespeople:
        SalespersonWeChat.objects.get_or_create(
            salesperson=salesperson,
            defaults={
                "enterprise": enterprise,
                "wecom_userid": salesperson.user.username,
                "notification_channel": "wecom_app",
                "chat_welcome": f"Hi, I'm {salesperson.display_name}. Ask me anything!",
            },
        )
    if not account.is_demo:
        return  # real credentials were entered: never call WeChat from the demo seeder
    if not ChannelCode.objects.filter(enterprise=enterprise).exists() and context.salespeople:
        [vip] = services.external_tags_create(enterprise=enterprise, group_name="Source", names=["Expo 2026"])
        channel = services.channel_code_create(
            enterprise=enterprise,
            name="Expo booth (all salespeople)",
            salespeople=list(context.salespeople),
            welcome_message="Thanks for visiting our booth! Here is our catalogue.",
            tags=[vip],
        )
        for index, salesperson in enumerate(context.salespeople):
            contact = ExternalContact.objects.create(
                enterprise=enterprise,
                salesperson=salesperson,
                external_userid=f"wmdemo{enterprise.slug}{index}",
                name=["Zhang Wei", "Li Na", "Wang Fang"][index % 3],
                channel=channel,
                added_at=timezone.now(),
            )
            contact.tags.add(vip)
    _link_demo_contacts_to_customers(enterprise)
    if context.salespeople and not ChatMessage.objects.filter(conversation__enterprise=enterprise).exists():
        from trackers.services import visitor_identify

        visitor = visitor_identify(
            enterprise=enterprise, openid="o-demo-visitor", unionid="u-demo-visitor", nickname="Demo visitor"
        )
        conversation = services.conversation_open(visitor=visitor, salesperson=context.salespeople[0])
        services.chat_message_send(
            conversation=conversation, sender=ChatMessage.Sender.VISITOR, body="Do you ship to Hangzhou?"
        )


def _link_demo_contacts_to_customers(enterprise) -> None:
    """Give each demo WeCom contact a unionid shared with one of its salesperson's CRM customers,
    so the sidebar (WX-3) shows a customer record in the demo. Only contacts without a unionid."""
    from django.db import transaction

    from crm.models import Lead
    from crm.services import lead_upsert

    contacts = ExternalContact.objects.filter(
        enterprise=enterprise, unionid="", external_userid__startswith="wmdemo"
    ).select_related("salesperson")
    for contact in contacts:
        lead = (
            Lead.objects.filter(
                enterprise=enterprise, salesperson=contact.salesperson, is_customer=True, unionid=""
            )
            .exclude(phone="")
            .order_by("pk")
            .first()
        )
        if lead is None:
            continue
        unionid = f"u-demo-wecom-{enterprise.pk}-{contact.pk}"
        with transaction.atomic():  # lead_upsert finds the customer by phone and records the unionid
            lead_upsert(
                enterprise=enterprise, salesperson=contact.salesperson, unionid=unionid, phone=lead.phone
            )
            contact.unionid = unionid
            contact.name = contact.name or lead.name
            contact.save(update_fields=["unionid", "name"])
