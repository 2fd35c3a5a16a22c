"""SITE-1..4: the microsite home, the five-page navigation limit, the shelf, and admin tenancy."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sites.models import MAX_NAV_PAGES, MicrositeHomePage, MicrositeNavPage, PhonePolicy
from sites.selectors import microsite_for, microsite_nav_pages
from sites.services import microsite_set_shelf


def home_of(enterprise) -> MicrositeHomePage:
    return MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)


def add_nav(home, n):
    page = home.add_child(instance=MicrositeNavPage(title=f"Nav {n}", slug=f"nav-{n}"))
    page.save_revision().publish()
    return page


def test_a_microsite_has_at_most_five_navigation_pages(enterprise_a):
    home = home_of(enterprise_a)
    for n in range(MAX_NAV_PAGES):
        add_nav(home, n)
    # the editor no longer offers the type
    assert not MicrositeNavPage.can_create_at(home)
    # and a sixth is refused with a clear message
    with pytest.raises(ValidationError, match="at most 5 navigation pages"):
        add_nav(home, 6)
    assert MicrositeNavPage.objects.child_of(home).count() == MAX_NAV_PAGES
    # editing an existing one is still fine
    first = MicrositeNavPage.objects.child_of(home).first()
    first.title = "Renamed"
    first.save()


def test_the_five_page_limit_in_the_editor(login, admin_a, enterprise_a):
    home = home_of(enterprise_a)
    for n in range(MAX_NAV_PAGES):
        add_nav(home, n)
    client = login(admin_a)
    response = client.post(
        f"/admin/pages/add/microsites/micrositenavpage/{home.pk}/",
        {"title": "Sixth", "slug": "sixth", "body-count": "0", "share_description": ""},
    )
    # Wagtail refuses the type at this parent (it is no longer creatable) - nothing is created
    assert response.status_code in (302, 403)
    assert MicrositeNavPage.objects.child_of(home).count() == MAX_NAV_PAGES


def test_nav_pages_have_icon_share_description_and_body(enterprise_a):
    home = home_of(enterprise_a)
    page = home.add_child(
        instance=MicrositeNavPage(
            title="About",
            slug="about",
            share_description="Who we are",
            body=[{"type": "title_bar", "value": {"title": "About us"}}],
        )
    )
    page.save_revision().publish()
    assert list(microsite_nav_pages(home=home)) == [page]
    assert page.body[0].value["title"] == "About us"


def test_home_settings_are_validated(enterprise_a):
    home = home_of(enterprise_a)
    home.theme_colour = "red; background:url(x)"
    with pytest.raises(ValidationError):
        home.full_clean()
    home.theme_colour = "#ff0000"
    home.phone_policy = PhonePolicy.ON_CONSULT
    home.full_clean()


def test_taking_the_microsite_off_the_shelf_hides_it_without_unpublishing(client, settings, enterprise_a):
    settings.ALLOWED_HOSTS = ["alpha.test"]
    home = home_of(enterprise_a)
    home.title = "Alpha home"
    home.save_revision().publish()
    nav = add_nav(home, 1)
    host = {"HTTP_HOST": "alpha.test"}
    assert client.get("/", **host).status_code == 200
    assert client.get(nav.url_path.replace(home.url_path, "/"), **host).status_code == 200

    # when taken off the shelf
    microsite_set_shelf(home=home, on_shelf=False)
    # then visitors cannot open it, the pages stay live and the API sees nothing
    assert client.get("/", **host).status_code == 404
    assert client.get("/nav-1/", **host).status_code == 404
    home.refresh_from_db()
    assert home.live and MicrositeNavPage.objects.get(pk=nav.pk).live
    assert microsite_for(enterprise=enterprise_a) is None

    # and publishing an older revision does not put it back on the shelf
    home.get_latest_revision().publish()
    home.refresh_from_db()
    assert home.is_on_shelf is False

    # when put back, everything is as it was
    microsite_set_shelf(home=home, on_shelf=True)
    assert client.get("/", **host).status_code == 200
    assert b"Alpha home" in client.get("/", **host).content
    assert microsite_for(enterprise=enterprise_a).pk == home.pk


def test_the_shelf_action_in_the_admin(login, admin_a, enterprise_a):
    home = home_of(enterprise_a)
    client = login(admin_a)
    assert client.get(f"/admin/microsite/{home.pk}/shelf/").status_code == 200
    response = client.post(f"/admin/microsite/{home.pk}/shelf/", {"on_shelf": "0"})
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.is_on_shelf is False


@pytest.mark.parametrize("who", ["admin_b", "salesperson_b", "salesperson_a"])
def test_others_cannot_toggle_the_shelf(who, request, login, enterprise_a):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    home = home_of(enterprise_a)
    response = login(user).post(f"/admin/microsite/{home.pk}/shelf/", {"on_shelf": "0"})
    assert response.status_code in (302, 403)
    home.refresh_from_db()
    assert home.is_on_shelf is True


@pytest.mark.parametrize("who", ["admin_b", "salesperson_b"])
def test_enterprise_b_cannot_see_or_edit_a_microsite(who, request, login, enterprise_a):
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    home = home_of(enterprise_a)
    home.title = "Alpha secret home"
    home.save_revision().publish()
    nav = add_nav(home, 1)
    client = login(user)
    for url in (f"/admin/pages/{home.pk}/edit/", f"/admin/pages/{nav.pk}/edit/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert b"Alpha secret home" not in response.content
    response = client.post(f"/admin/pages/{nav.pk}/edit/", {"title": "hacked", "slug": "nav-1"})
    assert response.status_code in (302, 403)
    assert MicrositeNavPage.objects.get(pk=nav.pk).title == "Nav 1"
    explorer = client.get(f"/admin/pages/{home.pk}/")
    assert b"Nav 1" not in explorer.content
    chooser = client.get("/admin/choose-page/", {"q": "Nav"})
    assert b"Nav 1" not in chooser.content


def test_demo_seed_builds_microsite_and_libraries_idempotently(
    enterprise_a, admin_a, salesperson_a, other_salesperson_a
):
    from cms.articles import demo as articles_demo
    from cms.articles.models import ArticleCategory, ArticlePage, Library
    from cms.files import demo as files_demo
    from cms.leadforms import demo as leadforms_demo
    from cms.products import demo as products_demo
    from enterprises.demo import DemoContext
    from sites import demo as sites_demo

    context = DemoContext(
        enterprise=enterprise_a, admin=admin_a, salespeople=[salesperson_a, other_salesperson_a]
    )

    def seed():
        for module in (sites_demo, products_demo, files_demo, leadforms_demo, articles_demo):
            module.seed_content(context)

    seed()
    home = home_of(enterprise_a)
    navs = list(MicrositeNavPage.objects.child_of(home))
    assert len(navs) == 5
    used = {block.block_type for page in [home.specific, *navs] for block in page.body}
    assert used == {
        "carousel",
        "title_bar",
        "divider",
        "rich_text",
        "image",
        "video",
        "articles",
        "file",
        "form",
        "products",
        "contact",
    }
    assert ArticleCategory.objects.filter(enterprise=enterprise_a).count() == 3
    visible = (
        ArticlePage.objects.filter(enterprise=enterprise_a).count()
        + ArticlePage.objects.filter(library=Library.PLATFORM).count()
    )
    assert visible == 12
    counts = (
        ArticlePage.objects.count(),
        MicrositeNavPage.objects.count(),
        home.specific.get_latest_revision().pk,
    )
    seed()
    assert (
        ArticlePage.objects.count(),
        MicrositeNavPage.objects.count(),
        home_of(enterprise_a).get_latest_revision().pk,
    ) == counts
