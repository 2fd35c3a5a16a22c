"""Demo tenant: one enterprise, an admin, three salespeople in a two-level department tree."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from . import services
from .models import Department, Enterprise, Role, Salesperson

DEMO_PASSWORD = "demo-pass-2026"
DEMO_SLUG = "demo"


@dataclass
class DemoContext:
    """What later apps' demo seeders build on."""

    enterprise: Enterprise
    admin: object
    salespeople: list[Salesperson] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _member(enterprise, username, role, **kwargs):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = services.member_add(
            enterprise=enterprise, username=username, role=role, password=DEMO_PASSWORD, **kwargs
        )
    return user


def _department(enterprise, name, parent):
    found = Department.objects.filter(enterprise=enterprise, name=name).first()
    return found or services.department_create(enterprise=enterprise, name=name, parent=parent)


def seed(*, hostname: str = "localhost", port: int = 8000) -> DemoContext:
    """Idempotent: a second run finds everything and creates nothing."""
    from wagtail.models import Site

    enterprise = Enterprise.objects.filter(slug=DEMO_SLUG).first()
    if enterprise is None:
        enterprise = services.enterprise_create(
            name="Demo Trading Co.", slug=DEMO_SLUG, hostname=hostname, port=port
        )
        Site.objects.exclude(pk=enterprise.site_id).update(is_default_site=False)
        Site.objects.filter(pk=enterprise.site_id).update(is_default_site=True)
    services.enterprise_sync_permissions(enterprise=enterprise)

    root = Department.get_root_nodes().get(enterprise=enterprise)
    east = _department(enterprise, "East Region", root)
    shanghai = _department(enterprise, "Shanghai Team", east)
    north = _department(enterprise, "North Region", root)

    admin = _member(enterprise, "demo-admin", Role.ADMIN, email="admin@demo.example")
    _member(enterprise, "demo-operator", Role.OPERATOR, email="operator@demo.example")
    alice = _member(
        enterprise, "alice", Role.SALESPERSON, display_name="Alice Wang", phone="13800000001",
        department=east,
    )
    bob = _member(
        enterprise, "bob", Role.SALESPERSON, display_name="Bob Li", phone="13800000002",
        department=shanghai,
    )
    carol = _member(
        enterprise, "carol", Role.SALESPERSON, display_name="Carol Zhang", phone="13800000003",
        department=north,
    )
    east.managers.add(alice)
    shanghai.managers.add(bob)

    User = get_user_model()
    if not User.objects.filter(username="platform").exists():
        User.objects.create_superuser("platform", "platform@example.com", DEMO_PASSWORD)

    salespeople = list(
        Salesperson.objects.filter(user__in=[alice, bob, carol]).order_by("user__username")
    )
    return DemoContext(
        enterprise=enterprise,
        admin=admin,
        salespeople=salespeople,
        logins=[
            ("platform", DEMO_PASSWORD, "platform staff (all enterprises)"),
            ("demo-admin", DEMO_PASSWORD, "enterprise admin"),
            ("demo-operator", DEMO_PASSWORD, "operator (builds the microsite and content)"),
            ("alice", DEMO_PASSWORD, "salesperson, manager of East Region"),
            ("bob", DEMO_PASSWORD, "salesperson, manager of Shanghai Team (under East)"),
            ("carol", DEMO_PASSWORD, "salesperson, North Region"),
        ],
    )
