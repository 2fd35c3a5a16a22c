"""Visitors (TEN-3), tracking events (TRK-2), rollups (TRK-3, DATA-*), notifications (TRK-4).

Tracking tables carry ``enterprise`` in every primary and unique key so they can be
distributed by enterprise (Citus) later; see docs/tracking.md and docs/deploy.md.
Events are written in bulk by :mod:`trackers.store` with raw SQL, never one row at a time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.IntegerChoices):
    OPEN = 1, _("open")
    HEARTBEAT = 2, _("heartbeat")
    CLICK = 3, _("click")
    SHARE = 4, _("share")
    LIKE = 5, _("like")
    FORM_SUBMIT = 6, "form_submit"
    PHONE_AUTH = 7, "phone_auth"
    LEAVE = 8, _("leave")


class TargetKind(models.IntegerChoices):
    """Shareable item kinds; the numbers are part of the share token format, never renumber."""

    PAGE = 1, _("page")
    ARTICLE = 2, _("article")
    CARD = 3, _("card")
    POSTER = 4, _("poster")
    FORM = 5, _("form")
    FILE = 6, _("file")
    PRODUCT = 7, _("product")


class Visitor(models.Model):
    """A person opening shared content, per enterprise.

    Identified by WeChat unionid when known, else openid, else an anonymous device id.
    An anonymous visitor later identified is merged into the known one (``merged_into``,
    audited by :class:`VisitorMerge`); its device id keeps resolving to the merge target.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="visitors",
        verbose_name=_("enterprise"),
    )
    unionid = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("unionid"))
    openid = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("openid"))
    device_id = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("device id"))
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    nickname = models.CharField(max_length=80, blank=True, verbose_name=_("nickname"))
    avatar_url = models.URLField(blank=True, verbose_name=_("avatar url"))
    first_seen_at = models.DateTimeField(auto_now_add=True, verbose_name=_("first seen at"))
    last_seen_at = models.DateTimeField(auto_now=True, verbose_name=_("last seen at"))
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    first_salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Source: the salesperson whose share brought this visitor first."),
        verbose_name=_("first salesperson"),
    )
    first_target_kind = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=TargetKind.choices, verbose_name=_("first target kind")
    )
    first_target_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("first target id"))
    # Totals (TRK-3), maintained incrementally by the ingest pipeline.
    opens = models.PositiveIntegerField(default=0, verbose_name=_("opens"))
    read_seconds = models.PositiveIntegerField(default=0, verbose_name=_("read seconds"))
    clicks = models.PositiveIntegerField(default=0, verbose_name=_("clicks"))
    shares = models.PositiveIntegerField(default=0, verbose_name=_("shares"))
    forms_submitted = models.PositiveIntegerField(default=0, verbose_name=_("forms submitted"))
    last_event_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("last event at")
    )
    # Intent (TRK-5, ART-10): score decays with a half-life; see trackers.intent.
    is_precise = models.BooleanField(
        default=False, help_text=_("Meets the enterprise's precise-user rule."), verbose_name=_("is precise")
    )
    intent_score = models.FloatField(default=0, verbose_name=_("intent score"))
    intent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("intent at"))

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "unionid"],
                condition=~models.Q(unionid=""),
                name="uniq_visitor_unionid",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "openid"],
                condition=~models.Q(openid=""),
                name="uniq_visitor_openid",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "device_id"],
                condition=~models.Q(device_id=""),
                name="uniq_visitor_device",
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "-last_event_at"], name="visitor_ent_last_idx")]
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")

    def __str__(self) -> str:
        return self.nickname or self.phone or f"visitor {self.pk}"

    @property
    def is_identified(self) -> bool:
        return bool(self.unionid or self.openid)


class VisitorMerge(models.Model):
    """Audit of an anonymous visitor merged into an identified one; keeps what to move back."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    source = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="merges_as_source", verbose_name=_("source")
    )
    target = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="merges_as_target", verbose_name=_("target")
    )
    event_ids = models.JSONField(
        default=list, help_text=_("Event row ids moved from source to target."), verbose_name=_("event ids")
    )
    tag_names = models.JSONField(default=list, verbose_name=_("tag names"))
    reason = models.CharField(max_length=40, default="identified", verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    reverted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reverted at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("visitor merge")
        verbose_name_plural = _("visitor merges")

    def __str__(self) -> str:
        return f"visitor {self.source_id} → {self.target_id}"


class Event(models.Model):
    """One visitor action; append-only (only an identity merge relinks ``visitor``).

    On PostgreSQL the table is partitioned by month of ``occurred_at`` (migration 0003) with
    primary key (enterprise_id, occurred_at, id); de-duplication is :class:`EventKey`.
    No database foreign keys: the table is written in bulk and may be distributed.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    event_id = models.CharField(max_length=64, verbose_name=_("event id"))
    type = models.PositiveSmallIntegerField(choices=EventType.choices, verbose_name=_("type"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    received_at = models.DateTimeField(verbose_name=_("received at"))
    visitor = models.ForeignKey(
        Visitor,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="events",
        verbose_name=_("visitor"),
    )
    salesperson_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("salesperson id"))
    forwarder_id = models.BigIntegerField(
        null=True, blank=True, help_text=_("Visitor who forwarded the link."), verbose_name=_("forwarder id")
    )
    depth = models.PositiveSmallIntegerField(
        default=0, help_text=_("Share chain depth (0: own link)."), verbose_name=_("depth")
    )
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices, verbose_name=_("target kind"))
    target_id = models.BigIntegerField(verbose_name=_("target id"))
    seconds = models.PositiveIntegerField(
        default=0, help_text=_("Read seconds since the previous heartbeat."), verbose_name=_("seconds")
    )
    scroll = models.PositiveSmallIntegerField(
        default=0, help_text=_("Scroll depth, percent."), verbose_name=_("scroll")
    )
    session = models.CharField(max_length=64, blank=True, verbose_name=_("session"))

    class Meta:
        # (enterprise, occurred_at) scans use the PostgreSQL primary key (enterprise_id, occurred_at, id);
        # a separate index on those columns only cost every insert one more b-tree (dropped in 0005).
        indexes = [
            models.Index(fields=["enterprise", "visitor", "occurred_at"], name="event_visitor_time_idx"),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.event_id}"


class EventKey(models.Model):
    """UNIQUE(enterprise, event_id): a replayed event is recognised here and stored once."""

    pk = models.CompositePrimaryKey("enterprise_id", "event_id")
    enterprise_id = models.BigIntegerField(verbose_name=_("enterprise id"))
    event_id = models.CharField(max_length=64, verbose_name=_("event id"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))

    class Meta:
        verbose_name = _("event key")
        verbose_name_plural = _("event keys")

    def __str__(self) -> str:
        return self.event_id


class ContentDailyStat(models.Model):
    """Per enterprise, day, salesperson (0 = none) and content: totals for dashboards (DATA-1..5)."""

    pk = models.CompositePrimaryKey("enterprise_id", "day", "salesperson_id", "target_kind", "target_id")
    enterprise_id = models.BigIntegerField(verbose_name=_("enterprise id"))
    day = models.DateField(verbose_name=_("day"))
    salesperson_id = models.BigIntegerField(default=0, verbose_name=_("salesperson id"))
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices, verbose_name=_("target kind"))
    target_id = models.BigIntegerField(verbose_name=_("target id"))
    opens = models.PositiveIntegerField(default=0, verbose_name=_("opens"))
    new_visitors = models.PositiveIntegerField(
        default=0, help_text=_("First-time viewers."), verbose_name=_("new visitors")
    )
    read_seconds = models.PositiveBigIntegerField(default=0, verbose_name=_("read seconds"))
    clicks = models.PositiveIntegerField(default=0, verbose_name=_("clicks"))
    shares = models.PositiveIntegerField(default=0, verbose_name=_("shares"))
    likes = models.PositiveIntegerField(default=0, verbose_name=_("likes"))
    form_submits = models.PositiveIntegerField(default=0, verbose_name=_("form submits"))
    phone_auths = models.PositiveIntegerField(default=0, verbose_name=_("phone auths"))

    class Meta:
        verbose_name = _("content daily stat")
        verbose_name_plural = _("content daily stats")

    def __str__(self) -> str:
        return f"{self.day} {self.target_kind}:{self.target_id}"


class SalespersonDailyStat(models.Model):
    """Per enterprise, day and salesperson (0 = none): the 30-day dashboards read this (DATA-2)."""

    pk = models.CompositePrimaryKey("enterprise_id", "day", "salesperson_id")
    enterprise_id = models.BigIntegerField(verbose_name=_("enterprise id"))
    day = models.DateField(verbose_name=_("day"))
    salesperson_id = models.BigIntegerField(default=0, verbose_name=_("salesperson id"))
    opens = models.PositiveIntegerField(default=0, verbose_name=_("opens"))
    new_visitors = models.PositiveIntegerField(default=0, verbose_name=_("new visitors"))
    read_seconds = models.PositiveBigIntegerField(default=0, verbose_name=_("read seconds"))
    clicks = models.PositiveIntegerField(default=0, verbose_name=_("clicks"))
    shares = models.PositiveIntegerField(default=0, verbose_name=_("shares"))
    likes = models.PositiveIntegerField(default=0, verbose_name=_("likes"))
    form_submits = models.PositiveIntegerField(default=0, verbose_name=_("form submits"))
    phone_auths = models.PositiveIntegerField(default=0, verbose_name=_("phone auths"))

    class Meta:
        verbose_name = _("salesperson daily stat")
        verbose_name_plural = _("salesperson daily stats")

    def __str__(self) -> str:
        return f"{self.day} salesperson {self.salesperson_id}"


class ContentVisitor(models.Model):
    """Per content and visitor (and attributing salesperson): the view and share lists (DATA-5)."""

    pk = models.CompositePrimaryKey(
        "enterprise_id", "target_kind", "target_id", "visitor_id", "salesperson_id"
    )
    enterprise_id = models.BigIntegerField(verbose_name=_("enterprise id"))
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices, verbose_name=_("target kind"))
    target_id = models.BigIntegerField(verbose_name=_("target id"))
    visitor_id = models.BigIntegerField(verbose_name=_("visitor id"))
    salesperson_id = models.BigIntegerField(default=0, verbose_name=_("salesperson id"))
    first_at = models.DateTimeField(verbose_name=_("first at"))
    last_at = models.DateTimeField(verbose_name=_("last at"))
    opens = models.PositiveIntegerField(default=0, verbose_name=_("opens"))
    read_seconds = models.PositiveBigIntegerField(default=0, verbose_name=_("read seconds"))
    clicks = models.PositiveIntegerField(default=0, verbose_name=_("clicks"))
    shares = models.PositiveIntegerField(default=0, verbose_name=_("shares"))

    class Meta:
        indexes = [models.Index(fields=["enterprise_id", "visitor_id"], name="cv_visitor_idx")]
        verbose_name = _("content visitor")
        verbose_name_plural = _("content visitors")

    def __str__(self) -> str:
        return f"{self.target_kind}:{self.target_id} by visitor {self.visitor_id}"


class VisitorTag(models.Model):
    """A tag a visitor earned by reading tagged content (ART-9) or was given by hand."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="tags", verbose_name=_("visitor")
    )
    name = models.CharField(max_length=60, verbose_name=_("name"))
    source_kind = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=TargetKind.choices, verbose_name=_("source kind")
    )
    source_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("source id"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "visitor", "name"], name="uniq_visitor_tag")
        ]
        verbose_name = _("visitor tag")
        verbose_name_plural = _("visitor tags")

    def __str__(self) -> str:
        return self.name


class TrackingSettings(models.Model):
    """Per-enterprise rules: precise user (ART-10), intent (TRK-5), notification throttle (TRK-4)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="tracking_settings",
        verbose_name=_("enterprise"),
    )
    precise_min_clicks = models.PositiveIntegerField(default=3, verbose_name=_("precise min clicks"))
    precise_min_read_seconds = models.PositiveIntegerField(
        default=60, verbose_name=_("precise min read seconds")
    )
    intent_half_life_days = models.FloatField(default=7, verbose_name=_("intent half life days"))
    intent_high_score = models.FloatField(default=60, verbose_name=_("intent high score"))
    intent_medium_score = models.FloatField(default=20, verbose_name=_("intent medium score"))
    notify_throttle_seconds = models.PositiveIntegerField(
        default=600,
        help_text=_("At most one open notification per visitor and content in this window."),
        verbose_name=_("notify throttle seconds"),
    )
    session_timeout_seconds = models.PositiveIntegerField(
        default=600,
        help_text=_("A microsite session without events this long is summarized."),
        verbose_name=_("session timeout seconds"),
    )

    class Meta:
        verbose_name_plural = _("tracking settings")
        verbose_name = _("tracking settings")

    def __str__(self) -> str:
        return f"Tracking settings of {self.enterprise}"


class ShareForward(models.Model):
    """A visitor forwarding a share (TRK-1 share chain): who, from which token, to which token."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Origin salesperson."),
        verbose_name=_("salesperson"),
    )
    forwarder = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="forwards", verbose_name=_("forwarder")
    )
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices, verbose_name=_("target kind"))
    target_id = models.BigIntegerField(verbose_name=_("target id"))
    parent_token = models.CharField(max_length=32, verbose_name=_("parent token"))
    token = models.CharField(max_length=32, verbose_name=_("token"))
    depth = models.PositiveSmallIntegerField(verbose_name=_("depth"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "token"], name="uniq_share_forward_token")
        ]
        verbose_name = _("share forward")
        verbose_name_plural = _("share forwards")

    def __str__(self) -> str:
        return self.token


class BrowseSession(models.Model):
    """A visitor's microsite browse session (SITE-5), summarized once on leave or timeout."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    visitor = models.ForeignKey(
        Visitor, on_delete=models.CASCADE, related_name="browse_sessions", verbose_name=_("visitor")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    key = models.CharField(max_length=64, verbose_name=_("key"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    last_event_at = models.DateTimeField(db_index=True, verbose_name=_("last event at"))
    items = models.JSONField(
        default=dict, help_text='{"article:12": {"seconds": 30, "opens": 1}, ...}', verbose_name=_("items")
    )
    left_at = models.DateTimeField(null=True, blank=True, verbose_name=_("left at"))
    summarized_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("summarized at")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "visitor", "key"], name="uniq_browse_session")
        ]
        verbose_name = _("browse session")
        verbose_name_plural = _("browse sessions")

    def __str__(self) -> str:
        return f"session {self.key} of visitor {self.visitor_id}"


class Notification(models.Model):
    """An in-app notification to a salesperson (TRK-4), also the record other channels send from."""

    class Kind(models.TextChoices):
        VISITOR_OPEN = "visitor_open", _("Visitor opened content")
        SESSION_SUMMARY = "session_summary", _("Microsite visit summary")
        FORM_SUBMIT = "form_submit", _("Form submitted")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("salesperson"),
    )
    visitor = models.ForeignKey(
        Visitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("visitor")
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["salesperson", "-created_at"], name="notification_inbox_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title
