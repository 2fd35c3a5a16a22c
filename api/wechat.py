"""GraphQL for WeChat login, phone sharing and visitor ↔ salesperson chat (WX-1, IM-1).

``WeChatQueries`` and ``WeChatMutations`` are mixins the root schema composes. A visitor is
identified by the ``X-Visitor-Token`` header returned by ``login``; a salesperson by their
signed-in session. Conversations are visible only to their two parties.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext

from enterprises.models import Salesperson
from enterprises.selectors import enterprise_for_request
from graphql import GraphQLError
from wechat import selectors, services
from wechat.models import ChatMessage

from .core.errors import api_error
from .core.throttle import throttle

VISITOR_TOKEN_HEADER = "HTTP_X_VISITOR_TOKEN"


def _service_error(error: services.WeChatServiceError) -> GraphQLError:
    return api_error(str(error), error.code)


def _visitor(info):
    """The visitor of the ``X-Visitor-Token`` header (None without one); wrong enterprise is refused."""
    request = info.context
    if hasattr(request, "_wechat_visitor"):
        return request._wechat_visitor
    token = request.META.get(VISITOR_TOKEN_HEADER, "")
    visitor = None
    if token:
        from trackers.services import VisitorTokenInvalid, visitor_from_token

        try:
            visitor = visitor_from_token(token)
        except VisitorTokenInvalid:
            raise api_error(gettext("The visitor token is not valid; log in again."), "FORBIDDEN")
        enterprise = enterprise_for_request(request)
        if visitor is None or (enterprise is not None and enterprise.pk != visitor.enterprise_id):
            raise api_error(gettext("The visitor token is not valid here."), "FORBIDDEN")
    request._wechat_visitor = visitor
    return visitor


def _salesperson(info) -> Salesperson | None:
    user = getattr(info.context, "user", None)
    if not getattr(user, "is_authenticated", False):
        return None
    return Salesperson.objects.filter(user=user, is_active=True).first()


def _party(info):
    """(visitor, salesperson): exactly one is set, else FORBIDDEN."""
    visitor = _visitor(info)
    if visitor is not None:
        return visitor, None
    salesperson = _salesperson(info)
    if salesperson is None:
        raise api_error(gettext("Log in first."), "FORBIDDEN")
    return None, salesperson


def _conversation(info, conversation_id):
    visitor, salesperson = _party(info)
    try:
        pk = int(conversation_id)
    except (TypeError, ValueError):
        raise api_error(gettext("Conversation not found."), "NOT_FOUND")
    conversation = selectors.conversation_for_party(
        conversation_id=pk, visitor=visitor, salesperson=salesperson
    )
    if conversation is None:
        raise api_error(gettext("Conversation not found."), "NOT_FOUND")
    return conversation, (ChatMessage.Sender.VISITOR if visitor else ChatMessage.Sender.SALESPERSON)


class ChatMessageType(graphene.ObjectType):
    """One chat message; ``afterId`` polling uses ``id``."""

    id = graphene.Int(required=True)
    sender = graphene.String(required=True, description="visitor, salesperson or system (welcome).")
    kind = graphene.String(required=True, description="text, phone or welcome.")
    body = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)


class ChatSalespersonType(graphene.ObjectType):
    id = graphene.Int(required=True)
    display_name = graphene.String(required=True)


class ConversationType(graphene.ObjectType):
    """A visitor ↔ salesperson conversation."""

    id = graphene.Int(required=True)
    salesperson = graphene.Field(ChatSalespersonType, required=True)
    visitor_name = graphene.String(required=True, description="Nickname or phone of the visitor.")
    last_message_at = graphene.DateTime()

    def resolve_salesperson(root, info):
        return ChatSalespersonType(id=root.salesperson.pk, display_name=root.salesperson.display_name)

    def resolve_visitor_name(root, info):
        return str(root.visitor)


def _message(message: ChatMessage) -> ChatMessageType:
    return ChatMessageType(
        id=message.pk,
        sender=message.sender,
        kind=message.kind,
        body=message.body,
        created_at=message.created_at,
    )


class WeChatQueries(graphene.ObjectType):
    chat_conversations = graphene.List(
        graphene.NonNull(ConversationType),
        required=True,
        description="The caller's conversations (visitor token or signed-in salesperson), newest first.",
    )
    chat_messages = graphene.List(
        graphene.NonNull(ChatMessageType),
        required=True,
        conversation_id=graphene.ID(required=True),
        after_id=graphene.Int(default_value=0, description="Poll: only messages after this id."),
        limit=graphene.Int(default_value=50, description=f"At most {selectors.MESSAGES_PAGE_MAX}."),
        description="Messages of one of the caller's conversations; reading marks them read.",
    )

    def resolve_chat_conversations(root, info):
        visitor, salesperson = _party(info)
        if visitor is not None:
            return list(selectors.conversations_for_visitor(visitor=visitor)[:100])
        return list(selectors.conversations_for_salesperson(salesperson=salesperson)[:100])

    def resolve_chat_messages(root, info, conversation_id, after_id=0, limit=50):
        conversation, party = _conversation(info, conversation_id)
        messages = selectors.chat_messages(
            conversation=conversation, after_id=after_id or 0, limit=limit or 50
        )
        services.conversation_mark_read(conversation=conversation, by=party)
        return [_message(message) for message in messages]


class LoginPayload(graphene.ObjectType):
    visitor_token = graphene.String(required=True, description="Send as the X-Visitor-Token header.")
    visitor_id = graphene.Int(required=True)
    has_phone = graphene.Boolean(required=True)


class Login(graphene.Mutation):
    """Mini-program login: a ``wx.login`` code becomes the enterprise's visitor identity (TEN-3)."""

    class Arguments:
        code = graphene.String(required=True)
        device_id = graphene.String(description="The anonymous device id used before login (merged).")

    Output = LoginPayload

    def mutate(root, info, code, device_id=""):
        enterprise = enterprise_for_request(info.context)
        if enterprise is None:
            raise api_error(gettext("Unknown enterprise: send the X-Enterprise-Key header."), "NOT_FOUND")
        throttle(info, "login", device=f"d{enterprise.pk}:{device_id}" if device_id else "")
        try:
            visitor = services.wechat_login(enterprise=enterprise, code=code, device_id=device_id or "")
        except services.WeChatServiceError as error:
            raise _service_error(error)
        from trackers.intake import visitor_token

        return LoginPayload(
            visitor_token=visitor_token(visitor), visitor_id=visitor.pk, has_phone=bool(visitor.phone)
        )


class SharePhonePayload(graphene.ObjectType):
    phone = graphene.String(required=True)


class SharePhone(graphene.Mutation):
    """The visitor shares their phone number (the ``getPhoneNumber`` button's code)."""

    class Arguments:
        code = graphene.String(required=True)

    Output = SharePhonePayload

    def mutate(root, info, code):
        visitor = _visitor(info)
        if visitor is None:
            raise api_error(gettext("Log in first."), "FORBIDDEN")
        throttle(info, "share_phone", device=f"v{visitor.pk}")
        try:
            return SharePhonePayload(phone=services.visitor_phone_share(visitor=visitor, code=code))
        except services.WeChatServiceError as error:
            raise _service_error(error)


class ChatOpen(graphene.Mutation):
    """Open (or reopen) the visitor's chat with a salesperson, named directly or by the share
    token of the card/article the visitor is reading; the first open posts the welcome."""

    class Arguments:
        salesperson_id = graphene.ID()
        share_token = graphene.String(description="The share token of the card or article being read.")

    Output = ConversationType

    def mutate(root, info, salesperson_id=None, share_token=None):
        visitor = _visitor(info)
        if visitor is None:
            raise api_error(gettext("Log in first."), "FORBIDDEN")
        throttle(info, "chat", device=f"v{visitor.pk}")
        if share_token:
            from trackers.share import ShareTokenInvalid, share_token_verify

            try:
                context = share_token_verify(share_token)
            except ShareTokenInvalid:
                raise api_error(gettext("The share link is not valid."), "VALIDATION")
            if context.enterprise_id != visitor.enterprise_id:
                raise api_error(gettext("Salesperson not found."), "NOT_FOUND")
            salesperson_id = context.salesperson_id
        try:
            salesperson = Salesperson.objects.filter(
                pk=int(salesperson_id), enterprise_id=visitor.enterprise_id
            ).first()
        except (TypeError, ValueError):
            salesperson = None
        if salesperson is None:
            raise api_error(gettext("Salesperson not found."), "NOT_FOUND")
        try:
            return services.conversation_open(visitor=visitor, salesperson=salesperson)
        except services.WeChatServiceError as error:
            raise _service_error(error)


class ChatSend(graphene.Mutation):
    """Post a message as the visitor or the salesperson of the conversation."""

    class Arguments:
        conversation_id = graphene.ID(required=True)
        body = graphene.String(required=True)

    Output = ChatMessageType

    def mutate(root, info, conversation_id, body):
        conversation, party = _conversation(info, conversation_id)
        if party == ChatMessage.Sender.VISITOR:  # a salesperson's messages are signed-in writes
            throttle(info, "chat", device=f"v{conversation.visitor_id}")
        try:
            return _message(services.chat_message_send(conversation=conversation, sender=party, body=body))
        except services.WeChatServiceError as error:
            raise _service_error(error)


class ChatSharePhone(graphene.Mutation):
    """The visitor shares their phone number into the conversation."""

    class Arguments:
        conversation_id = graphene.ID(required=True)
        code = graphene.String(required=True)

    Output = ChatMessageType

    def mutate(root, info, conversation_id, code):
        conversation, party = _conversation(info, conversation_id)
        if party != ChatMessage.Sender.VISITOR:
            raise api_error(gettext("Only the visitor can share their phone number."), "FORBIDDEN")
        throttle(info, "share_phone", device=f"v{conversation.visitor_id}")
        try:
            return _message(services.chat_phone_share(conversation=conversation, code=code))
        except services.WeChatServiceError as error:
            raise _service_error(error)


class WeChatMutations(graphene.ObjectType):
    login = Login.Field()
    share_phone = SharePhone.Field()
    chat_open = ChatOpen.Field()
    chat_send = ChatSend.Field()
    chat_share_phone = ChatSharePhone.Field()
