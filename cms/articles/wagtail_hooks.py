"""Article admin: the library listing, categories/tags/settings snippets, import and copy actions."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.pages.listing import IndexView
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet

from enterprises.menu import EnterpriseMenuItem
from enterprises.models import Salesperson
from enterprises.selectors import scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet

from . import views
from .models import (
    ArticleCategory,
    ArticlePage,
    ArticleSettings,
    ArticleTag,
    Library,
    SalespersonArticleSettings,
)
from .selectors import article_share_counts, articles_visible_to


def _categories(request):
    return scope_for_user(request.user).filter_enterprise(ArticleCategory.objects.all())


def _owners(request):
    return scope_for_user(request.user).salespeople() if request else Salesperson.objects.none()


class ArticleFilterSet(WagtailFilterSet):
    """Filters by category, library, publish state and owner; choices limited to the user's enterprise."""

    categories = django_filters.ModelMultipleChoiceFilter(queryset=_categories, label=_("Category"))
    library = django_filters.ChoiceFilter(choices=Library.choices)
    live = django_filters.BooleanFilter(label=_("Published"))
    is_enabled = django_filters.BooleanFilter(label=_("Enabled"))
    owner_salesperson = django_filters.ModelChoiceFilter(queryset=_owners, label=_("Owner (salesperson)"))

    class Meta:
        model = ArticlePage
        fields = ["categories", "library", "live", "is_enabled", "owner_salesperson"]


class ShareCountColumn(Column):
    """Shares per article, read in one call for the page of results."""

    def get_value(self, instance):
        return getattr(instance, "_share_count", 0)


class ArticleIndexView(IndexView):
    """The three libraries in one flat list, scoped like every other read (articles_visible_to)."""

    def get_base_queryset(self):
        return self.annotate_queryset(
            articles_visible_to(scope_for_user(self.request.user)).filter(depth__gt=1)
        )

    def search_queryset(self, queryset):
        """Search only among the scoped, filtered rows, handed to the search backend as an id list.

        The backend can only filter on indexed fields: the scope (``library``, ``enterprise``) and
        the listing filters (category, owner…) are not, and answered a FilterFieldError (500).
        """
        if not self.is_searching:
            return queryset
        ids = list(queryset.order_by().values_list("pk", flat=True))
        candidates = self.annotate_queryset(ArticlePage.objects.filter(pk__in=ids))
        if not self.is_explicitly_ordered:
            return candidates.autocomplete(self.search_query, order_by_relevance=True)
        # A chosen column (library, owner, shares…) need not be indexed either: order in the database.
        found = [page.pk for page in candidates.autocomplete(self.search_query)]
        return queryset.filter(pk__in=found)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pages = list(context.get("object_list") or [])
        counts = article_share_counts(p.pk for p in pages)
        for p in pages:
            p._share_count = counts.get(p.pk, 0)
        return context


class ArticleLibraryViewSet(PageListingViewSet):
    model = ArticlePage
    icon = "doc-full"
    menu_label = _("Article libraries")
    add_to_admin_menu = True
    menu_order = 210
    name = "articles_library"
    index_view_class = ArticleIndexView
    filterset_class = ArticleFilterSet

    @cached_property
    def columns(self):
        return [
            *[
                c
                for c in IndexView.base_columns
                if c.name in ("title", "status", "latest_revision_created_at")
            ],
            Column("library", label=_("Library"), accessor="get_library_display"),
            Column(
                "owner_salesperson", label=_("Owner"), accessor=lambda p: p.owner_salesperson or "Enterprise"
            ),
            DateColumn("created_at", label=_("Created")),
            ShareCountColumn("share_count", label=_("Shares")),
        ]


library_viewset = ArticleLibraryViewSet()


@hooks.register("register_admin_viewset")
def register_library():
    return library_viewset


class ArticleCategoryViewSet(EnterpriseSnippetViewSet):
    model = ArticleCategory
    icon = "folder-open-inverse"
    menu_label = _("Article categories")
    list_display = ["name", "sort_order"]
    search_fields = ["name"]


class ArticleTagViewSet(EnterpriseSnippetViewSet):
    model = ArticleTag
    icon = "tag"
    menu_label = _("Article tags")
    list_display = ["name"]
    search_fields = ["name"]


class ArticleSettingsViewSet(EnterpriseSnippetViewSet):
    model = ArticleSettings
    icon = "cog"
    menu_label = _("Article settings")
    list_display = ["enterprise", "contact_position", "recommendation_mode"]


class SalespersonArticleSettingsViewSet(EnterpriseSnippetViewSet):
    model = SalespersonArticleSettings
    icon = "user"
    menu_label = _("My article settings")
    salesperson_field = "salesperson"
    list_display = ["salesperson", "contact_position"]


for viewset in (
    ArticleCategoryViewSet,
    ArticleTagViewSet,
    ArticleSettingsViewSet,
    SalespersonArticleSettingsViewSet,
):
    register_snippet(viewset)


@hooks.register("register_admin_urls")
def register_urls():
    return [
        path("articles/import/", views.article_import, name="articles_import"),
        path("articles/<int:pk>/copy-hot/", views.article_copy_hot, name="articles_copy_hot"),
        path("articles/<int:pk>/sync/", views.article_sync, name="articles_sync"),
    ]


@hooks.register("register_admin_menu_item")
def import_menu_item():
    return EnterpriseMenuItem(
        _("Import WeChat article"), reverse("articles_import"), icon_name="download", order=211
    )


@hooks.register("register_page_header_buttons")
@hooks.register("register_page_listing_more_buttons")
def article_buttons(page, user, next_url=None, view_name=None):
    if not isinstance(page.specific_deferred, ArticlePage):
        return
    article = page.specific_deferred
    if article.library == Library.PLATFORM and not user.is_superuser:
        yield ListingButton("Copy to my library", reverse("articles_copy_hot", args=[page.pk]), priority=10)
    salesperson = getattr(user, "salesperson", None)
    if salesperson is not None and article.owner_salesperson_id == salesperson.pk:
        yield ListingButton(
            "Sync to enterprise library", reverse("articles_sync", args=[page.pk]), priority=11
        )


def _page_scope_q(user) -> Q | None:
    """Pages a non-superuser may choose or explore: their enterprise's subtree and the platform library."""
    scope = scope_for_user(user)
    if scope.is_platform:
        return None
    from enterprises.models import Enterprise

    enterprise = Enterprise.objects.filter(pk=scope.enterprise_id).select_related("site__root_page").first()
    if enterprise is None:
        return Q(pk__in=[])
    root = enterprise.site.root_page
    q = Q(path__startswith=root.path)
    if not scope.sees_whole_enterprise:
        # Other salespeople's personal articles stay private.
        q &= ~Q(articlepage__library=Library.PERSONAL) | Q(
            articlepage__owner_salesperson_id=scope.salesperson_id
        )
    return q | Q(articlepage__library=Library.PLATFORM)


def _scope_pages(pages, user):
    q = _page_scope_q(user)
    if q is None:
        return pages
    # An id list (not a join) so the page search backend can apply it too.
    from wagtail.models import Page

    return pages.filter(pk__in=list(Page.objects.filter(q).values_list("pk", flat=True)))


@hooks.register("construct_page_chooser_queryset")
def scope_page_chooser(pages, request):
    return _scope_pages(pages, request.user)


@hooks.register("construct_explorer_page_queryset")
def scope_explorer(parent_page, pages, request):
    return _scope_pages(pages, request.user)


@hooks.register("after_create_page")
def mark_personal_article(request, page):
    """An article a salesperson writes in the editor belongs to their own library."""
    salesperson = getattr(request.user, "salesperson", None)
    specific = page.specific
    if (
        isinstance(specific, ArticlePage)
        and salesperson is not None
        and not scope_for_user(request.user).sees_whole_enterprise
        and specific.enterprise_id == salesperson.enterprise_id
        and specific.owner_salesperson_id is None
    ):
        ArticlePage.objects.filter(pk=specific.pk).update(
            owner_salesperson=salesperson, library=Library.PERSONAL
        )
