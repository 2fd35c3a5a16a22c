"""Sales scripts (话术, FILE-3): short texts and images salespeople copy or send in one tap."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScriptGroup(models.Model):
    """A named group of scripts (e.g. "Opening lines", "Pricing objections")."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="script_groups",
        verbose_name=_("enterprise"),
    )
    name = models.CharField(max_length=60, verbose_name=_("name"))
    sort_order = models.PositiveIntegerField(default=0, verbose_name=_("sort order"))

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="uniq_script_group_name")]
        verbose_name = _("script group")
        verbose_name_plural = _("script groups")

    def __str__(self) -> str:
        return self.name


class SalesScript(models.Model):
    """A script in the enterprise library (owner empty) or a salesperson's own ("mine")."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="sales_scripts",
        verbose_name=_("enterprise"),
    )
    owner = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_scripts",
        help_text=_("Empty: in the enterprise library for everyone."),
        verbose_name=_("owner"),
    )
    group = models.ForeignKey(
        ScriptGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scripts",
        verbose_name=_("group"),
    )
    title = models.CharField(max_length=80, verbose_name=_("title"))
    text = models.TextField(max_length=2000, blank=True, verbose_name=_("text"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )
    use_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("use count"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["group__sort_order", "title"]
        verbose_name = _("sales script")
        verbose_name_plural = _("sales scripts")

    def __str__(self) -> str:
        return self.title
