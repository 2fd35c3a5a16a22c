"""Writes of the WeChat domain: login, phone, QR codes, WeCom contacts and channels, mass messages, chat.

Every call to WeChat or WeCom goes through :mod:`wechat.adapter`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from enterprises.models import Enterprise, Salesperson

from . import adapter
from .models import (
    ChannelCode,
    ChatMessage,
    Conversation,
    ExternalContact,
    ExternalTag,
    MassMessage,
    MassMessageRecipient,
    MassMessageTask,
    NotificationChannel,
    RelationshipEvent,
    SalespersonWeChat,
    WeChatAccount,
)

logger = logging.getLogger(__name__)

#: WeCom lets a customer receive at most 4 mass messages per calendar month from an enterprise.
MASS_MESSAGES_PER_MONTH = 4
CHAT_MESSAGE_MAX = 2000
#: Mini-program codes never change for a (page, scene): keep them a day instead of asking WeChat again.
SHARE_CODE_CACHE_SECONDS = 86400
DEFAULT_CHAT_WELCOME = "Hello, thanks for your interest! Leave me a message and I will reply soon."


class WeChatServiceError(ValueError):
    """A refused request with a stable API code (VALIDATION, FORBIDDEN, NOT_FOUND, LIMIT, UPSTREAM)."""

    def __init__(self, message: str, code: str = "VALIDATION"):
        super().__init__(message)
        self.code = code


def account_for(enterprise: Enterprise) -> WeChatAccount | None:
    return WeChatAccount.objects.filter(enterprise=enterprise).first()


def _upstream(error: adapter.WeChatError) -> WeChatServiceError:
    if isinstance(error, adapter.NotConfigured):
        return WeChatServiceError(str(error.errmsg), "VALIDATION")
    if error.errcode in (40029, 40163):
        return WeChatServiceError(gettext("The WeChat code is invalid or already used; ask the user again."))
    return WeChatServiceError(
        gettext("WeChat refused the request (%(code)s: %(message)s).")
        % {"code": error.errcode, "message": error.errmsg},
        "UPSTREAM",
    )


# --- mini-program identity -----------------------------------------------------------------------


def wechat_login(*, enterprise: Enterprise, code: str, device_id: str = ""):
    """``wx.login`` code → openid/unionid → the enterprise's visitor (merging the anonymous device)."""
    from trackers.services import visitor_identify

    code = (code or "").strip()
    if not code or len(code) > 128:
        raise WeChatServiceError(gettext("A login code is required."))
    try:
        session = adapter.mini_program_client(account_for(enterprise)).code2session(code)
    except adapter.WeChatError as error:
        raise _upstream(error)
    return visitor_identify(
        enterprise=enterprise, unionid=session.unionid, openid=session.openid, device_id=device_id[:64]
    )


def visitor_phone_share(*, visitor, code: str) -> str:
    """The phone number a visitor consented to share (``getPhoneNumber`` code), stored on the visitor."""
    from trackers.services import visitor_identify

    if not visitor.is_identified:
        raise WeChatServiceError(gettext("Log in with WeChat before sharing a phone number."), "FORBIDDEN")
    code = (code or "").strip()
    if not code or len(code) > 128:
        raise WeChatServiceError(gettext("A phone code is required."))
    try:
        phone = adapter.mini_program_client(account_for(visitor.enterprise)).phone_number(code)
    except adapter.WeChatError as error:
        raise _upstream(error)
    visitor_identify(
        enterprise=visitor.enterprise, unionid=visitor.unionid, openid=visitor.openid, phone=phone
    )
    visitor.phone = phone
    return phone


@dataclass(frozen=True)
class ShareCode:
    png: bytes
    kind: str  # "wxacode" or "qr"


def share_code_png(*, enterprise: Enterprise, share_token: str, h5_url: str, page: str = "") -> ShareCode:
    """A mini-program code carrying the share token as ``scene``; a plain QR code of the H5 link
    when the mini-program is not authorized (no credentials, or WeChat refuses)."""
    from django.core.cache import cache

    account = account_for(enterprise)
    if account is not None and len(share_token) <= 32:
        page = page or account.mini_page
        key = "wx:code:" + hashlib.sha1(f"{account.mini_app_id}|{page}|{share_token}".encode()).hexdigest()
        cached = cache.get(key)
        if cached:
            return ShareCode(png=cached, kind="wxacode")
        try:
            png = adapter.mini_program_client(account).wxacode_unlimited(scene=share_token, page=page)
            cache.set(key, png, SHARE_CODE_CACHE_SECONDS)
            return ShareCode(png=png, kind="wxacode")
        except adapter.NotConfigured:
            pass
        except adapter.WeChatError as error:
            logger.warning("wxacode failed for enterprise %s: %s", enterprise.pk, error)
    import segno

    buffer = io.BytesIO()
    segno.make(h5_url, error="m").save(buffer, kind="png", scale=6, border=2)
    return ShareCode(png=buffer.getvalue(), kind="qr")


# --- WeCom: channel codes, contacts, tags, callbacks ----------------------------------------------


def _userids(salespeople: list[Salesperson], enterprise: Enterprise) -> list[str]:
    if not salespeople:
        raise WeChatServiceError(gettext("Choose at least one salesperson."))
    if any(person.enterprise_id != enterprise.pk for person in salespeople):
        raise WeChatServiceError(gettext("Choose salespeople of your own enterprise."), "FORBIDDEN")
    profiles = {
        profile.salesperson_id: profile.wecom_userid
        for profile in SalespersonWeChat.objects.filter(salesperson__in=salespeople).exclude(wecom_userid="")
    }
    missing = [str(person) for person in salespeople if person.pk not in profiles]
    if missing:
        raise WeChatServiceError(
            gettext("No WeCom UserID set for: %(names)s.") % {"names": "、".join(missing)}
        )
    return [profiles[person.pk] for person in salespeople]


def channel_code_create(
    *,
    enterprise: Enterprise,
    name: str,
    salespeople: list[Salesperson],
    welcome_message: str = "",
    tags: list[ExternalTag] | None = None,
) -> ChannelCode:
    """A channel QR code; with several salespeople WeCom assigns each customer at random."""
    name = (name or "").strip()
    if not name:
        raise WeChatServiceError(gettext("Give the channel a name."))
    if tags and any(tag.enterprise_id != enterprise.pk for tag in tags):
        raise WeChatServiceError(gettext("Choose tags of your own enterprise."), "FORBIDDEN")
    userids = _userids(list(salespeople), enterprise)
    state = "ch" + secrets.token_hex(8)
    try:
        created = adapter.wecom_client(account_for(enterprise)).add_contact_way(
            userids=userids, state=state, remark=name
        )
    except adapter.WeChatError as error:
        raise _upstream(error)
    channel = ChannelCode.objects.create(
        enterprise=enterprise,
        name=name[:80],
        welcome_message=welcome_message,
        state=state,
        config_id=created["config_id"],
        qr_code_url=created["qr_code"],
    )
    channel.salespeople.set(salespeople)
    channel.tags.set(tags or [])
    return channel


def channel_code_update_salespeople(*, channel: ChannelCode, salespeople: list[Salesperson]) -> ChannelCode:
    userids = _userids(list(salespeople), channel.enterprise)
    try:
        adapter.wecom_client(account_for(channel.enterprise)).update_contact_way(
            config_id=channel.config_id, userids=userids
        )
    except adapter.WeChatError as error:
        raise _upstream(error)
    channel.salespeople.set(salespeople)
    return channel


def external_tags_create(*, enterprise: Enterprise, group_name: str, names: list[str]) -> list[ExternalTag]:
    """Create customer tags in WeCom and mirror them (existing names are reused)."""
    names = [name.strip()[:60] for name in names if name and name.strip()]
    group_name = (group_name or "default").strip()[:60]
    existing = {
        tag.name: tag for tag in ExternalTag.objects.filter(enterprise=enterprise, group_name=group_name)
    }
    new = [name for name in dict.fromkeys(names) if name not in existing]
    if new:
        try:
            created = adapter.wecom_client(account_for(enterprise)).add_corp_tags(
                group_name=group_name, names=new
            )
        except adapter.WeChatError as error:
            raise _upstream(error)
        for item in created:
            existing[item["name"]] = ExternalTag.objects.create(
                enterprise=enterprise, group_name=group_name, name=item["name"], wecom_id=item["id"]
            )
    return [existing[name] for name in dict.fromkeys(names)]


def external_contact_tag(*, contact: ExternalContact, tags: list[ExternalTag]) -> None:
    if any(tag.enterprise_id != contact.enterprise_id for tag in tags):
        raise WeChatServiceError(gettext("Choose tags of your own enterprise."), "FORBIDDEN")
    profile = SalespersonWeChat.objects.filter(salesperson_id=contact.salesperson_id).first()
    if tags and profile and profile.wecom_userid:
        try:
            adapter.wecom_client(account_for(contact.enterprise)).mark_tags(
                userid=profile.wecom_userid,
                external_userid=contact.external_userid,
                add=[tag.wecom_id for tag in tags if tag.wecom_id],
            )
        except adapter.WeChatError as error:
            raise _upstream(error)
    contact.tags.add(*tags)


def external_contacts_link_visitor(*, visitor, **_) -> int:
    """A visitor identified later (mini-program login) is linked to the WeCom customers with
    the same unionid (tracking hook ``VISITOR_IDENTIFIED_HOOKS``)."""
    if not visitor.unionid:
        return 0
    return ExternalContact.objects.filter(
        enterprise_id=visitor.enterprise_id, unionid=visitor.unionid, visitor__isnull=True
    ).update(visitor=visitor)


def welcome_text(*, channel: ChannelCode | None, account: WeChatAccount | None) -> str:
    """Per-channel welcome message, else the enterprise-wide one."""
    if channel is not None and channel.welcome_message.strip():
        return channel.welcome_message.strip()
    return (account.welcome_message.strip() if account else "") or ""


def _event_time(create_time: str) -> dt.datetime:
    """The event's own time (WeCom's ``CreateTime``), so a redelivered event is recognisable."""
    try:
        seconds = int(create_time)
    except (TypeError, ValueError):
        return timezone.now()
    if not 0 < seconds < 2**33:
        return timezone.now()
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def wecom_callback_handle(*, account: WeChatAccount, message: dict[str, str]) -> RelationshipEvent | None:
    """Apply a decrypted WeCom ``change_external_contact`` event (friend added or deleted, either side)."""
    if message.get("Event") != "change_external_contact":
        return None
    change = message.get("ChangeType", "")
    userid, external_userid = message.get("UserID", ""), message.get("ExternalUserID", "")
    if change not in RelationshipEvent.Kind.values or not userid or not external_userid:
        return None
    enterprise = account.enterprise
    profile = (
        SalespersonWeChat.objects.select_related("salesperson")
        .filter(enterprise=enterprise, wecom_userid=userid)
        .first()
    )
    if profile is None:
        logger.info("WeCom callback for unknown userid %s in enterprise %s", userid, enterprise.pk)
        return None
    salesperson = profile.salesperson
    now = _event_time(message.get("CreateTime", ""))
    duplicate = RelationshipEvent.objects.filter(
        enterprise=enterprise,
        contact__salesperson=salesperson,
        contact__external_userid=external_userid,
        kind=change,
        occurred_at=now,
    ).first()
    if duplicate is not None:
        return duplicate  # WeCom retries a callback it thinks failed: apply it once
    if change == RelationshipEvent.Kind.ADDED:
        channel = ChannelCode.objects.filter(enterprise=enterprise, state=message.get("State", "")).first()
        client = adapter.wecom_client(account)
        try:
            details = client.get_external_contact(external_userid)
        except adapter.WeChatError as error:
            logger.warning("externalcontact/get failed: %s", error)
            details = {}
        contact, _ = ExternalContact.objects.update_or_create(
            enterprise=enterprise,
            salesperson=salesperson,
            external_userid=external_userid,
            defaults={
                "name": str(details.get("name") or "")[:80],
                "unionid": str(details.get("unionid") or "")[:64],
                "channel": channel,
                "added_at": now,
                "removed_at": None,
                "removed_by": "",
            },
        )
        if contact.unionid and contact.visitor_id is None:
            from trackers.models import Visitor

            contact.visitor = Visitor.objects.filter(enterprise=enterprise, unionid=contact.unionid).first()
            contact.save(update_fields=["visitor"])
        text = welcome_text(channel=channel, account=account)
        if text and message.get("WelcomeCode"):
            try:
                client.send_welcome(welcome_code=message["WelcomeCode"], text=text)
            except adapter.WeChatError as error:
                logger.warning("welcome message failed: %s", error)
        if channel is not None and channel.tags.exists():
            try:
                external_contact_tag(contact=contact, tags=list(channel.tags.all()))
            except WeChatServiceError as error:
                logger.warning("channel tags failed: %s", error)
    else:
        contact = ExternalContact.objects.filter(
            enterprise=enterprise, salesperson=salesperson, external_userid=external_userid
        ).first()
        if contact is None:
            return None
        if change != RelationshipEvent.Kind.EDITED:
            contact.removed_at = now
            contact.removed_by = (
                "salesperson" if change == RelationshipEvent.Kind.REMOVED_BY_SALESPERSON else "customer"
            )
            contact.save(update_fields=["removed_at", "removed_by"])
    event = RelationshipEvent.objects.create(
        enterprise=enterprise, contact=contact, kind=change, occurred_at=now
    )
    if change in _NOTICE_TITLES:
        from .tasks import relationship_notice_task

        transaction.on_commit(lambda: relationship_notice_task.delay(event.pk))
    return event


# --- mass messages (企业群发) ------------------------------------------------------------------------


def month_start(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: dt.datetime) -> dt.date:
    return (start + dt.timedelta(days=32)).replace(day=1).date()


def mass_quota_used(*, enterprise_id: int, external_userids: list[str]) -> dict[str, int]:
    """Mass messages counted this month per customer (submitted or sent)."""
    rows = (
        MassMessageRecipient.objects.filter(
            enterprise_id=enterprise_id,
            external_userid__in=external_userids,
            counted_at__gte=month_start(),
            status__in=[MassMessageRecipient.Status.SUBMITTED, MassMessageRecipient.Status.SENT],
        )
        .values("external_userid")
        .annotate(n=Count("pk"))
    )
    return {row["external_userid"]: row["n"] for row in rows}


def _quota_reason() -> str:
    return gettext(
        "This customer already received %(count)s mass messages this month (WeCom's limit); "
        "next possible on %(date)s."
    ) % {"count": MASS_MESSAGES_PER_MONTH, "date": _next_month(month_start()).isoformat()}


@dataclass(frozen=True)
class MassFilters:
    tag_ids: tuple[int, ...] = ()
    salesperson_ids: tuple[int, ...] = ()
    added_after: dt.datetime | None = None
    added_before: dt.datetime | None = None


def mass_message_create(
    *, scope, enterprise: Enterprise, by, content: str, filters: MassFilters
) -> MassMessage:
    """Pick customers, group them by owning salesperson, one to-do per salesperson.

    Customers already at WeCom's monthly limit are recorded as refused with the reason.
    """
    from .selectors import mass_candidates

    content = (content or "").strip()
    if not content:
        raise WeChatServiceError(gettext("Write the message."))
    if len(content) > 4000:
        raise WeChatServiceError(gettext("The message is longer than 4000 characters."))
    contacts = list(mass_candidates(scope=scope, enterprise=enterprise, filters=filters))
    if not contacts:
        raise WeChatServiceError(gettext("No customer matches these filters."))
    used = mass_quota_used(
        enterprise_id=enterprise.pk, external_userids=[c.external_userid for c in contacts]
    )
    groups: dict[int, list[ExternalContact]] = defaultdict(list)
    for contact in contacts:
        groups[contact.salesperson_id].append(contact)
    with transaction.atomic():
        message = MassMessage.objects.create(
            enterprise=enterprise,
            created_by=by,
            content=content,
            filters={
                "tag_ids": list(filters.tag_ids),
                "salesperson_ids": list(filters.salesperson_ids),
                "added_after": filters.added_after.isoformat() if filters.added_after else None,
                "added_before": filters.added_before.isoformat() if filters.added_before else None,
            },
        )
        for salesperson_id, group in groups.items():
            task = MassMessageTask.objects.create(mass_message=message, salesperson_id=salesperson_id)
            MassMessageRecipient.objects.bulk_create(
                [
                    MassMessageRecipient(
                        task=task,
                        contact=contact,
                        enterprise=enterprise,
                        external_userid=contact.external_userid,
                        status=(
                            MassMessageRecipient.Status.REFUSED
                            if used.get(contact.external_userid, 0) >= MASS_MESSAGES_PER_MONTH
                            else MassMessageRecipient.Status.QUEUED
                        ),
                        reason=(
                            _quota_reason()
                            if used.get(contact.external_userid, 0) >= MASS_MESSAGES_PER_MONTH
                            else ""
                        ),
                    )
                    for contact in group
                ]
            )
    return message


def mass_message_send(*, mass_message: MassMessage) -> list[int]:
    """Queue every pending to-do for submission to WeCom (after commit); returns the task ids."""
    from .tasks import mass_message_task_submit_task

    ids = list(mass_message.tasks.filter(status=MassMessageTask.Status.PENDING).values_list("pk", flat=True))
    for task_id in ids:
        transaction.on_commit(lambda task_id=task_id: mass_message_task_submit_task.delay(task_id))
    return ids


def mass_message_task_submit(*, task_id: int) -> MassMessageTask:
    """Submit one salesperson's to-do to WeCom (``add_msg_template``); idempotent.

    The monthly limit is checked again under row locks, so two mass messages racing for the
    same customer cannot both pass the fourth slot.
    """
    with transaction.atomic():
        task = (
            MassMessageTask.objects.select_for_update()
            .select_related("mass_message__enterprise", "salesperson")
            .get(pk=task_id)
        )
        if task.status != MassMessageTask.Status.PENDING:
            return task
        enterprise = task.mass_message.enterprise
        recipients = list(task.recipients.filter(status=MassMessageRecipient.Status.QUEUED).order_by("pk"))
        externals = sorted({r.external_userid for r in recipients})
        list(
            ExternalContact.objects.select_for_update()
            .filter(enterprise=enterprise, external_userid__in=externals)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        used = mass_quota_used(enterprise_id=enterprise.pk, external_userids=externals)
        allowed = []
        now = timezone.now()
        for recipient in recipients:
            if used.get(recipient.external_userid, 0) >= MASS_MESSAGES_PER_MONTH:
                recipient.status = MassMessageRecipient.Status.REFUSED
                recipient.reason = _quota_reason()
            else:
                recipient.status = MassMessageRecipient.Status.SUBMITTED
                recipient.counted_at = now
                used[recipient.external_userid] = used.get(recipient.external_userid, 0) + 1
                allowed.append(recipient)
        MassMessageRecipient.objects.bulk_update(recipients, ["status", "reason", "counted_at"])
        task.submitted_at = now
        if not allowed:
            task.status = MassMessageTask.Status.DONE
            task.save(update_fields=["status", "submitted_at"])
            return task
        profile = SalespersonWeChat.objects.filter(salesperson_id=task.salesperson_id).first()
        try:
            if profile is None or not profile.wecom_userid:
                raise adapter.WeChatError(-2, f"no WeCom UserID for {task.salesperson}")
            result = adapter.wecom_client(account_for(enterprise)).add_msg_template(
                sender=profile.wecom_userid,
                external_userids=[r.external_userid for r in allowed],
                text=task.mass_message.content,
            )
        except adapter.WeChatError as error:
            transaction.set_rollback(True)
            failed_reason = str(error)[:200]
        else:
            failed = set(result["fail_list"])
            for recipient in allowed:
                if recipient.external_userid in failed:
                    recipient.status = MassMessageRecipient.Status.FAILED
                    recipient.reason = "WeCom did not accept this customer."
                    recipient.counted_at = None
            MassMessageRecipient.objects.bulk_update(allowed, ["status", "reason", "counted_at"])
            task.msgid = result["msgid"]
            task.status = MassMessageTask.Status.SUBMITTED
            task.save(update_fields=["msgid", "status", "submitted_at"])
            return task
    MassMessageTask.objects.filter(pk=task_id, status=MassMessageTask.Status.PENDING).update(
        status=MassMessageTask.Status.FAILED, error=failed_reason
    )
    task.refresh_from_db()
    return task


#: WeCom's per-recipient send status (get_groupmsg_send_result).
_SEND_STATUS = {
    1: (MassMessageRecipient.Status.SENT, ""),
    2: (MassMessageRecipient.Status.FAILED, gettext_noop("No longer a contact of the salesperson.")),
    3: (MassMessageRecipient.Status.REFUSED, gettext_noop("The customer reached WeCom's monthly limit.")),
}


def mass_message_task_sync(*, task_id: int) -> MassMessageTask:
    """Pull delivery results from WeCom; the to-do is done when the salesperson sent it."""
    task = MassMessageTask.objects.select_related("mass_message__enterprise").get(pk=task_id)
    if task.status != MassMessageTask.Status.SUBMITTED or not task.msgid:
        return task
    profile = SalespersonWeChat.objects.filter(salesperson_id=task.salesperson_id).first()
    try:
        rows = adapter.wecom_client(account_for(task.mass_message.enterprise)).groupmsg_send_result(
            msgid=task.msgid, userid=profile.wecom_userid if profile else ""
        )
    except adapter.WeChatError as error:
        raise _upstream(error)
    results = {row["external_userid"]: int(row.get("status") or 0) for row in rows}
    recipients = list(task.recipients.filter(status=MassMessageRecipient.Status.SUBMITTED))
    for recipient in recipients:
        status = results.get(recipient.external_userid, 0)
        if status in _SEND_STATUS:
            recipient.status, reason = _SEND_STATUS[status]
            recipient.reason = gettext(reason) if reason else ""
            if recipient.status != MassMessageRecipient.Status.SENT:
                recipient.counted_at = None
    MassMessageRecipient.objects.bulk_update(recipients, ["status", "reason", "counted_at"])
    if not task.recipients.filter(status=MassMessageRecipient.Status.SUBMITTED).exists():
        task.status = MassMessageTask.Status.DONE
        task.save(update_fields=["status"])
    return task


# --- chat (IM-1) -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_body(body: str) -> str:
    body = _CONTROL.sub("", body or "").strip()
    if not body:
        raise WeChatServiceError(gettext("Write a message."))
    if len(body) > CHAT_MESSAGE_MAX:
        raise WeChatServiceError(
            gettext("Messages are at most %(count)s characters.") % {"count": CHAT_MESSAGE_MAX}
        )
    return body


def conversation_open(*, visitor, salesperson: Salesperson) -> Conversation:
    """The visitor's chat with a salesperson; the first open posts the welcome message."""
    if visitor.enterprise_id != salesperson.enterprise_id or not salesperson.is_active:
        raise WeChatServiceError(gettext("This salesperson cannot be reached here."), "NOT_FOUND")
    try:
        with transaction.atomic():
            conversation, created = Conversation.objects.get_or_create(
                visitor=visitor, salesperson=salesperson, defaults={"enterprise_id": visitor.enterprise_id}
            )
    except IntegrityError:  # two first opens at once: the other one created it
        conversation, created = Conversation.objects.get(visitor=visitor, salesperson=salesperson), False
    if created:
        profile = SalespersonWeChat.objects.filter(salesperson=salesperson).first()
        account = WeChatAccount.objects.filter(enterprise_id=visitor.enterprise_id).first()
        text = (
            (profile.chat_welcome.strip() if profile else "")
            or (account.welcome_message.strip() if account else "")
            or DEFAULT_CHAT_WELCOME
        )
        message = ChatMessage.objects.create(
            conversation=conversation,
            sender=ChatMessage.Sender.SYSTEM,
            kind=ChatMessage.Kind.WELCOME,
            body=text,
        )
        conversation.last_message_at = message.created_at
        conversation.save(update_fields=["last_message_at"])
    return conversation


def chat_message_send(*, conversation: Conversation, sender: str, body: str) -> ChatMessage:
    """Post a message; a salesperson's reply notifies the visitor once until they read it."""
    if sender not in (ChatMessage.Sender.VISITOR, ChatMessage.Sender.SALESPERSON):
        raise WeChatServiceError(gettext("Unknown sender."))
    message = ChatMessage.objects.create(conversation=conversation, sender=sender, body=_clean_body(body))
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    if sender == ChatMessage.Sender.SALESPERSON:
        claimed = Conversation.objects.filter(pk=conversation.pk, visitor_notified_at__isnull=True).update(
            visitor_notified_at=message.created_at
        )
        if claimed:
            from .tasks import chat_reply_notify_task

            transaction.on_commit(lambda: chat_reply_notify_task.delay(conversation.pk, message.pk))
    return message


def chat_phone_share(*, conversation: Conversation, code: str) -> ChatMessage:
    """The visitor shares their phone number into the chat (with WeChat's consent code)."""
    phone = visitor_phone_share(visitor=conversation.visitor, code=code)
    message = ChatMessage.objects.create(
        conversation=conversation, sender=ChatMessage.Sender.VISITOR, kind=ChatMessage.Kind.PHONE, body=phone
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    return message


def conversation_mark_read(*, conversation: Conversation, by: str) -> None:
    now = timezone.now()
    if by == ChatMessage.Sender.VISITOR:
        Conversation.objects.filter(pk=conversation.pk).update(visitor_read_at=now, visitor_notified_at=None)
    else:
        Conversation.objects.filter(pk=conversation.pk).update(salesperson_read_at=now)


def chat_reply_notify(*, conversation_id: int, message_id: int) -> bool:
    """Send the one subscription message for a reply (idempotent: only the claiming message sends)."""
    conversation = (
        Conversation.objects.select_related("visitor", "salesperson").filter(pk=conversation_id).first()
    )
    message = ChatMessage.objects.filter(pk=message_id, conversation_id=conversation_id).first()
    if conversation is None or message is None or conversation.visitor_notified_at != message.created_at:
        return False
    account = WeChatAccount.objects.filter(enterprise_id=conversation.enterprise_id).first()
    if account is None or not account.subscribe_template_id or not conversation.visitor.openid:
        return False
    try:
        adapter.mini_program_client(account).subscribe_send(
            openid=conversation.visitor.openid,
            template_id=account.subscribe_template_id,
            data={"thing1": conversation.salesperson.display_name, "thing2": message.body},
            page=f"pages/chat/index?conversation={conversation.pk}",
        )
    except adapter.WeChatError as error:
        logger.info("chat reply notification not sent: %s", error)
        return False
    return True


# --- notification channels (TRK-4) -------------------------------------------------------------


def salesperson_notice_send(*, enterprise_id: int, salesperson_id: int, title: str, body: str = "") -> str:
    """Send a notice through the salesperson's chosen channel; returns the channel used ("" for none)."""
    profile = SalespersonWeChat.objects.filter(salesperson_id=salesperson_id).first()
    account = WeChatAccount.objects.filter(enterprise_id=enterprise_id).first()
    if profile is None or account is None:
        return ""
    return _notice_send(profile=profile, account=account, title=title, body=body)


def _notice_send(*, profile: SalespersonWeChat, account: WeChatAccount, title: str, body: str) -> str:
    if (
        profile.notification_channel == NotificationChannel.WECHAT
        and profile.openid
        and account.subscribe_template_id
    ):
        adapter.mini_program_client(account).subscribe_send(
            openid=profile.openid,
            template_id=account.subscribe_template_id,
            data={"thing1": title, "thing2": body or title},
            page="pages/notifications/index",
        )
        return NotificationChannel.WECHAT.value
    if (
        profile.notification_channel == NotificationChannel.WECOM
        and profile.wecom_userid
        and account.agent_id
    ):
        adapter.wecom_client(account, app=True).send_app_message(
            agent_id=account.agent_id, userid=profile.wecom_userid, text=title + (f"\n{body}" if body else "")
        )
        return NotificationChannel.WECOM.value
    return ""


def notifications_send(notifications) -> None:
    """TRK-4 channel: each salesperson's chosen channel (WeChat subscription or WeCom app message).

    Two queries for the whole batch (profiles, accounts), however many notifications: a drain
    hands over hundreds, and most salespeople keep the in-app inbox only. A refused send is
    logged and does not stop the rest of the batch.
    """
    profiles = {
        profile.salesperson_id: profile
        for profile in SalespersonWeChat.objects.filter(
            salesperson_id__in={n.salesperson_id for n in notifications},
            notification_channel__in=[NotificationChannel.WECHAT, NotificationChannel.WECOM],
        )
    }
    if not profiles:
        return
    accounts = {
        account.enterprise_id: account
        for account in WeChatAccount.objects.filter(
            enterprise_id__in={n.enterprise_id for n in notifications if n.salesperson_id in profiles}
        )
    }
    for notification in notifications:
        profile = profiles.get(notification.salesperson_id)
        account = accounts.get(notification.enterprise_id)
        if profile is None or account is None or profile.enterprise_id != notification.enterprise_id:
            continue
        try:
            _notice_send(profile=profile, account=account, title=notification.title, body=notification.body)
        except adapter.WeChatError as error:
            logger.info("notification %s not sent: %s", notification.pk, error)


_NOTICE_TITLES = {  # untranslated here: written in the salesperson's language when sent
    RelationshipEvent.Kind.ADDED: gettext_noop("New WeCom customer: %(name)s"),
    RelationshipEvent.Kind.REMOVED_BY_CUSTOMER: gettext_noop("%(name)s removed you on WeCom"),
}


def relationship_notice(*, event_id: int) -> str:
    """Tell the salesperson a customer added or removed them (idempotent per event via the task)."""
    event = RelationshipEvent.objects.select_related("contact__channel").filter(pk=event_id).first()
    if event is None or event.kind not in _NOTICE_TITLES:
        return ""
    contact = event.contact
    if not contact.salesperson_id:
        return ""
    # The one notification path (inbox record, then the salesperson's channel after commit).
    from trackers.models import Notification
    from trackers.notifications import notification_create, salesperson_language

    with translation.override(salesperson_language(contact.salesperson_id)):
        title = gettext(_NOTICE_TITLES[event.kind]) % {"name": contact.name or contact.external_userid}
        body = gettext("Channel: %(channel)s") % {"channel": contact.channel.name} if contact.channel else ""

    if Notification.objects.filter(
        salesperson_id=contact.salesperson_id, data__relationship_event_id=event.pk
    ).exists():
        return "inbox"  # a re-run task: already notified
    notification_create(
        enterprise_id=event.enterprise_id,
        salesperson_id=contact.salesperson_id,
        kind=f"wecom_{event.kind}",
        title=title,
        body=body,
        data={"relationship_event_id": event.pk},
    )
    return "inbox"
