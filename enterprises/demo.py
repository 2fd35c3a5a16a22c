"""Demo tenant: one enterprise, an admin, three salespeople in a two-level department tree."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from . import services
from .models import Department, Enterprise, Role, Salesperson

DEMO_PASSWORD = "demo-pass-2026"
DEMO_SLUG = "demo"
DEMO_NAME = "华川流体设备有限公司"

#: username -> (family name, given name, email, salesperson display name or "", avatar colour)
PEOPLE = {
    "platform": ("赵", "磊", "platform@huachuan-demo.cn", "", (90, 90, 110)),
    "demo-admin": ("陈", "静", "chenjing@huachuan-demo.cn", "", (120, 70, 160)),
    "demo-operator": ("刘", "洋", "liuyang@huachuan-demo.cn", "", (200, 120, 40)),
    "alice": ("王", "敏", "wangmin@huachuan-demo.cn", "王敏", (26, 115, 232)),
    "bob": ("李", "强", "liqiang@huachuan-demo.cn", "李强", (30, 140, 90)),
    "carol": ("张", "丽", "zhangli@huachuan-demo.cn", "张丽", (200, 60, 80)),
}
#: Display names of earlier demo databases, replaced by the Chinese ones on the next run.
OLD_DISPLAY_NAMES = {"Alice Wang", "Bob Li", "Carol Zhang", "alice", "bob", "carol"}


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


def _person(enterprise, user) -> None:
    """Name, email and avatars: Wagtail's account form needs the names and the email to save."""
    from django.core.files.base import ContentFile
    from wagtail.users.models import UserProfile

    from cms.demo_images import demo_avatar, demo_picture

    family, given, email, display_name, colour = PEOPLE[user.username]
    if (user.last_name, user.first_name, user.email) != (family, given, email):
        user.last_name, user.first_name, user.email = family, given, email
        user.save(update_fields=["last_name", "first_name", "email"])
    profile = UserProfile.get_for_user(user)
    if not profile.avatar:
        profile.avatar.save(f"demo-{user.username}.png", ContentFile(demo_avatar(family + given, colour)))
    salesperson = Salesperson.objects.filter(user=user).first()
    if salesperson is None:
        return
    changed = []
    if salesperson.display_name in OLD_DISPLAY_NAMES and display_name:
        salesperson.display_name = display_name
        changed.append("display_name")
    if salesperson.avatar_id is None:
        salesperson.avatar = demo_picture(
            enterprise, f"Avatar {user.username}", size=(256, 256), top=colour, text=given
        )
        changed.append("avatar")
    if changed:
        salesperson.save(update_fields=changed)


def _department(enterprise, name, parent, old_name=""):
    found = Department.objects.filter(enterprise=enterprise, name__in=[name, old_name]).first()
    if found is not None and found.name != name:
        found.name = name
        found.save(update_fields=["name"])
    return found or services.department_create(enterprise=enterprise, name=name, parent=parent)


def seed(*, hostname: str = "localhost", port: int = 8000) -> DemoContext:
    """Idempotent: a second run finds everything and creates nothing."""
    from wagtail.models import Site

    enterprise = Enterprise.objects.filter(slug=DEMO_SLUG).first()
    if enterprise is None:
        enterprise = services.enterprise_create(name=DEMO_NAME, slug=DEMO_SLUG, hostname=hostname, port=port)
        Site.objects.exclude(pk=enterprise.site_id).update(is_default_site=False)
        Site.objects.filter(pk=enterprise.site_id).update(is_default_site=True)
    services.enterprise_sync_permissions(enterprise=enterprise)

    root = Department.get_root_nodes().get(enterprise=enterprise)
    east = _department(enterprise, "华东大区", root, "East Region")
    shanghai = _department(enterprise, "上海团队", east, "Shanghai Team")
    north = _department(enterprise, "华北大区", root, "North Region")

    admin = _member(enterprise, "demo-admin", Role.ADMIN, email="admin@demo.example")
    _member(enterprise, "demo-operator", Role.OPERATOR, email="operator@demo.example")
    alice = _member(
        enterprise,
        "alice",
        Role.SALESPERSON,
        display_name="王敏",
        phone="13800000001",
        department=east,
    )
    bob = _member(
        enterprise,
        "bob",
        Role.SALESPERSON,
        display_name="李强",
        phone="13800000002",
        department=shanghai,
    )
    carol = _member(
        enterprise,
        "carol",
        Role.SALESPERSON,
        display_name="张丽",
        phone="13800000003",
        department=north,
    )
    east.managers.add(alice)
    shanghai.managers.add(bob)

    User = get_user_model()
    if not User.objects.filter(username="platform").exists():
        User.objects.create_superuser("platform", "platform@example.com", DEMO_PASSWORD)
    for user in User.objects.filter(username__in=PEOPLE):
        _person(enterprise, user)

    salespeople = list(Salesperson.objects.filter(user__in=[alice, bob, carol]).order_by("user__username"))
    return DemoContext(
        enterprise=enterprise,
        admin=admin,
        salespeople=salespeople,
        logins=[
            ("platform", DEMO_PASSWORD, "platform staff (all enterprises)"),
            ("demo-admin", DEMO_PASSWORD, "陈静, enterprise admin"),
            ("demo-operator", DEMO_PASSWORD, "operator (builds the microsite and content)"),
            ("alice", DEMO_PASSWORD, "王敏, salesperson, manager of 华东大区"),
            ("bob", DEMO_PASSWORD, "李强, salesperson, manager of 上海团队 (under 华东大区)"),
            ("carol", DEMO_PASSWORD, "张丽, salesperson, 华北大区"),
        ],
    )
