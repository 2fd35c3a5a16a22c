"""Leads and customers (CRM-1..6), follow-ups (CRM-4), tags (CRM-5), collisions, tasks (TASK-1..3).

A *lead* and a *customer* are the same row: ``pool`` says where it is in the funnel
(potential -> to_assign -> following, or eliminated). Every row is owned by at most one
salesperson and is scoped with :func:`enterprises.selectors.scope_for_user`.
"""

from __future__ import annotations

import os
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Pool(models.TextChoices):
    POTENTIAL = "potential", _("Potential")
    TO_ASSIGN = "to_assign", _("To assign")
    FOLLOWING = "following", _("Following")
    ELIMINATED = "eliminated", _("Eliminated")


class Tag(models.Model):
    """An enterprise tag (CRM-5); ``group`` names the tag group, ``automatic`` ones are set by rules."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    group = models.CharField(max_length=60, default="General", verbose_name=_("group"))
    name = models.CharField(max_length=60, verbose_name=_("name"))
    automatic = models.BooleanField(default=False, verbose_name=_("automatic"))

    class Meta:
        ordering = ["group", "name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "group", "name"], name="crm_tag_unique")]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return f"{self.group} / {self.name}"


class Lead(models.Model):
    """A lead of the enterprise; with ``is_customer`` it is on the customer lists."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("salesperson"),
    )
    visitor = models.ForeignKey(
        "trackers.Visitor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        verbose_name=_("visitor"),
    )
    pool = models.CharField(
        max_length=20, choices=Pool.choices, default=Pool.POTENTIAL, db_index=True, verbose_name=_("pool")
    )
    is_customer = models.BooleanField(default=False, verbose_name=_("is customer"))
    name = models.CharField(max_length=80, blank=True, verbose_name=_("name"))
    phone = models.CharField(max_length=20, blank=True, db_index=True, verbose_name=_("phone"))
    unionid = models.CharField(max_length=64, blank=True, verbose_name=_("unionid"))
    company = models.CharField(max_length=120, blank=True, verbose_name=_("company"))
    source = models.CharField(
        max_length=40, blank=True, help_text=_("form, import, manual, visitor…"), verbose_name=_("source")
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    pool_reason = models.CharField(max_length=200, blank=True, verbose_name=_("pool reason"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="leads", verbose_name=_("tags"))
    assigned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("assigned at"))
    protected_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Collision protection: nobody else may claim it before."),
        verbose_name=_("protected until"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return self.name or self.phone or f"Lead {self.pk}"


class FollowUp(models.Model):
    """A follow-up record (CRM-4); ``next_at`` schedules a reminder to the salesperson."""

    class Status(models.TextChoices):
        CONTACTED = "contacted", _("Contacted")
        INTERESTED = "interested", _("Interested")
        NEGOTIATING = "negotiating", _("Negotiating")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="followups", verbose_name=_("lead"))
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        on_delete=models.SET_NULL,
        related_name="followups",
        verbose_name=_("salesperson"),
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.CONTACTED, verbose_name=_("status")
    )
    content = models.TextField(verbose_name=_("content"))
    next_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Remind me at this time."), verbose_name=_("next at")
    )
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("follow up")
        verbose_name_plural = _("follow ups")

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

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="collisions", verbose_name=_("lead")
    )
    other_lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("other lead")
    )
    claimant = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The salesperson whose share brought this person again while another follows them."),
        verbose_name=_("claimant"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolution = models.CharField(max_length=200, blank=True, verbose_name=_("resolution"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("collision")
        verbose_name_plural = _("collisions")

    def __str__(self) -> str:
        return f"Collision on {self.phone}"


class MergeAudit(models.Model):
    """Audit entry for a phone merge: which leads went into which, by whom."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    target = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="merge_audits", verbose_name=_("target")
    )
    merged_ids = models.JSONField(default=list, verbose_name=_("merged ids"))
    snapshot = models.JSONField(default=list, verbose_name=_("snapshot"))
    actor = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("merge audit")
        verbose_name_plural = _("merge audits")

    def __str__(self) -> str:
        return f"Merge into lead {self.target_id}"


class Task(models.Model):
    """An issued task or personal to-do (TASK-1/2), one row per assignee; optional customer."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        OVERDUE = "overdue", _("Overdue")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="crm_tasks",
        help_text=_("Assignee"),
        verbose_name=_("salesperson"),
    )
    title = models.CharField(max_length=120, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("due at"))
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", verbose_name=_("lead")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    personal = models.BooleanField(default=False, verbose_name=_("personal"))
    created_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["status", "due_at", "-pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

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

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    title = models.CharField(max_length=120, verbose_name=_("title"))
    target_kind = models.PositiveSmallIntegerField(
        help_text=_("Kind of the shared item"), verbose_name=_("target kind")
    )
    target_id = models.BigIntegerField(verbose_name=_("target id"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    deadline = models.DateTimeField(verbose_name=_("deadline"))
    target_shares = models.PositiveIntegerField(default=0, verbose_name=_("target shares"))
    target_views = models.PositiveIntegerField(default=0, verbose_name=_("target views"))
    target_new_leads = models.PositiveIntegerField(default=0, verbose_name=_("target new leads"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-deadline"]
        verbose_name = _("marketing task")
        verbose_name_plural = _("marketing tasks")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.deadline and self.deadline <= self.starts_at:
            raise ValidationError({"deadline": "The deadline must be after the start."})
        if self.target_kind == 2 and self.target_id is not None:  # trackers.TargetKind.ARTICLE
            from cms.articles.models import ArticlePage

            if not ArticlePage.objects.filter(pk=self.target_id, enterprise_id=self.enterprise_id).exists():
                raise ValidationError({"target_id": "Choose an article of your enterprise."})


def import_upload_to(instance: ImportJob, filename: str) -> str:
    """A random, unguessable name keeping only the extension the importer reads (.csv/.xlsx).

    ``crm/`` is private storage (``cms.storage``): the bytes are downloaded only through
    ``crm_import_file``, which checks the enterprise."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"crm/imports/{secrets.token_urlsafe(24)}{extension}"


class ImportJob(models.Model):
    """Status row of a lead import (progress for large files, per-row errors)."""

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    created_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    file = models.FileField(upload_to=import_upload_to, max_length=200, verbose_name=_("file"))
    original_name = models.CharField(max_length=255, blank=True, verbose_name=_("original file name"))
    mapping = models.JSONField(default=dict, blank=True, verbose_name=_("mapping"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    processed = models.PositiveIntegerField(default=0, verbose_name=_("processed"))
    imported = models.PositiveIntegerField(default=0, verbose_name=_("imported"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"


class VisitorSeen(models.Model):
    """When a user last looked at a visitor (CRM-7 seen/unseen): unseen = activity since then."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    visitor = models.ForeignKey(
        "trackers.Visitor", on_delete=models.CASCADE, related_name="+", verbose_name=_("visitor")
    )
    seen_at = models.DateTimeField(verbose_name=_("seen at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "visitor"], name="crm_visitor_seen_unique")]
        verbose_name = _("visitor seen")
        verbose_name_plural = _("visitor seens")

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.visitor_id}"


class TagRule(models.Model):
    """Automatic tag (CRM-5): leads whose visitor meets the rule get ``tag``; applied by the
    tracking hooks (reading tagged content) and a periodic scan, never by hand."""

    class Kind(models.TextChoices):
        CONTENT_TAG_READS = "content_tag_reads", _("Read content tagged X at least N times")
        INTENT = "intent", _("Intent score at least N")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules", verbose_name=_("tag"))
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.CONTENT_TAG_READS, verbose_name=_("kind")
    )
    content_tag = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("Content tag counted, for the reads rule."),
        verbose_name=_("content tag"),
    )
    threshold = models.FloatField(
        default=3, help_text=_("N: number of reads, or intent score."), verbose_name=_("threshold")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["tag__group", "tag__name", "pk"]
        verbose_name = _("tag rule")
        verbose_name_plural = _("tag rules")

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
