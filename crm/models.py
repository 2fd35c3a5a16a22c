"""Leads and customers (CRM-1..6), follow-ups (CRM-4), tags (CRM-5), collisions, tasks (TASK-1..3).

A *lead* and a *customer* are the same row: ``pool`` says where it is in the funnel
(potential -> to_assign -> following, or eliminated). Every row is owned by at most one
salesperson and is scoped with :func:`enterprises.selectors.scope_for_user`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models


class Pool(models.TextChoices):
    POTENTIAL = "potential", "Potential"
    TO_ASSIGN = "to_assign", "To assign"
    FOLLOWING = "following", "Following"
    ELIMINATED = "eliminated", "Eliminated"


class Tag(models.Model):
    """An enterprise tag (CRM-5); ``group`` names the tag group, ``automatic`` ones are set by rules."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=60, default="General")
    name = models.CharField(max_length=60)
    automatic = models.BooleanField(default=False)

    class Meta:
        ordering = ["group", "name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "group", "name"], name="crm_tag_unique")]

    def __str__(self) -> str:
        return f"{self.group} / {self.name}"


class Lead(models.Model):
    """A lead of the enterprise; with ``is_customer`` it is on the customer lists."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    visitor = models.ForeignKey(
        "trackers.Visitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    pool = models.CharField(max_length=20, choices=Pool.choices, default=Pool.POTENTIAL, db_index=True)
    is_customer = models.BooleanField(default=False)
    name = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    unionid = models.CharField(max_length=64, blank=True)
    company = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="form, import, manual, visitor…")
    note = models.TextField(blank=True)
    pool_reason = models.CharField(max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="leads")
    assigned_at = models.DateTimeField(null=True, blank=True)
    protected_until = models.DateTimeField(
        null=True, blank=True, help_text="Collision protection: nobody else may claim it before."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            # CRM-1: one lead per unionid per enterprise, hence one salesperson keeps it.
            models.UniqueConstraint(
                fields=["enterprise", "unionid"],
                condition=~models.Q(unionid=""),
                name="crm_lead_unionid_unique",
            )
        ]
        indexes = [models.Index(fields=["enterprise", "salesperson", "pool"])]

    def __str__(self) -> str:
        return self.name or self.phone or f"Lead {self.pk}"


class FollowUp(models.Model):
    """A follow-up record (CRM-4); ``next_at`` schedules a reminder to the salesperson."""

    class Status(models.TextChoices):
        CONTACTED = "contacted", "Contacted"
        INTERESTED = "interested", "Interested"
        NEGOTIATING = "negotiating", "Negotiating"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="followups")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", null=True, on_delete=models.SET_NULL, related_name="followups"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONTACTED)
    content = models.TextField()
    next_at = models.DateTimeField(null=True, blank=True, help_text="Remind me at this time.")
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.lead} – {self.get_status_display()}"

    def clean(self) -> None:
        # Ids posted by hand must not reach another enterprise's or salesperson's lead.
        if self.lead_id is None:
            return
        if self.lead.enterprise_id != self.enterprise_id:
            raise ValidationError({"lead": "Choose a lead of your enterprise."})
        if self.salesperson_id is None:
            self.salesperson_id = self.lead.salesperson_id
        elif self.lead.salesperson_id != self.salesperson_id:
            raise ValidationError({"lead": "Choose one of your own leads."})


class Collision(models.Model):
    """撞单: the same customer claimed by two salespeople; an admin resolves it (CRM-6).

    Either two leads with the same phone owned by two salespeople (``other_lead``), or a second
    salesperson's claim on one person's lead (same unionid or visitor: one person is one lead),
    ``claimant`` set and no ``other_lead``: the owner keeps it unless an admin releases it.
    """

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20, blank=True)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="collisions")
    other_lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    claimant = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The salesperson whose share brought this person again while another follows them.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Collision on {self.phone}"


class MergeAudit(models.Model):
    """Audit entry for a phone merge: which leads went into which, by whom."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="merge_audits")
    merged_ids = models.JSONField(default=list)
    snapshot = models.JSONField(default=list)
    actor = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Merge into lead {self.target_id}"


class Task(models.Model):
    """An issued task or personal to-do (TASK-1/2), one row per assignee; optional customer."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        OVERDUE = "overdue", "Overdue"

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="crm_tasks", help_text="Assignee"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    personal = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "due_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.salesperson_id and self.salesperson.enterprise_id != self.enterprise_id:
            raise ValidationError({"salesperson": "Choose a salesperson of your enterprise."})
        if self.lead_id and (
            self.lead.enterprise_id != self.enterprise_id or self.lead.salesperson_id != self.salesperson_id
        ):
            raise ValidationError({"lead": "Choose a customer followed by the assignee."})


class MarketingTask(models.Model):
    """All-staff marketing task (TASK-3): share one target by a deadline; completion from events."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120)
    target_kind = models.PositiveSmallIntegerField(help_text="trackers.TargetKind of the shared item")
    target_id = models.BigIntegerField()
    starts_at = models.DateTimeField()
    deadline = models.DateTimeField()
    target_shares = models.PositiveIntegerField(default=0)
    target_views = models.PositiveIntegerField(default=0)
    target_new_leads = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deadline"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.deadline and self.deadline <= self.starts_at:
            raise ValidationError({"deadline": "The deadline must be after the start."})
        if self.target_kind == 2 and self.target_id is not None:  # trackers.TargetKind.ARTICLE
            from cms.articles.models import ArticlePage

            if not ArticlePage.objects.filter(pk=self.target_id, enterprise_id=self.enterprise_id).exists():
                raise ValidationError({"target_id": "Choose an article of your enterprise."})


class ImportJob(models.Model):
    """Status row of a lead import (progress for large files, per-row errors)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="crm/imports/")
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"


class VisitorSeen(models.Model):
    """When a user last looked at a visitor (CRM-7 seen/unseen): unseen = activity since then."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey("trackers.Visitor", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "visitor"], name="crm_visitor_seen_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.visitor_id}"


class TagRule(models.Model):
    """Automatic tag (CRM-5): leads whose visitor meets the rule get ``tag``; applied by the
    tracking hooks (reading tagged content) and a periodic scan, never by hand."""

    class Kind(models.TextChoices):
        CONTENT_TAG_READS = "content_tag_reads", "Read content tagged X at least N times"
        INTENT = "intent", "Intent score at least N"

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONTENT_TAG_READS)
    content_tag = models.CharField(
        max_length=60, blank=True, help_text="Content tag (ART-9) counted, for the reads rule."
    )
    threshold = models.FloatField(default=3, help_text="N: number of reads, or intent score.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag__group", "tag__name", "pk"]

    def __str__(self) -> str:
        if self.kind == self.Kind.INTENT:
            return f"intent ≥ {self.threshold:g} → {self.tag}"
        return f"read “{self.content_tag}” ≥ {self.threshold:g} → {self.tag}"

    def clean(self) -> None:
        if self.tag_id and self.tag.enterprise_id != self.enterprise_id:
            raise ValidationError({"tag": "Choose a tag of your enterprise."})
        if self.kind == self.Kind.CONTENT_TAG_READS and not self.content_tag.strip():
            raise ValidationError({"content_tag": "Name the content tag to count."})
        if self.threshold is not None and self.threshold <= 0:
            raise ValidationError({"threshold": "Use a number above zero."})
