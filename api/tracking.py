"""GraphQL for tracking (TRK-1..5, DATA-1..5): ingestion, share links, inbox, data center.

``TrackingQueries`` and ``TrackingMutations`` are mixins composed into the root schema.
Resolvers only translate: every rule lives in ``trackers.services`` / ``trackers.selectors``.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext

from api.core.errors import api_error
from api.core.throttle import throttle
from enterprises.client_address import client_address
from enterprises.selectors import ENTERPRISE_KEY_HEADER, scope_for_user
from graphql import GraphQLError
from trackers import selectors, services
from trackers.intake import BatchRejected
from trackers.registry import UnknownKind, kind_code
from trackers.share import share_token_make, share_url_for_token

MAX_LIMIT = 200


def _scope(info):
    user = info.context.user
    if not getattr(user, "is_authenticated", False):
        raise api_error(gettext("Sign in to see tracking data."), "FORBIDDEN")
    return scope_for_user(user)


def _kind(kind: str) -> str:
    try:
        kind_code(kind)
    except UnknownKind:
        raise api_error(gettext("Unknown content kind %(kind)r.") % {"kind": kind}, "VALIDATION") from None
    return kind


def _limit(limit: int | None, default: int = 50) -> int:
    if limit is None:
        return default
    if limit < 1 or limit > MAX_LIMIT:
        raise api_error(gettext("limit must be between 1 and %(max)s.") % {"max": MAX_LIMIT}, "LIMIT")
    return limit


def _days(days: int | None) -> int:
    if days is None:
        return 30
    if days < 1 or days > 366:
        raise api_error(gettext("days must be between 1 and 366."), "LIMIT")
    return days


class ShareLinkType(graphene.ObjectType):
    token = graphene.String(
        required=True, description="Signed share token (≤ 32 characters, a mini-program scene)."
    )
    url = graphene.String(required=True, description="Public H5 share URL.")
    qr_svg_url = graphene.String(required=True, description="QR code of the URL, SVG.")
    qr_png_url = graphene.String(required=True, description="QR code of the URL, PNG.")

    @staticmethod
    def of(token: str) -> ShareLinkType:
        return ShareLinkType(
            token=token,
            url=share_url_for_token(token),
            qr_svg_url=f"/t/qr/{token}.svg",
            qr_png_url=f"/t/qr/{token}.png",
        )


class NotificationType(graphene.ObjectType):
    id = graphene.ID(required=True)
    kind = graphene.String(required=True, description="visitor_open, session_summary or form_submit.")
    title = graphene.String(required=True)
    body = graphene.String(required=True)
    data = graphene.JSONString(description="Item, forwarder, or session items with seconds.")
    visitor_id = graphene.ID()
    created_at = graphene.DateTime(required=True)
    is_read = graphene.Boolean(required=True)

    @staticmethod
    def resolve_is_read(root, info) -> bool:
        return root.read_at is not None


class TimelineEntryType(graphene.ObjectType):
    occurred_at = graphene.DateTime(required=True)
    type = graphene.String(required=True, description="open, heartbeat, click, share, like, form_submit, ...")
    kind = graphene.String(required=True)
    target_id = graphene.ID(required=True)
    title = graphene.String(required=True)
    seconds = graphene.Int(required=True)
    scroll = graphene.Int(required=True)
    salesperson_id = graphene.ID()
    forwarder_id = graphene.ID()


class VisitorStatType(graphene.ObjectType):
    id = graphene.ID(required=True)
    nickname = graphene.String(required=True)
    avatar_url = graphene.String(required=True)
    opens = graphene.Int(required=True)
    read_seconds = graphene.Int(required=True)
    clicks = graphene.Int(required=True)
    shares = graphene.Int(required=True)
    is_precise = graphene.Boolean(
        required=True, description="Meets the enterprise's precise-user rule (ART-10)."
    )
    intent_level = graphene.String(required=True, description="none, low, medium or high (TRK-5).")
    intent_score = graphene.Float(required=True)
    last_event_at = graphene.DateTime()
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)

    @staticmethod
    def resolve_intent_level(root, info) -> str:
        return selectors.visitor_intent(root).level

    @staticmethod
    def resolve_intent_score(root, info) -> float:
        return selectors.visitor_intent(root).score

    @staticmethod
    def resolve_tags(root, info) -> list[str]:
        return [tag.name for tag in root.tags.all()]


class TotalsType(graphene.ObjectType):
    opens = graphene.Int(required=True)
    new_visitors = graphene.Int(required=True)
    read_seconds = graphene.Int(required=True)
    clicks = graphene.Int(required=True)
    shares = graphene.Int(required=True)
    likes = graphene.Int(required=True)
    form_submits = graphene.Int(required=True)
    phone_auths = graphene.Int(required=True)


class DayType(TotalsType):
    day = graphene.Date(required=True)


class DashboardType(graphene.ObjectType):
    days = graphene.Int(required=True)
    totals = graphene.Field(TotalsType, required=True)
    series = graphene.List(graphene.NonNull(DayType), required=True)
    precise_visitors = graphene.Int(required=True)
    readers = graphene.Int(required=True, description="Distinct visitors who opened content in the window.")

    @staticmethod
    def resolve_totals(root, info):
        return TotalsType(**root.totals)

    @staticmethod
    def resolve_series(root, info):
        import datetime as dt

        return [DayType(**{**entry, "day": dt.date.fromisoformat(entry["day"])}) for entry in root.series]


class ContentStatType(graphene.ObjectType):
    kind = graphene.String(required=True)
    target_id = graphene.ID(required=True)
    title = graphene.String(required=True)
    opens = graphene.Int(required=True)
    viewers = graphene.Int(required=True)
    read_seconds = graphene.Int(required=True)
    clicks = graphene.Int(required=True)
    shares = graphene.Int(required=True)
    form_submits = graphene.Int(required=True)
    sharers = graphene.Int(required=True)


class SalespersonStatType(graphene.ObjectType):
    salesperson_id = graphene.ID(required=True)
    name = graphene.String(required=True)
    opens = graphene.Int(required=True)
    viewers = graphene.Int(required=True)
    read_seconds = graphene.Int(required=True)
    forwards = graphene.Int(required=True)
    new_leads = graphene.Int(required=True)


class ContentViewerType(graphene.ObjectType):
    visitor = graphene.Field(VisitorStatType, required=True)
    salesperson_id = graphene.ID()
    first_at = graphene.DateTime(required=True)
    last_at = graphene.DateTime(required=True)
    opens = graphene.Int(required=True)
    read_seconds = graphene.Int(required=True)
    shares = graphene.Int(required=True)


class PosterStatType(graphene.ObjectType):
    poster_id = graphene.ID(required=True)
    title = graphene.String(required=True)
    scans = graphene.Int(required=True)
    visitors_acquired = graphene.Int(required=True)


class TrackingQueries(graphene.ObjectType):
    share_link = graphene.Field(
        ShareLinkType,
        kind=graphene.String(required=True),
        id=graphene.ID(required=True),
        description="The signed-in salesperson's share link and QR codes for one item (TRK-1).",
    )
    my_notifications = graphene.List(
        graphene.NonNull(NotificationType),
        unread_only=graphene.Boolean(default_value=False),
        limit=graphene.Int(),
        required=True,
        description="The signed-in salesperson's in-app inbox, newest first (TRK-4).",
    )
    unread_notification_count = graphene.Int(required=True)
    visitor_timeline = graphene.List(
        graphene.NonNull(TimelineEntryType),
        visitor_id=graphene.ID(required=True),
        limit=graphene.Int(),
        required=True,
        description="A visitor's actions across all content (TRK-3), within the caller's scope.",
    )
    tracked_visitors = graphene.List(
        graphene.NonNull(VisitorStatType),
        order=graphene.String(description="last_visit, read_seconds, opens or intent"),
        precise=graphene.Boolean(),
        limit=graphene.Int(),
        required=True,
        description="Visitors in scope (DATA-3).",
    )
    data_center = graphene.Field(
        DashboardType,
        days=graphene.Int(),
        kind=graphene.String(),
        required=True,
        description="Totals and daily series from the rollups (DATA-1..5).",
    )
    content_stats = graphene.List(
        graphene.NonNull(ContentStatType),
        kind=graphene.String(),
        days=graphene.Int(),
        limit=graphene.Int(),
        required=True,
    )
    salesperson_stats = graphene.List(
        graphene.NonNull(SalespersonStatType), days=graphene.Int(), required=True
    )
    content_viewers = graphene.List(
        graphene.NonNull(ContentViewerType),
        kind=graphene.String(required=True),
        id=graphene.ID(required=True),
        sharers_only=graphene.Boolean(default_value=False),
        limit=graphene.Int(),
        required=True,
        description="Per-content view list or share list (DATA-5).",
    )
    poster_stats = graphene.List(graphene.NonNull(PosterStatType), days=graphene.Int(), required=True)

    @staticmethod
    def resolve_share_link(root, info, kind, id):
        scope = _scope(info)
        if scope.salesperson_id is None or scope.enterprise_id is None:
            raise api_error(gettext("Only salespeople have share links."), "FORBIDDEN")
        try:
            target_id = int(id)
        except ValueError:
            raise api_error(gettext("id must be a number."), "VALIDATION") from None
        from cms.readable import readable_ids

        # Only what a visitor of the salesperson's enterprise may read gets a link: the token's
        # item is trusted by the beacon, so another tenant's id must not be signed into one.
        if target_id not in readable_ids(_kind(kind), enterprise=scope.enterprise_id, ids=[target_id]):
            raise api_error(gettext("No such item to share."), "NOT_FOUND")
        token = share_token_make(
            enterprise_id=scope.enterprise_id,
            salesperson_id=scope.salesperson_id,
            kind=_kind(kind),
            target_id=target_id,
        )
        return ShareLinkType.of(token)

    @staticmethod
    def resolve_my_notifications(root, info, unread_only=False, limit=None):
        return selectors.notification_inbox(scope=_scope(info), unread_only=unread_only, limit=_limit(limit))

    @staticmethod
    def resolve_unread_notification_count(root, info):
        return selectors.notification_unread_count(scope=_scope(info))

    @staticmethod
    def resolve_visitor_timeline(root, info, visitor_id, limit=None):
        scope = _scope(info)
        visitor = selectors.visitor_get(scope=scope, visitor_id=_int_id(visitor_id))
        if visitor is None:
            raise api_error(gettext("Visitor not found."), "NOT_FOUND")
        return selectors.visitor_timeline(scope=scope, visitor=visitor, limit=_limit(limit, 100))

    @staticmethod
    def resolve_tracked_visitors(root, info, order=None, precise=None, limit=None):
        orders = {
            None: "-last_event_at",
            "last_visit": "-last_event_at",
            "read_seconds": "-read_seconds",
            "opens": "-opens",
            "intent": "-intent_score",
        }
        if order not in orders:
            raise api_error(gettext("order must be last_visit, read_seconds, opens or intent."), "VALIDATION")
        visitors = selectors.visitor_list(
            scope=_scope(info), precise=precise, order=orders[order], limit=_limit(limit)
        )
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(visitors, "tags")
        return visitors

    @staticmethod
    def resolve_data_center(root, info, days=None, kind=None):
        return selectors.dashboard(scope=_scope(info), days=_days(days), kind=_kind(kind) if kind else None)

    @staticmethod
    def resolve_content_stats(root, info, kind=None, days=None, limit=None):
        return selectors.content_stats(
            scope=_scope(info), kind=_kind(kind) if kind else None, days=_days(days), limit=_limit(limit)
        )

    @staticmethod
    def resolve_salesperson_stats(root, info, days=None):
        return selectors.salesperson_stats(scope=_scope(info), days=_days(days))

    @staticmethod
    def resolve_content_viewers(root, info, kind, id, sharers_only=False, limit=None):
        viewers = selectors.content_viewers(
            scope=_scope(info),
            kind=_kind(kind),
            target_id=_int_id(id),
            sharers_only=sharers_only,
            limit=_limit(limit, 100),
        )
        from django.db.models import prefetch_related_objects

        prefetch_related_objects([viewer.visitor for viewer in viewers], "tags")
        return viewers

    @staticmethod
    def resolve_poster_stats(root, info, days=None):
        return selectors.poster_stats(scope=_scope(info), days=_days(days))


def _int_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise api_error(gettext("id must be a number."), "VALIDATION") from None


class TrackEventInput(graphene.InputObjectType):
    id = graphene.String(required=True, description="Client-generated event id (replays are ignored).")
    type = graphene.String(required=True, description="open, heartbeat, click, share, like, form_submit, ...")
    ts = graphene.Float(description="Epoch milliseconds when it happened (default: now).")
    seconds = graphene.Int(description="Read seconds since the previous heartbeat.")
    scroll = graphene.Int(description="Scroll depth, percent.")
    target = graphene.String(description="kind:id when not the shared item itself (microsite navigation).")


class TrackEvents(graphene.Mutation):
    """Send a batch of ≤ 100 events (same service as POST /t/)."""

    class Arguments:
        token = graphene.String(required=True, description="Share token of the entry link.")
        visitor = graphene.String(description="Visitor token from login.")
        device = graphene.String(description="Anonymous device id (8-64 of A-Z a-z 0-9 _ -).")
        session = graphene.String()
        events = graphene.List(graphene.NonNull(TrackEventInput), required=True)

    accepted = graphene.Int(required=True)
    rejected = graphene.JSONString(required=True, description="Dropped events by reason.")

    @staticmethod
    def mutate(root, info, token, events, visitor=None, device=None, session=None):
        payload = {
            "token": token,
            "visitor": visitor,
            "device": device,
            "session": session,
            "events": [
                {key: value for key, value in dict(event).items() if value is not None} for event in events
            ],
        }
        request = info.context
        try:
            result = services.events_ingest(
                payload=payload,
                client_ip=client_address(request),
                enterprise_key=request.META.get(ENTERPRISE_KEY_HEADER),
            )
        except BatchRejected as rejected:
            raise GraphQLError(
                f"Batch refused: {rejected.reason}.",
                extensions={
                    "code": rejected.code,
                    "reason": rejected.reason,
                    "retryAfter": rejected.retry_after,
                },
            ) from None
        return TrackEvents(accepted=result.accepted, rejected=result.rejected)


class ForwardShare(graphene.Mutation):
    """A visitor forwards a share: returns the new link keeping the origin salesperson (TRK-1)."""

    class Arguments:
        token = graphene.String(required=True)
        visitor = graphene.String(required=True, description="Visitor token of the forwarder.")

    share = graphene.Field(ShareLinkType, required=True)

    @staticmethod
    def mutate(root, info, token, visitor):
        try:
            forwarder = services.visitor_from_token(visitor)
        except services.VisitorTokenInvalid:
            raise api_error(gettext("Invalid visitor token."), "FORBIDDEN") from None
        if forwarder is None:
            raise api_error(gettext("Visitor not found."), "NOT_FOUND")
        throttle(info, "forward_share", device=f"v{forwarder.pk}")
        try:
            new_token = services.share_forward(parent_token=token, visitor=forwarder)
        except services.TrackingError as error:
            raise api_error(str(error), error.code) from None
        return ForwardShare(share=ShareLinkType.of(new_token))


class VisitorSession(graphene.Mutation):
    """An anonymous H5 visitor (device id) of the share's enterprise gets a visitor token.

    The browser has no WeChat login; forwarding, likes and form leads still need to name the
    visitor, so the device the tracker already reports becomes a visitor row (the same one).
    """

    class Arguments:
        share_token = graphene.String(required=True, description="Share token of the link being read.")
        device_id = graphene.String(required=True, description="Anonymous device id (8-64 [A-Za-z0-9_-]).")

    visitor_token = graphene.String(required=True)
    visitor_id = graphene.ID(required=True)

    @staticmethod
    def mutate(root, info, share_token, device_id):
        from enterprises.models import Enterprise
        from trackers.intake import DEVICE_RE, visitor_token
        from trackers.share import ShareTokenInvalid, share_token_verify

        try:
            context = share_token_verify(share_token)
        except ShareTokenInvalid:
            raise api_error(gettext("The share link is not valid."), "FORBIDDEN") from None
        if not isinstance(device_id, str) or not DEVICE_RE.match(device_id):
            raise api_error(gettext("deviceId must be 8-64 of A-Z a-z 0-9 _ -."), "VALIDATION")
        throttle(info, "visitor_session", device=f"d{context.enterprise_id}:{device_id}")
        enterprise = Enterprise.objects.filter(pk=context.enterprise_id, is_active=True).first()
        if enterprise is None:
            raise api_error(gettext("Enterprise not found."), "NOT_FOUND")
        key = info.context.META.get(ENTERPRISE_KEY_HEADER)
        if key and key != enterprise.public_key:
            raise api_error(gettext("The share link belongs to another enterprise."), "FORBIDDEN")
        # The device's person: its own row, or the person it was merged into after a login
        # (never a new blank visitor); safe against the drain creating the same row meanwhile.
        visitor = services.visitor_identify(enterprise=enterprise, device_id=device_id)
        return VisitorSession(visitor_token=visitor_token(visitor), visitor_id=visitor.pk)


class MarkNotificationsRead(graphene.Mutation):
    """Mark the signed-in salesperson's notifications read (all when ids is omitted)."""

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID))

    count = graphene.Int(required=True)

    @staticmethod
    def mutate(root, info, ids=None):
        scope = _scope(info)
        if scope.salesperson_id is None:
            raise api_error(gettext("Only salespeople have an inbox."), "FORBIDDEN")
        if ids is not None and len(ids) > MAX_LIMIT:
            raise api_error(gettext("At most %(max)s ids.") % {"max": MAX_LIMIT}, "LIMIT")
        count = services.notification_mark_read(
            salesperson_id=scope.salesperson_id,
            notification_ids=[_int_id(pk) for pk in ids] if ids is not None else None,
        )
        return MarkNotificationsRead(count=count)


class TrackingMutations(graphene.ObjectType):
    track_events = TrackEvents.Field()
    forward_share = ForwardShare.Field()
    visitor_session = VisitorSession.Field()
    mark_notifications_read = MarkNotificationsRead.Field()
