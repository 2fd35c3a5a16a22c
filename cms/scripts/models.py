"""Sales scripts (话术, FILE-3): short texts and images salespeople copy or send in one tap."""

from django.db import models


class ScriptGroup(models.Model):
    """A named group of scripts (e.g. "Opening lines", "Pricing objections")."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="script_groups"
    )
    name = models.CharField(max_length=60)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="uniq_script_group_name")
        ]

    def __str__(self) -> str:
        return self.name


class SalesScript(models.Model):
    """A script in the enterprise library (owner empty) or a salesperson's own ("mine")."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="sales_scripts"
    )
    owner = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sales_scripts",
        help_text="Empty: in the enterprise library for everyone.",
    )
    group = models.ForeignKey(
        ScriptGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="scripts"
    )
    title = models.CharField(max_length=80)
    text = models.TextField(max_length=2000, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    use_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group__sort_order", "title"]

    def __str__(self) -> str:
        return self.title
