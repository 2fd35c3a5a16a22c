"""The tenant (Enterprise), its people and its organisation tree (TEN-1, TEN-2, TEN-4)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    OPERATOR = "operator", _("Operator")
    SALESPERSON = "salesperson", _("Salesperson")


#: Roles that see every salesperson's data of their enterprise.
ENTERPRISE_WIDE_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Enterprise(models.Model):
    """A tenant: owns one Wagtail Site and page subtree, one collection, four role groups."""

    name = models.CharField(max_length=120, verbose_name=_("name"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    site = models.OneToOneField(
        "wagtailcore.Site", on_delete=models.PROTECT, related_name="enterprise", verbose_name=_("site")
    )
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        on_delete=models.PROTECT,
        related_name="enterprise",
        verbose_name=_("collection"),
    )
    public_key = models.CharField(
        max_length=40,
        unique=True,
        help_text=_("Identifies the enterprise to API clients that cannot use a hostname."),
        verbose_name=_("public key"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name

    @property
    def root_page(self):
        return self.site.root_page


class EnterpriseGroup(models.Model):
    """Links an enterprise's role to the Django group that carries its Wagtail permissions."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="role_groups", verbose_name=_("enterprise")
    )
    role = models.CharField(max_length=20, choices=Role.choices, verbose_name=_("role"))
    group = models.OneToOneField(
        "auth.Group", on_delete=models.CASCADE, related_name="enterprise_role", verbose_name=_("group")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "role"], name="uniq_enterprise_role_group")
        ]
        verbose_name = _("enterprise group")
        verbose_name_plural = _("enterprise groups")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_role_display()}"


class Membership(models.Model):
    """A user's place in exactly one enterprise, with one role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("user")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("enterprise")
    )
    role = models.CharField(max_length=20, choices=Role.choices, verbose_name=_("role"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

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

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="departments", verbose_name=_("enterprise")
    )
    name = models.CharField(max_length=80, verbose_name=_("name"))
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_departments", verbose_name=_("managers")
    )

    node_order_by = ["name"]

    class Meta:
        ordering = ["path"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parent = self.get_parent() if self.pk and self.depth > 1 else None
        if parent is not None and parent.enterprise_id != self.enterprise_id:
            raise ValidationError(_("A department must stay inside its enterprise."))


class Salesperson(models.Model):
    """A person who shares content and works leads; the subject of attribution."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="salesperson", verbose_name=_("user")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="salespeople", verbose_name=_("enterprise")
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="salespeople",
        verbose_name=_("department"),
    )
    display_name = models.CharField(max_length=80, verbose_name=_("display name"))
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    avatar = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("avatar"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["display_name"]
        verbose_name_plural = _("salespeople")
        verbose_name = _("salesperson")

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        if self.department_id and self.department.enterprise_id != self.enterprise_id:
            raise ValidationError({"department": "Choose a department of the same enterprise."})
