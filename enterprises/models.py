"""The tenant (Enterprise), its people and its organisation tree (TEN-1, TEN-2, TEN-4)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from treebeard.mp_tree import MP_Node


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    OPERATOR = "operator", "Operator"
    SALESPERSON = "salesperson", "Salesperson"


#: Roles that see every salesperson's data of their enterprise.
ENTERPRISE_WIDE_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Enterprise(models.Model):
    """A tenant: owns one Wagtail Site and page subtree, one collection, four role groups."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    site = models.OneToOneField(
        "wagtailcore.Site", on_delete=models.PROTECT, related_name="enterprise"
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection", on_delete=models.PROTECT, related_name="enterprise"
    )
    public_key = models.CharField(
        max_length=40,
        unique=True,
        help_text="Identifies the enterprise to API clients that cannot use a hostname.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def root_page(self):
        return self.site.root_page


class EnterpriseGroup(models.Model):
    """Links an enterprise's role to the Django group that carries its Wagtail permissions."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="enterprise_role")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "role"], name="uniq_enterprise_role_group")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_role_display()}"


class Membership(models.Model):
    """A user's place in exactly one enterprise, with one role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise} ({self.role})"

    @property
    def is_enterprise_wide(self) -> bool:
        return self.role in ENTERPRISE_WIDE_ROLES


class Department(MP_Node):
    """A node of an enterprise's organisation tree (TEN-4).

    Each enterprise has exactly one root department; a manager of a department
    sees the data of every salesperson in its subtree.
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=80)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_departments"
    )

    node_order_by = ["name"]

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parent = self.get_parent() if self.pk and self.depth > 1 else None
        if parent is not None and parent.enterprise_id != self.enterprise_id:
            raise ValidationError("A department must stay inside its enterprise.")


class Salesperson(models.Model):
    """A person who shares content and works leads; the subject of attribution."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="salesperson"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="salespeople")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="salespeople"
    )
    display_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=20, blank=True)
    wechat_id = models.CharField("WeChat ID", max_length=64, blank=True)
    avatar = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name_plural = "salespeople"

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        if self.department_id and self.department.enterprise_id != self.enterprise_id:
            raise ValidationError({"department": "Choose a department of the same enterprise."})
