"""Visitors (TEN-3), tracking events (TRK-2), rollups (TRK-3, DATA-*), notifications (TRK-4).

Tracking tables carry ``enterprise`` in every primary and unique key so they can be
distributed by enterprise (Citus) later; see docs/tracking.md and docs/deploy.md.
Events are written in bulk by :mod:`trackers.ingest` with raw SQL, never one row at a time.
"""

from __future__ import annotations

from django.db import models


class EventType(models.IntegerChoices):
    OPEN = 1, "open"
    HEARTBEAT = 2, "heartbeat"
    CLICK = 3, "click"
    SHARE = 4, "share"
    LIKE = 5, "like"
    FORM_SUBMIT = 6, "form_submit"
    PHONE_AUTH = 7, "phone_auth"
    LEAVE = 8, "leave"


class TargetKind(models.IntegerChoices):
    """Shareable item kinds; the numbers are part of the share token format, never renumber."""

    PAGE = 1, "page"
    ARTICLE = 2, "article"
    CARD = 3, "card"
    POSTER = 4, "poster"
    FORM = 5, "form"
    FILE = 6, "file"
    PRODUCT = 7, "product"


class Visitor(models.Model):
    """A person opening shared content, per enterprise.

    Identified by WeChat unionid when known, else openid, else an anonymous device id.
    An anonymous visitor later identified is merged into the known one (``merged_into``,
    audited by :class:`VisitorMerge`); its device id keeps resolving to the merge target.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="visitors"
    )
    unionid = models.CharField(max_length=64, blank=True, db_index=True)
    openid = models.CharField(max_length=64, blank=True, db_index=True)
    device_id = models.CharField(max_length=64, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    nickname = models.CharField(max_length=80, blank=True)
    avatar_url = models.URLField(blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    first_salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Source: the salesperson whose share brought this visitor first.",
    )
    first_target_kind = models.PositiveSmallIntegerField(null=True, blank=True, choices=TargetKind.choices)
    first_target_id = models.BigIntegerField(null=True, blank=True)
    # Totals (TRK-3), maintained incrementally by the ingest pipeline.
    opens = models.PositiveIntegerField(default=0)
    read_seconds = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    forms_submitted = models.PositiveIntegerField(default=0)
    last_event_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Intent (TRK-5, ART-10): score decays with a half-life; see trackers.intent.
    is_precise = models.BooleanField(default=False, help_text="Meets the enterprise's precise-user rule.")
    intent_score = models.FloatField(default=0)
    intent_at = models.DateTimeField(null=True, blank=True)

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

    def __str__(self) -> str:
        return self.nickname or self.phone or f"visitor {self.pk}"

    @property
    def is_identified(self) -> bool:
        return bool(self.unionid or self.openid)


class VisitorMerge(models.Model):
    """Audit of an anonymous visitor merged into an identified one; keeps what to move back."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="merges_as_source")
    target = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="merges_as_target")
    event_ids = models.JSONField(default=list, help_text="Event row ids moved from source to target.")
    tag_names = models.JSONField(default=list)
    reason = models.CharField(max_length=40, default="identified")
    created_at = models.DateTimeField(auto_now_add=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"visitor {self.source_id} → {self.target_id}"


class Event(models.Model):
    """One visitor action; append-only (only an identity merge relinks ``visitor``).

    On PostgreSQL the table is partitioned by month of ``occurred_at`` (migration 0003) with
    primary key (enterprise_id, occurred_at, id); de-duplication is :class:`EventKey`.
    No database foreign keys: the table is written in bulk and may be distributed.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    event_id = models.CharField(max_length=64)
    type = models.PositiveSmallIntegerField(choices=EventType.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    visitor = models.ForeignKey(
        Visitor, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )
    salesperson_id = models.BigIntegerField(null=True, blank=True)
    forwarder_id = models.BigIntegerField(null=True, blank=True, help_text="Visitor who forwarded the link.")
    depth = models.PositiveSmallIntegerField(default=0, help_text="Share chain depth (0: own link).")
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices)
    target_id = models.BigIntegerField()
    seconds = models.PositiveIntegerField(default=0, help_text="Read seconds since the previous heartbeat.")
    scroll = models.PositiveSmallIntegerField(default=0, help_text="Scroll depth, percent.")
    session = models.CharField(max_length=64, blank=True)

    class Meta:
        # (enterprise, occurred_at) scans use the PostgreSQL primary key (enterprise_id, occurred_at, id);
        # a separate index on those columns only cost every insert one more b-tree (dropped in 0005).
        indexes = [
            models.Index(fields=["enterprise", "visitor", "occurred_at"], name="event_visitor_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.event_id}"


class EventKey(models.Model):
    """UNIQUE(enterprise, event_id): a replayed event is recognised here and stored once."""

    pk = models.CompositePrimaryKey("enterprise_id", "event_id")
    enterprise_id = models.BigIntegerField()
    event_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.event_id


class ContentDailyStat(models.Model):
    """Per enterprise, day, salesperson (0 = none) and content: totals for dashboards (DATA-1..5)."""

    pk = models.CompositePrimaryKey("enterprise_id", "day", "salesperson_id", "target_kind", "target_id")
    enterprise_id = models.BigIntegerField()
    day = models.DateField()
    salesperson_id = models.BigIntegerField(default=0)
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices)
    target_id = models.BigIntegerField()
    opens = models.PositiveIntegerField(default=0)
    new_visitors = models.PositiveIntegerField(default=0, help_text="First-time viewers.")
    read_seconds = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    form_submits = models.PositiveIntegerField(default=0)
    phone_auths = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} {self.target_kind}:{self.target_id}"


class SalespersonDailyStat(models.Model):
    """Per enterprise, day and salesperson (0 = none): the 30-day dashboards read this (DATA-2)."""

    pk = models.CompositePrimaryKey("enterprise_id", "day", "salesperson_id")
    enterprise_id = models.BigIntegerField()
    day = models.DateField()
    salesperson_id = models.BigIntegerField(default=0)
    opens = models.PositiveIntegerField(default=0)
    new_visitors = models.PositiveIntegerField(default=0)
    read_seconds = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    form_submits = models.PositiveIntegerField(default=0)
    phone_auths = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} salesperson {self.salesperson_id}"


class ContentVisitor(models.Model):
    """Per content and visitor (and attributing salesperson): the view and share lists (DATA-5)."""

    pk = models.CompositePrimaryKey(
        "enterprise_id", "target_kind", "target_id", "visitor_id", "salesperson_id"
    )
    enterprise_id = models.BigIntegerField()
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices)
    target_id = models.BigIntegerField()
    visitor_id = models.BigIntegerField()
    salesperson_id = models.BigIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    opens = models.PositiveIntegerField(default=0)
    read_seconds = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["enterprise_id", "visitor_id"], name="cv_visitor_idx")]

    def __str__(self) -> str:
        return f"{self.target_kind}:{self.target_id} by visitor {self.visitor_id}"


class VisitorTag(models.Model):
    """A tag a visitor earned by reading tagged content (ART-9) or was given by hand."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)
    source_kind = models.PositiveSmallIntegerField(null=True, blank=True, choices=TargetKind.choices)
    source_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "visitor", "name"], name="uniq_visitor_tag")
        ]

    def __str__(self) -> str:
        return self.name


class TrackingSettings(models.Model):
    """Per-enterprise rules: precise user (ART-10), intent (TRK-5), notification throttle (TRK-4)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="tracking_settings"
    )
    precise_min_clicks = models.PositiveIntegerField(default=3)
    precise_min_read_seconds = models.PositiveIntegerField(default=60)
    intent_half_life_days = models.FloatField(default=7)
    intent_high_score = models.FloatField(default=60)
    intent_medium_score = models.FloatField(default=20)
    notify_throttle_seconds = models.PositiveIntegerField(
        default=600, help_text="At most one open notification per visitor and content in this window."
    )
    session_timeout_seconds = models.PositiveIntegerField(
        default=600, help_text="A microsite session without events this long is summarized."
    )

    class Meta:
        verbose_name_plural = "tracking settings"

    def __str__(self) -> str:
        return f"Tracking settings of {self.enterprise}"


class ShareForward(models.Model):
    """A visitor forwarding a share (TRK-1 share chain): who, from which token, to which token."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="+", help_text="Origin salesperson."
    )
    forwarder = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="forwards")
    target_kind = models.PositiveSmallIntegerField(choices=TargetKind.choices)
    target_id = models.BigIntegerField()
    parent_token = models.CharField(max_length=32)
    token = models.CharField(max_length=32)
    depth = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "token"], name="uniq_share_forward_token")
        ]

    def __str__(self) -> str:
        return self.token


class BrowseSession(models.Model):
    """A visitor's microsite browse session (SITE-5), summarized once on leave or timeout."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="browse_sessions")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    last_event_at = models.DateTimeField(db_index=True)
    items = models.JSONField(default=dict, help_text='{"article:12": {"seconds": 30, "opens": 1}, ...}')
    left_at = models.DateTimeField(null=True, blank=True)
    summarized_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "visitor", "key"], name="uniq_browse_session")
        ]

    def __str__(self) -> str:
        return f"session {self.key} of visitor {self.visitor_id}"


class Notification(models.Model):
    """An in-app notification to a salesperson (TRK-4), also the record other channels send from."""

    class Kind(models.TextChoices):
        VISITOR_OPEN = "visitor_open", "Visitor opened content"
        SESSION_SUMMARY = "session_summary", "Microsite visit summary"
        FORM_SUBMIT = "form_submit", "Form submitted"

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="notifications"
    )
    visitor = models.ForeignKey(Visitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["salesperson", "-created_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.title
