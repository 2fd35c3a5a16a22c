"""Admin URL and export matrix generated from the URL conf, on objects of the demo enterprise A.

Every URL under ``admin/`` (and the preview-token URL) whose view lives in one of our apps is found by
walking the resolver: the snippet viewsets of crm/, trackers/, wechat/, mall/, cms.* (edit, delete,
history, usage, copy, inspect, choosers) and every ``register_admin_urls`` view (data center, CRM lead
screens, imports, WeChat screens, mall), including exports and downloads as they land. URLs without
arguments are covered automatically (and listings once more with ``?export=csv``); a URL with
arguments needs a builder in ``ARGS`` (snippet URLs get the model's first object of A), and
``test_every_admin_url_with_arguments_has_a_builder`` fails when one is missing.

Actors: anonymous, salesperson of A (carol), other salesperson of A (bob), admin of A, admin of B.
On every response: no 500, no marker the actor may not see (a salesperson never gets another
salesperson's CRM rows). On A's objects: anonymous goes to login, B's admin is refused (302/403/404),
bob is refused on carol's leads/visitor/chat, and A's admin gets through (the control). Denied POSTs
to URLs with arguments change nothing.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.matrix_world import ADMIN_A, ADMIN_B, MARKERS, SALES_A, SALES_A2, World, seeded_world

ANON = "anonymous"
ADMIN_ACTORS = [ANON, SALES_A, SALES_A2, ADMIN_A, ADMIN_B]
OUR_MODULES = ("crm", "trackers", "wechat", "mall", "enterprises", "cms", "sites", "blocks", "api", "h5")
REFUSED = {302, 403, 404, 405}


@pytest.fixture(scope="module")
def module_media(tmp_path_factory):
    return tmp_path_factory.mktemp("admin-matrix-media")


@pytest.fixture(autouse=True)
def _media_root(settings, module_media):
    settings.MEDIA_ROOT = module_media


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_media):
    yield from seeded_world(django_db_blocker, module_media)


# --- the URL conf ------------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace and (
                f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            )
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            view = getattr(pattern.callback, "view_class", pattern.callback)
            module = getattr(view, "__module__", "") or ""
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name, module, list(pattern.pattern.regex.groupindex)


def project_admin_urls() -> list[tuple[str, str, list[str]]]:
    """(route, URL name, argument names) of every admin URL served by our apps."""
    seen, urls = set(), []
    for route, name, module, params in _walk(get_resolver().url_patterns):
        if not module.startswith(OUR_MODULES) or not (
            route.startswith("admin/") or name == "api:preview-token"
        ):
            continue
        if name not in seen:
            seen.add(name)
            urls.append((route, name, params))
    return urls


SNIPPET_NS = re.compile(r"^wagtailsnippet(?:s|choosers)_(?P<app>[a-z0-9]+)_(?P<model>[a-z0-9]+):")


def _snippet_model(name: str):
    match = SNIPPET_NS.match(name)
    return apps.get_model(match["app"], match["model"]) if match else None


# Objects of A for URLs with arguments. carol's (SALES_A) objects make the per-salesperson wall testable.
ARGS = {
    "microsite_shelf": lambda w: {"pk": w.home.pk},
    "articles_copy_hot": lambda w: {"pk": _platform_article(w).pk},
    "articles_sync": lambda w: {"pk": w.article.pk},
    "trackers_content_detail": lambda w: {"kind": "card", "target_id": w.users[SALES_A].salesperson.pk},
    "trackers_visitor": lambda w: {"visitor_id": w.visitor_a.pk},
    "crm_import_status": lambda w: {"job_id": _import_job(w).pk},
    "crm_import_progress": lambda w: {"job_id": _import_job(w).pk},
    "crm_import_file": lambda w: {"job_id": _import_job_with_file(w).pk},
    "crm_collision_resolve": lambda w: _collision(w),
    "crm_visitor_open": lambda w: {"visitor_id": w.visitor_a.pk},
    "crm_visitor_add_to_pool": lambda w: {"visitor_id": w.visitor_a.pk},
    "wechat_mass_detail": lambda w: {"pk": _mass_message(w).pk},
    "wechat_chat_detail": lambda w: {"pk": w.conversation.pk},
    "api:preview-token": lambda w: {"page_id": w.nav_page.pk},
}
# Not objects of A: a platform hot article any enterprise may copy; per-item statistics filtered by
# the caller's scope (B's admin gets an empty page for A's item - checked by the markers and links).
SHARED = {"articles_copy_hot", "trackers_content_detail"}
# Read-only by design (orders come from the mall): A's admin is refused too.
READ_ONLY = {f"wagtailsnippets_mall_mallorder:{view}" for view in ("edit", "delete", "copy")}
LEAD_ARG = "lead_id"  # every crm_lead_* screen: carol's customer
# URLs on carol's own objects: bob (same enterprise) must be refused too.
PERSONAL = re.compile(
    r"^(crm_lead_|crm_visitor_open|crm_visitor_add_to_pool|trackers_visitor|wechat_chat_detail)"
)


def _platform_article(w: World):
    from cms.articles.models import ArticlePage, Library

    article = ArticlePage.objects.live().filter(library=Library.PLATFORM).first()
    if article is None:
        pytest.skip("the demo has no platform hot article")
    return article


def _import_job(w: World):
    from crm.models import ImportJob

    job = ImportJob.objects.filter(enterprise=w.a).first()
    return job or ImportJob.objects.create(
        enterprise=w.a, created_by=w.users[ADMIN_A], file="crm/imports/x.csv"
    )


def _import_job_with_file(w: World):
    """The upload download needs the stored file itself (it is served from private storage)."""
    from django.core.files.base import ContentFile

    job = _import_job(w)
    if not job.file or not job.file.storage.exists(job.file.name):
        job.file.save("matrix.csv", ContentFile(b"name,phone\n"), save=True)
    return job


def _collision(w: World):
    from crm.models import Collision

    collision = Collision.objects.filter(enterprise=w.a, resolved_at__isnull=True).first()
    if collision is None:
        collision = Collision.objects.create(
            enterprise=w.a, phone="13999000101", lead=w.lead_s1, other_lead=w.lead_s2
        )
    return {"collision_id": collision.pk, "keep_id": collision.lead_id}


def _mass_message(w: World):
    from wechat.models import MassMessage

    message = MassMessage.objects.filter(enterprise=w.a).first()
    return message or MassMessage.objects.create(enterprise=w.a, content="matrix mass message")


def url_kwargs(world: World, name: str, params: list[str]) -> dict | None:
    """Arguments naming an object of A, or None when the demo has no object for a snippet URL."""
    if not params:
        return {}
    model = _snippet_model(name)
    if model is not None:
        field = "enterprise" if any(f.name == "enterprise" for f in model._meta.fields) else None
        objects = model.objects.filter(enterprise=world.a) if field else model.objects.none()
        obj = objects.order_by("pk").first()
        return None if obj is None else {params[0]: obj.pk}
    if params == [LEAD_ARG]:
        return {LEAD_ARG: world.lead_s1.pk}
    return ARGS[name](world)


# --- acting ------------------------------------------------------------------------------------


def _as(client, world: World, actor: str):
    client.logout()
    if actor != ANON:
        client.force_login(world.users[actor])
    return client


def _personal_links(world: World) -> list[str]:
    """Admin links to carol's own customer and visitor: neither bob nor B's admin may be shown them."""
    return [
        reverse("crm_lead_detail", kwargs={"lead_id": world.lead_s1.pk}),
        reverse("crm_visitor_open", kwargs={"visitor_id": world.visitor_a.pk}),
        reverse("trackers_visitor", kwargs={"visitor_id": world.visitor_a.pk}),
    ]


def _check_markers(world: World, actor: str, url: str, response) -> None:
    assert response.status_code < 500, (actor, url, response.status_code)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    assert "Traceback" not in body, (actor, url)
    for marker, allowed in MARKERS.items():
        assert actor in allowed or marker not in body, f"{actor} got {marker} from {url}"
    if actor in (SALES_A2, ADMIN_B):
        for link in _personal_links(world):
            assert f'"{link}' not in body, f"{actor} was shown {link} on {url}"


def _state(world: World) -> tuple:
    """What a denied POST must not change: row counts of our apps' tables and A's marked rows."""
    from django.forms.models import model_to_dict
    from wagtail.models import Page

    counts = tuple(
        model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"crm", "trackers", "wechat", "cards", "mall"} and not model._meta.proxy
    ) + (Page.objects.count(), Page.objects.filter(live=True).count())
    rows = tuple(
        tuple(sorted(model_to_dict(type(obj).objects.get(pk=obj.pk)).items(), key=lambda kv: kv[0]))
        for obj in (world.lead_s1, world.lead_s2, world.task_s1, world.visitor_a, world.conversation)
    )
    return counts, repr(rows)


# --- tests -------------------------------------------------------------------------------------


def test_every_admin_url_with_arguments_has_a_builder():
    urls = project_admin_urls()
    assert len(urls) >= 40, "the resolver walk should find the project's admin URLs"
    missing = [
        name
        for _, name, params in urls
        if params and _snippet_model(name) is None and params != [LEAD_ARG] and name not in ARGS
    ]
    assert not missing, f"add argument builders to ARGS in {__file__}: {missing}"


def _cases():
    return [(name, params) for _, name, params in project_admin_urls()]


@pytest.mark.django_db
@pytest.mark.parametrize("name,params", _cases(), ids=[c[0] for c in _cases()])
def test_admin_url_matrix(client, world, name, params):
    kwargs = url_kwargs(world, name, params)
    if kwargs is None:
        pytest.skip(f"the demo has no object of A for {name}")
    url = reverse(name, kwargs=kwargs)
    variants = [url]
    if not params and (name.endswith(":list") or "export" in name or name.endswith(":index")):
        variants.append(url + "?export=csv")
    for target in variants:
        for actor in ADMIN_ACTORS:
            response = _as(client, world, actor).get(target)
            _check_markers(world, actor, target, response)
            if actor == ANON:
                assert response.status_code in REFUSED, (target, response.status_code)
                if response.status_code == 302:
                    assert "login" in response["Location"], (target, response["Location"])
            if not params:
                continue
            # on an object of A
            if name in SHARED:
                continue
            if actor == ADMIN_B:
                assert response.status_code in REFUSED, (target, actor, response.status_code)
            if actor == SALES_A2 and PERSONAL.match(name):
                assert response.status_code in REFUSED, (target, actor, response.status_code)
            if actor == ADMIN_A and name not in READ_ONLY:
                assert response.status_code in (200, 302, 405), (target, actor, response.status_code)
                if response.status_code == 302:
                    assert "login" not in response["Location"], (target, response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize("name,params", [c for c in _cases() if c[1]], ids=[c[0] for c in _cases() if c[1]])
def test_denied_posts_change_nothing(client, world, name, params):
    """POSTs (delete, copy, release, resolve, add to pool…) by B's admin, anonymous and bob change nothing."""
    kwargs = url_kwargs(world, name, params)
    if kwargs is None:
        pytest.skip(f"the demo has no object of A for {name}")
    url = reverse(name, kwargs=kwargs)
    if name in SHARED or ":chosen" in name:
        pytest.skip("not an object of A / a chooser's read-only view")
    denied = [ANON, ADMIN_B] + ([SALES_A2] if PERSONAL.match(name) else [])
    for actor in denied:
        before = _state(world)
        response = _as(client, world, actor).post(
            url, data={"on_shelf": "0", "pool": "public", "reason": "x"}
        )
        _check_markers(world, actor, url, response)
        assert response.status_code in REFUSED, (url, actor, response.status_code)
        assert _state(world) == before, f"{actor} changed data through POST {url}"


@pytest.mark.django_db
def test_admin_b_listings_never_show_objects_of_a(client, world):
    """B's admin opens every snippet listing and chooser: no identifying string of A's objects appears."""
    checked = 0
    _as(client, world, ADMIN_B)
    for _, name, params in project_admin_urls():
        model = _snippet_model(name)
        if params or model is None or not any(f.name == "enterprise" for f in model._meta.fields):
            continue
        labels = [str(o) for o in model.objects.filter(enterprise=world.a)[:5] if len(str(o)) >= 8]
        if not labels:
            continue
        body = client.get(reverse(name)).content.decode(errors="replace")
        for label in labels:
            assert label not in body, (name, label)
        checked += 1
    assert checked >= 5, "the demo should give listings to check"


# --- Wagtail's own admin URLs (issue 18, hole 4) ------------------------------------------------
#
# The same resolver walk, for the views Wagtail itself serves under admin/ (pages, reports and their
# exports, choosers, images, documents, forms, users, workflows…). B's admin and bob act on them,
# with A's objects where a URL takes arguments; A's page titles and usernames must never reach B,
# and the site history (and its export) never shows a salesperson a colleague's actions.

CORE_PAGE_PARAMS = {"page_id", "parent_page_id", "page_to_move_id"}


def wagtail_core_admin_urls() -> list[tuple[str, str, list[str]]]:
    """(route, URL name, argument names) of every admin URL whose view is Wagtail's own."""
    seen, urls = set(), []
    for route, name, module, params in _walk(get_resolver().url_patterns):
        if not module.startswith("wagtail.") or not route.startswith("admin/") or name in seen:
            continue
        if SNIPPET_NS.match(name):
            continue  # our snippet viewsets: the matrix above
        seen.add(name)
        urls.append((route, name, params))
    return urls


def core_url_kwargs(world: World, name: str, params: list[str]) -> dict | None:
    """A's page, image or document for the URL's arguments; None when the URL takes another kind."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    namespace = name.split(":", 1)[0]
    kwargs = {}
    for param in params:
        if param in CORE_PAGE_PARAMS or (
            param == "pk" and namespace in ("wagtailadmin_pages", "wagtailforms")
        ):
            kwargs[param] = world.home.pk if param == "parent_page_id" else world.nav_page.pk
        elif param == "image_id" or (param == "pk" and namespace.startswith("wagtailimages")):
            image = get_image_model().objects.filter(collection=world.a.collection).first()
            if image is None:
                return None
            kwargs[param] = image.pk
        elif param == "document_id" or (param == "pk" and namespace.startswith("wagtaildocs")):
            document = get_document_model().objects.filter(collection=world.a.collection).first()
            if document is None:
                return None
            kwargs[param] = document.pk
        else:
            return None
    return kwargs


def _a_strings(world: World) -> list[re.Pattern]:
    """What identifies A: its page titles, its people's usernames and its name (whole words)."""
    titles = [world.a.name, world.home.title, world.nav_page.title, world.article.title, world.form.title]
    usernames = [world.users[ADMIN_A].username, world.users[SALES_A].username, world.users[SALES_A2].username]
    return [
        re.compile(rf"(?<![\w-]){re.escape(text)}(?![\w-])")
        for text in dict.fromkeys(titles + usernames)
        if text
    ]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.django_db
def test_wagtail_core_admin_urls_never_show_a_to_b(client, world):
    """Every Wagtail core admin URL (and listing exports) as B's admin and as bob: no 500, no A title or
    username for B, and in the site history (and its export) nothing of carol's for bob."""
    from wagtail.log_actions import log

    admin_a, carol = world.users[ADMIN_A], world.users[SALES_A]
    for user in (admin_a, carol):
        log(instance=world.nav_page, action="wagtail.edit", user=user)
    urls = wagtail_core_admin_urls()
    assert len(urls) >= 100, "the resolver walk should find Wagtail's admin URLs"
    a_strings = _a_strings(world)
    carol_name = re.compile(rf"(?<![\w-]){re.escape(carol.username)}(?![\w-])")
    checked, skipped, refused, leaks = 0, [], 0, []
    for _, name, params in urls:
        kwargs = core_url_kwargs(world, name, params)
        if kwargs is None:
            skipped.append(name)
            continue
        url = reverse(name, kwargs=kwargs)
        variants = [url] + ([url + "?export=csv"] if name.startswith("wagtailadmin_reports:") else [])
        for target in variants:
            for actor in (ADMIN_B, SALES_A2):
                response = _as(client, world, actor).get(target)
                _check_markers(world, actor, target, response)
                body = _body(response)
                if actor == ADMIN_B:
                    leaked = [p.pattern for p in a_strings if p.search(body)]
                    if leaked:
                        leaks.append(f"B's admin got {leaked} from {target}")
                    refused += params != [] and response.status_code in REFUSED
                elif "site_history" in name and carol_name.search(body):
                    leaks.append(f"bob got carol's history from {target}")
                checked += 1
    print(
        f"\nWagtail core admin URLs: {len(urls)}, requests {checked}, B refused on A's objects {refused}, "
        f"skipped (arguments of another kind) {len(skipped)}"
    )
    assert not leaks, "\n".join(leaks)
    assert checked >= 150
