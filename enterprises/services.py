"""Writes for tenancy: creating enterprises and their people in one consistent step."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from .models import Department, Enterprise, EnterpriseGroup, Membership, Role, Salesperson

User = get_user_model()

#: Wagtail page permissions per role on the enterprise's own subtree.
#: "add" alone lets a salesperson create pages and edit only the ones they own.
PAGE_PERMISSIONS = {
    Role.OWNER: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "delete_page"],
    Role.ADMIN: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "delete_page"],
    Role.OPERATOR: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    Role.SALESPERSON: ["add_page"],
}
_MEDIA = ["image", "document"]
COLLECTION_PERMISSIONS = {
    Role.OWNER: [f"{a}_{m}" for m in _MEDIA for a in ("add", "change", "delete", "choose")],
    Role.ADMIN: [f"{a}_{m}" for m in _MEDIA for a in ("add", "change", "delete", "choose")],
    Role.OPERATOR: [f"{a}_{m}" for m in _MEDIA for a in ("add", "change", "choose")],
    Role.SALESPERSON: [f"{a}_{m}" for m in _MEDIA for a in ("add", "choose")],
}
#: Model permissions for snippets and our own models; rows are still scoped to
#: the enterprise (and salesperson) by the viewsets, see enterprises.viewsets.
MODEL_PERMISSIONS: dict[str, list[str]] = {
    Role.OWNER: [],
    Role.ADMIN: [],
    Role.OPERATOR: [],
    Role.SALESPERSON: [],
}


def register_role_permissions(role: Role, codenames: list[str]) -> None:
    """Let a domain app grant its model permissions to a role (called from its AppConfig.ready)."""
    MODEL_PERMISSIONS[role] = sorted(set(MODEL_PERMISSIONS[role]) | set(codenames))


def _permissions(codenames: list[str]) -> list[Permission]:
    split = [c.split(".", 1) if "." in c else (None, c) for c in codenames]
    found = []
    for app_label, codename in split:
        qs = Permission.objects.filter(codename=codename)
        if app_label:
            qs = qs.filter(content_type__app_label=app_label)
        found.extend(qs)
    return found


def enterprise_sync_permissions(*, enterprise: Enterprise) -> None:
    """(Re)apply every role's permissions; idempotent, so new apps' permissions reach old enterprises."""
    root = enterprise.site.root_page
    for link in enterprise.role_groups.select_related("group"):
        group = link.group
        role = Role(link.role)
        group.permissions.set(_permissions(["wagtailadmin.access_admin", *MODEL_PERMISSIONS[role]]))
        for perm in _permissions([f"wagtailcore.{c}" for c in PAGE_PERMISSIONS[role]]):
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=perm)
        for perm in _permissions(COLLECTION_PERMISSIONS[role]):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=enterprise.collection, permission=perm
            )


def _wagtail_tree_roots() -> Page:
    """The page-tree root, recreated with its locale and root collection on an emptied database.

    Wagtail creates these in data migrations; a database flushed since (``manage.py flush``,
    transactional tests) would otherwise leave no place to put a tenant.
    """
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    if not Locale.objects.exists():
        Locale.objects.create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root", locale=Locale.get_default())
    return root


@transaction.atomic
def enterprise_create(
    *, name: str, slug: str | None = None, hostname: str | None = None, port: int = 80
) -> Enterprise:
    """Create a tenant with its Site, microsite home page, collection, role groups and root department."""
    from sites.models import MicrositeHomePage

    slug = slug or slugify(name) or secrets.token_hex(4)
    hostname = hostname or f"{slug}.localhost"
    wagtail_root = _wagtail_tree_roots()
    home = wagtail_root.add_child(instance=MicrositeHomePage(title=name, slug=slug))
    site = Site.objects.create(hostname=hostname, port=port, root_page=home, site_name=name)
    collection = Collection.get_first_root_node().add_child(name=name)
    enterprise = Enterprise.objects.create(
        name=name,
        slug=slug,
        site=site,
        collection=collection,
        public_key=secrets.token_urlsafe(18),
    )
    for role in Role:
        group = Group.objects.create(name=f"{slug}: {role.label}")
        EnterpriseGroup.objects.create(enterprise=enterprise, role=role, group=group)
    Department.add_root(enterprise=enterprise, name=name)
    enterprise_sync_permissions(enterprise=enterprise)
    return enterprise


@transaction.atomic
def member_add(
    *,
    enterprise: Enterprise,
    username: str,
    role: Role,
    password: str | None = None,
    email: str = "",
    display_name: str = "",
    phone: str = "",
    wechat_id: str = "",
    department: Department | None = None,
    is_salesperson: bool | None = None,
) -> User:
    """Create a user in an enterprise with a role; salespeople (and admins who sell) get a profile."""
    user = User.objects.create_user(username=username, email=email, password=password)
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    member_set_role(user=user, enterprise=enterprise, role=role)
    if is_salesperson is None:
        is_salesperson = role == Role.SALESPERSON
    if is_salesperson:
        salesperson_create(
            user=user,
            enterprise=enterprise,
            display_name=display_name or username,
            phone=phone,
            wechat_id=wechat_id,
            department=department,
        )
    return user


def member_set_role(*, user: User, enterprise: Enterprise, role: Role) -> Membership:
    """Give a user exactly one role group of their (single) enterprise."""
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"enterprise": enterprise, "role": role}
    )
    role_groups = Group.objects.filter(enterprise_role__isnull=False)
    user.groups.remove(*role_groups)
    user.groups.add(enterprise.role_groups.get(role=role).group)
    return membership


def salesperson_create(
    *,
    user: User,
    enterprise: Enterprise,
    display_name: str,
    phone: str = "",
    wechat_id: str = "",
    department: Department | None = None,
) -> Salesperson:
    """Create the salesperson profile; content apps hook their per-salesperson set-up in here."""
    if department is None:
        department = Department.get_root_nodes().filter(enterprise=enterprise).first()
    salesperson = Salesperson(
        user=user,
        enterprise=enterprise,
        display_name=display_name,
        phone=phone,
        wechat_id=wechat_id,
        department=department,
    )
    salesperson.full_clean()
    salesperson.save()
    for hook in SALESPERSON_CREATED_HOOKS:
        hook(salesperson)
    return salesperson


#: Callables run after a salesperson is created (e.g. cards copy the enterprise template).
#: Apps append to it in AppConfig.ready(); explicit and ordered, unlike signals.
SALESPERSON_CREATED_HOOKS: list = []


class DepartmentNotEmpty(Exception):
    """Raised when deleting a department that still has sub-departments or salespeople."""


def department_create(*, enterprise: Enterprise, name: str, parent: Department | None = None) -> Department:
    """Add a department under ``parent`` (default: the enterprise's root department)."""
    if parent is None:
        parent = Department.get_root_nodes().get(enterprise=enterprise)
    if parent.enterprise_id != enterprise.pk:
        raise ValueError("The parent department belongs to another enterprise.")
    return parent.add_child(enterprise=enterprise, name=name)


def department_move(*, department: Department, new_parent: Department) -> Department:
    """Re-parent a department with its subtree; managers' views follow at once (paths are the truth)."""
    if new_parent.enterprise_id != department.enterprise_id:
        raise ValueError("A department cannot move into another enterprise.")
    if new_parent.pk == department.pk or new_parent.is_descendant_of(department):
        raise ValueError("A department cannot move under itself or one of its sub-departments.")
    if department.is_root():
        raise ValueError("The enterprise's top department cannot be moved.")
    department.move(new_parent, pos="sorted-child")
    department.refresh_from_db()
    return department


def department_delete(*, department: Department) -> None:
    """Delete an empty department; refuse with a clear reason otherwise."""
    if department.is_root():
        raise DepartmentNotEmpty("The enterprise's top department cannot be deleted.")
    if department.get_children_count():
        raise DepartmentNotEmpty(f"“{department.name}” still has sub-departments; move or delete them first.")
    if department.salespeople.exists():
        raise DepartmentNotEmpty(
            f"“{department.name}” still has salespeople; move them to another department first."
        )
    department.delete()


def salesperson_move(*, salesperson: Salesperson, department: Department) -> Salesperson:
    """Put a salesperson in another department of the same enterprise; their data stays theirs."""
    if department.enterprise_id != salesperson.enterprise_id:
        raise ValueError("Choose a department of the same enterprise.")
    salesperson.department = department
    salesperson.save(update_fields=["department"])
    return salesperson
