"""Foundation: settings, enterprise creation, admin tenancy, demo data, real PostgreSQL and Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from wagtail.models import GroupCollectionPermission, GroupPagePermission, Site

from enterprises.models import Department, Enterprise, Membership, Role, Salesperson
from enterprises.selectors import enterprise_for_request
from enterprises.services import enterprise_create
from tests.factories import make_document, make_image, make_member

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _settings_in_subprocess(module: str, env: dict[str, str], expr: str) -> str:
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "MEDIA_ROOT"}
    }
    clean_env.update(env, DJANGO_SETTINGS_MODULE=module)
    code = f"import django; django.setup(); from django.conf import settings as s; print(repr(({expr},)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_settings_without_database_url_load_but_refuse_queries_and_celery_is_eager():
    out = _settings_in_subprocess(
        "cms.settings.dev",
        {},
        "s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, "
        "s.CACHES['default']['BACKEND']",
    )
    assert "sqlite" not in out
    assert "'cms.settings.no_database', True, True" in out
    assert "LocMemCache" in out
    with pytest.raises(subprocess.CalledProcessError) as excinfo:
        _settings_in_subprocess(
            "cms.settings.dev",
            {},
            "__import__('django.db').db.connection.cursor()",
        )
    assert "OperationalError: DATABASE_URL is not set" in excinfo.value.stderr


def test_settings_refuse_a_database_url_that_is_not_postgresql(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as excinfo:
        _settings_in_subprocess(
            "cms.settings.dev", {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, "s.DATABASES"
        )
    assert "DATABASE_URL must point at PostgreSQL" in excinfo.value.stderr


def test_settings_follow_environment_variables(tmp_path):
    out = _settings_in_subprocess(
        "cms.settings.production",
        {
            "DATABASE_URL": "postgres://u:p@db.example:5433/prod",
            "REDIS_URL": "redis://cache.example:6379/2",
            "SECRET_KEY": "a-real-secret-key-that-is-long-enough-0123456789",
            "ALLOWED_HOSTS": "a.example,b.example",
            "MEDIA_ROOT": str(tmp_path),
        },
        "s.DATABASES['default']['HOST'], s.DATABASES['default']['PORT'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CELERY_BROKER_URL, s.ALLOWED_HOSTS, str(s.MEDIA_ROOT), s.DEBUG, s.SECURE_SSL_REDIRECT",
    )
    assert "'db.example', 5433, False, 'redis://cache.example:6379/2'" in out
    assert "['a.example', 'b.example']" in out
    assert str(tmp_path) in out
    assert out.endswith("False, True)")


def test_production_settings_refuse_the_default_secret_key():
    with pytest.raises(subprocess.CalledProcessError) as excinfo:
        _settings_in_subprocess("cms.settings.production", {}, "s.SECRET_KEY")
    assert "Set SECRET_KEY" in excinfo.value.stderr


def test_celery_is_configured_for_safe_retries():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT > 0


@pytest.mark.django_db
def test_tests_run_on_postgresql():
    assert connection.vendor == "postgresql"


def test_celery_task_round_trips_through_redis(celery_worker):
    from enterprises.tasks import ping

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    result = ping.delay("hello")
    assert result.get(timeout=30) == "pong:hello"


@pytest.mark.django_db
def test_enterprise_create_builds_site_home_collection_groups_and_root_department():
    enterprise = enterprise_create(name="Gamma Co", slug="gamma", hostname="gamma.example")

    site = Site.objects.get(hostname="gamma.example")
    assert enterprise.site == site
    assert site.root_page.specific.__class__.__name__ == "MicrositeHomePage"
    assert enterprise.collection.name == "Gamma Co"
    roles = set(enterprise.role_groups.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    admin_group = enterprise.role_groups.get(role=Role.ADMIN).group
    assert GroupPagePermission.objects.filter(group=admin_group, page=site.root_page).exists()
    assert GroupCollectionPermission.objects.filter(
        group=admin_group, collection=enterprise.collection
    ).exists()
    assert admin_group.permissions.filter(codename="access_admin").exists()
    assert Department.get_root_nodes().filter(enterprise=enterprise).count() == 1


@pytest.mark.django_db
def test_member_add_gives_one_role_group_and_salesperson_profile(enterprise_a):
    user = make_member(enterprise_a, Role.SALESPERSON, username="sam")
    assert Membership.objects.get(user=user).role == Role.SALESPERSON
    assert list(user.groups.values_list("enterprise_role__role", flat=True)) == ["salesperson"]
    assert Salesperson.objects.get(user=user).department.is_root()


@pytest.mark.django_db
def test_request_enterprise_comes_from_key_then_hostname(rf, enterprise_a, enterprise_b):
    by_key = rf.get("/graphql/", HTTP_X_ENTERPRISE_KEY=enterprise_b.public_key, HTTP_HOST="alpha.test")
    assert enterprise_for_request(by_key) == enterprise_b
    by_host = rf.get("/graphql/", HTTP_HOST="alpha.test")
    assert enterprise_for_request(by_host) == enterprise_a
    bad_key = rf.get("/graphql/", HTTP_X_ENTERPRISE_KEY="nope", HTTP_HOST="alpha.test")
    assert enterprise_for_request(bad_key) is None


# --- tenancy in the Wagtail admin: real HTTP requests ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.SALESPERSON])
def test_user_of_a_cannot_open_pages_images_or_documents_of_b(login, enterprise_a, enterprise_b, role):
    user = make_member(enterprise_a, role)
    image_b = make_image(enterprise_b, title="beta-secret-image")
    document_b = make_document(enterprise_b, title="beta-secret-doc")
    home_b = enterprise_b.site.root_page
    client = login(user)

    for url in [
        f"/admin/pages/{home_b.pk}/edit/",
        f"/admin/pages/{home_b.pk}/",
        f"/admin/pages/{home_b.pk}/add_subpage/",
        f"/admin/images/{image_b.pk}/",
        f"/admin/images/{image_b.pk}/delete/",
        f"/admin/documents/edit/{document_b.pk}/",
        f"/admin/documents/delete/{document_b.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert b"beta-secret" not in response.content, url

    for url in ["/admin/images/", "/admin/documents/", "/admin/images/chooser/", "/admin/documents/chooser/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"beta-secret" not in response.content, url


@pytest.mark.django_db
def test_admin_of_a_can_edit_own_home_page(login, admin_a, enterprise_a):
    response = login(admin_a).get(f"/admin/pages/{enterprise_a.site.root_page.pk}/edit/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_of_a_sees_own_images_but_not_bs(login, admin_a, enterprise_a, enterprise_b):
    make_image(enterprise_a, title="alpha-own-image")
    make_image(enterprise_b, title="beta-secret-image")
    response = login(admin_a).get("/admin/images/")
    assert b"alpha-own-image" in response.content
    assert b"beta-secret-image" not in response.content


@pytest.mark.django_db
def test_enterprise_admin_cannot_manage_enterprises_or_users(login, admin_a):
    client = login(admin_a)
    assert client.get("/admin/enterprises/").status_code in (302, 403)
    assert client.get("/admin/users/").status_code in (302, 403)
    assert client.get("/admin/groups/").status_code in (302, 403)


@pytest.mark.django_db
def test_platform_staff_manage_enterprises(client, enterprise_a, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.login(username="root", password="pw")
    response = client.get("/admin/enterprises/")
    assert response.status_code == 200
    assert b"Alpha Co" in response.content


# --- demo data ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_data():
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    counts = _counts()
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert _counts() == counts
    assert counts["enterprises"] == 1
    assert counts["salespeople"] >= 3


def _counts() -> dict[str, int]:
    from django.apps import apps

    counts = {
        "enterprises": Enterprise.objects.count(),
        "salespeople": Salesperson.objects.count(),
        "groups": Group.objects.count(),
        "sites": Site.objects.count(),
    }
    for model in apps.get_models():
        if model._meta.app_label in {
            "enterprises",
            "microsites",
            "articles",
            "cards",
            "posters",
            "leadforms",
            "salesfiles",
            "products",
            "trackers",
            "crm",
            "wechat",
            "wagtailcore",
            "wagtailimages",
            "wagtaildocs",
        }:
            if model._meta.label in {
                "wagtailcore.PageLogEntry",
                "wagtailcore.ModelLogEntry",
                "wagtailcore.ReferenceIndex",
            }:
                continue
            counts[model._meta.label] = model._default_manager.count()
    return counts
