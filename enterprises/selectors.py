"""Reads for tenancy: the current enterprise and who may see whose data.

Every later selector takes a :class:`Scope` instead of re-deriving visibility.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from wagtail.models import Site

from .models import Department, Enterprise, Membership, Salesperson

ENTERPRISE_KEY_HEADER = "HTTP_X_ENTERPRISE_KEY"


def enterprise_for_user(user) -> Enterprise | None:
    """The single enterprise a signed-in user belongs to (None for anonymous and platform staff)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_enterprise_cache", False)
    if cached is not False:
        return cached
    membership = Membership.objects.select_related("enterprise").filter(user_id=user.pk).first()
    enterprise = membership.enterprise if membership else None
    user._enterprise_cache = enterprise
    return enterprise


def enterprise_for_request(request: HttpRequest) -> Enterprise | None:
    """The enterprise a request is about.

    Order: an explicit key (header ``X-Enterprise-Key`` or ``?enterprise=``, for the
    mini-program, which has no hostname of its own), then the Wagtail Site matched
    by hostname, then the signed-in user's enterprise.
    """
    if hasattr(request, "_enterprise"):
        return request._enterprise
    enterprise = None
    key = request.META.get(ENTERPRISE_KEY_HEADER) or request.GET.get("enterprise")
    if key:
        enterprise = Enterprise.objects.select_related("site").filter(public_key=key, is_active=True).first()
    else:
        site = Site.find_for_request(request)
        if site is not None:
            enterprise = Enterprise.objects.filter(site=site, is_active=True).first()
        if enterprise is None:
            enterprise = enterprise_for_user(getattr(request, "user", None))
    request._enterprise = enterprise
    return enterprise


def enterprise_get_by_key(key: str) -> Enterprise | None:
    return Enterprise.objects.filter(public_key=key, is_active=True).first()


@dataclass(frozen=True)
class Scope:
    """Whose data a user may see: all of one enterprise, or a set of salespeople in it.

    ``enterprise_id`` is None only for platform staff (superusers), who see every enterprise.
    The salespeople set is a lazy subquery, so filtering by a scope adds no query.
    """

    user_id: int | None
    enterprise_id: int | None
    sees_whole_enterprise: bool
    salesperson_id: int | None = None

    @property
    def is_platform(self) -> bool:
        return self.enterprise_id is None and self.sees_whole_enterprise

    def salespeople(self) -> QuerySet[Salesperson]:
        """The salespeople whose data this scope covers (lazy)."""
        qs = Salesperson.objects.all()
        if self.is_platform:
            return qs
        qs = qs.filter(enterprise_id=self.enterprise_id)
        if self.sees_whole_enterprise:
            return qs
        if self.user_id is None:
            return qs.none()
        managed_subtree = Department.objects.filter(
            enterprise_id=self.enterprise_id,
            managers__id=self.user_id,
            path=Substr(OuterRef("department__path"), 1, Length("path")),
        )
        return qs.filter(Q(user_id=self.user_id) | Exists(managed_subtree))

    def filter_enterprise(self, queryset: QuerySet, field: str = "enterprise") -> QuerySet:
        """Rows of the scope's enterprise (all enterprises for platform staff)."""
        if self.is_platform:
            return queryset
        return queryset.filter(**{f"{field}_id": self.enterprise_id})

    def filter_salespeople(
        self, queryset: QuerySet, field: str = "salesperson", enterprise_field: str = "enterprise"
    ) -> QuerySet:
        """Rows owned by a salesperson this scope covers (CRM, tracking, statistics)."""
        queryset = self.filter_enterprise(queryset, enterprise_field)
        if self.sees_whole_enterprise:
            return queryset
        return queryset.filter(**{f"{field}__in": self.salespeople()})

    def covers(self, salesperson_id: int | None) -> bool:
        """Whether one salesperson's data is visible (one query unless enterprise-wide)."""
        if salesperson_id is None:
            return self.sees_whole_enterprise
        if self.sees_whole_enterprise:
            return (
                self.is_platform
                or Salesperson.objects.filter(pk=salesperson_id, enterprise_id=self.enterprise_id).exists()
            )
        return self.salespeople().filter(pk=salesperson_id).exists()


NO_SCOPE = Scope(user_id=None, enterprise_id=-1, sees_whole_enterprise=False)


def scope_for_user(user) -> Scope:
    """The one scoping function (TEN-2, TEN-4): self, self plus managed subtrees, or the enterprise."""
    if not getattr(user, "is_authenticated", False):
        return NO_SCOPE
    if user.is_superuser:
        return Scope(user_id=user.pk, enterprise_id=None, sees_whole_enterprise=True)
    membership = (
        Membership.objects.filter(user_id=user.pk)
        .select_related("enterprise")
        .only("role", "enterprise_id", "enterprise__is_active")
        .first()
    )
    if membership is None or not membership.enterprise.is_active:
        return NO_SCOPE
    salesperson_id = Salesperson.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    return Scope(
        user_id=user.pk,
        enterprise_id=membership.enterprise_id,
        sees_whole_enterprise=membership.is_enterprise_wide,
        salesperson_id=salesperson_id,
    )


def department_ancestor_paths(department: Department | None) -> list[str]:
    """Paths of a department and all its ancestors, computed from its path (no query)."""
    if department is None:
        return []
    step = Department.steplen
    return [department.path[: step * depth] for depth in range(1, department.depth + 1)]


def department_available_q(salesperson: Salesperson | None, field: str = "departments") -> Q:
    """Content available to a salesperson: open to all, or to one of their department's ancestors.

    Content made available to a department reaches its sub-departments and nobody else.
    """
    open_to_all = Q(**{f"{field}__isnull": True})
    if salesperson is None or salesperson.department_id is None:
        return open_to_all
    paths = department_ancestor_paths(salesperson.department)
    return open_to_all | Q(**{f"{field}__path__in": paths})


def department_tree(enterprise: Enterprise) -> QuerySet[Department]:
    return Department.objects.filter(enterprise=enterprise).order_by("path")
