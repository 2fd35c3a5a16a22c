"""CRM screens: every viewset scoped by enterprise and, for owned data, by salesperson scope."""

from __future__ import annotations

import datetime as dt

from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from cms.formats import cn_mobile_display
from enterprises.menu import EnterpriseMenuItem
from enterprises.selectors import scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet
from trackers.models import TargetKind

from . import admin_export, admin_leads, admin_views, admin_visitors, bulk_actions
from .models import Collision, FollowUp, Lead, MarketingTask, Tag, TagRule, Task


class DetailLinkColumn(Column):
    """Links each listing row to the lead page (timeline, follow-ups, actions)."""

    cell_template_name = "crm/tables/detail_link_cell.html"


class LeadViewSet(EnterpriseSnippetViewSet):
    model = Lead
    salesperson_field = "salesperson"
    icon = "user"
    menu_label = _("Leads & customers")
    list_display = [
        "__str__",
        DetailLinkColumn("detail", label=_("Detail")),
        Column("phone", label=_("phone"), accessor=lambda lead: cn_mobile_display(lead.phone)),
        "pool",
        "is_customer",
        "salesperson",
        "updated_at",
    ]
    list_filter = ["pool", "is_customer", "source"]
    # A salesperson's name finds their leads (substring, so Chinese names match in part).
    search_fields = ["name", "phone", "company", "salesperson__display_name"]
    panels = [
        FieldPanel(name)
        for name in ["name", "phone", "company", "pool", "pool_reason", "is_customer", "note", "tags"]
    ]


class FollowUpViewSet(EnterpriseSnippetViewSet):
    model = FollowUp
    salesperson_field = "salesperson"
    icon = "comment"
    list_display = ["lead", "status", "next_at", "salesperson", "created_at"]
    list_filter = ["status"]
    panels = [FieldPanel(name) for name in ["lead", "status", "content", "next_at"]]


class TaskViewSet(EnterpriseSnippetViewSet):
    model = Task
    salesperson_field = "salesperson"
    icon = "tasks"
    list_display = ["title", "salesperson", "status", "due_at", "lead"]
    list_filter = ["status", "personal"]
    search_fields = ["title"]
    panels = [
        FieldPanel(name) for name in ["title", "salesperson", "description", "due_at", "status", "lead"]
    ]


class TagViewSet(EnterpriseSnippetViewSet):
    model = Tag
    icon = "tag"
    list_display = ["group", "name", "automatic"]
    panels = [FieldPanel(name) for name in ["group", "name", "automatic"]]


class TagRuleViewSet(EnterpriseSnippetViewSet):
    """Automatic tag rules (CRM-5), admins only; applied by tracking hooks and a periodic scan."""

    model = TagRule
    icon = "tag"
    menu_label = _("Tag rules")
    list_display = ["__str__", "tag", "kind", "threshold", "is_active"]
    list_filter = ["kind", "is_active"]
    panels = [FieldPanel(name) for name in ["tag", "kind", "content_tag", "threshold", "is_active"]]

    def scoped_queryset(self, request):
        if not scope_for_user(request.user).sees_whole_enterprise:
            return self.model.objects.none()
        return super().scoped_queryset(request)


class CollisionViewSet(EnterpriseSnippetViewSet):
    model = Collision
    icon = "warning"
    list_display = ["phone", "lead", "other_lead", "created_at", "resolved_at"]
    panels = [FieldPanel(name) for name in ["resolution"]]

    def scoped_queryset(self, request):
        # Admins only: a salesperson must not learn the other side of a collision from here.
        if not scope_for_user(request.user).sees_whole_enterprise:
            return self.model.objects.none()
        return super().scoped_queryset(request)


class MarketingTaskViewSet(EnterpriseSnippetViewSet):
    model = MarketingTask

    def prepare_new_instance(self, request, instance) -> None:
        """发起任务: ``?article=<id>`` (the article's button) pre-fills the form with that article."""
        super().prepare_new_instance(request, instance)
        article = _article_for_task(request, instance.enterprise if instance.enterprise_id else None)
        if article is not None:
            now = timezone.now()
            instance.title = f"Share: {article.title}"[:120]
            instance.target_kind = TargetKind.ARTICLE
            instance.target_id = article.pk
            instance.starts_at = now
            instance.deadline = now + dt.timedelta(days=7)

    icon = "pick"
    list_display = ["title", "target_kind", "target_id", "deadline"]
    panels = [
        FieldPanel(name)
        for name in [
            "title",
            "target_kind",
            "target_id",
            "starts_at",
            "deadline",
            "target_shares",
            "target_views",
            "target_new_leads",
        ]
    ]


def AdminOnlyMenuItem(*args, **kwargs) -> EnterpriseMenuItem:  # noqa: N802 - reads as the class it was
    """A CRM screen for the enterprise's admins (the views' ``_admin_enterprise`` rule)."""
    return EnterpriseMenuItem(*args, whole_enterprise=True, **kwargs)


def _article_for_task(request, enterprise):
    """An article of the user's enterprise named by ``?article=<page id>`` (None otherwise)."""
    from cms.articles.models import ArticlePage

    raw = request.GET.get("article", "")
    if enterprise is None or not raw.isdigit():
        return None
    return ArticlePage.objects.filter(pk=int(raw), enterprise=enterprise).first()


class CrmGroup(SnippetViewSetGroup):
    menu_label = _("CRM")
    menu_icon = "group"
    menu_order = 250
    items = (
        LeadViewSet,
        FollowUpViewSet,
        TaskViewSet,
        TagViewSet,
        TagRuleViewSet,
        CollisionViewSet,
        MarketingTaskViewSet,
    )

    def get_submenu_items(self):
        """The snippet listings plus the CRM screens that are not snippets."""
        return [
            *super().get_submenu_items(),
            MenuItem(_("Visitors"), reverse_lazy("crm_visitors"), icon_name="view", order=900),
            MenuItem(_("Export leads"), reverse_lazy("crm_export"), icon_name="download", order=905),
            AdminOnlyMenuItem(
                _("Resolve collisions"), reverse_lazy("crm_collisions"), icon_name="warning", order=910
            ),
            AdminOnlyMenuItem(_("Assign leads"), reverse_lazy("crm_assign"), icon_name="user", order=920),
            AdminOnlyMenuItem(_("Import leads"), reverse_lazy("crm_import"), icon_name="upload", order=930),
            AdminOnlyMenuItem(
                _("Apply tag rules"), reverse_lazy("crm_tag_rules_apply"), icon_name="tag", order=940
            ),
        ]


register_snippet(CrmGroup)
hooks.register("register_bulk_action", bulk_actions.AssignBulkAction)
hooks.register("register_bulk_action", bulk_actions.ReleaseBulkAction)


def _marketing_task_button(page, user, priority: int):
    """The "create marketing task" button for articles of the user's enterprise (admins)."""
    from cms.articles.models import ArticlePage
    from enterprises.selectors import enterprise_for_user

    if page.specific_class is not ArticlePage or not user.has_perm("crm.add_marketingtask"):
        return []
    enterprise = enterprise_for_user(user)
    if enterprise is None or not ArticlePage.objects.filter(pk=page.pk, enterprise=enterprise).exists():
        return []
    url = reverse("wagtailsnippets_crm_marketingtask:add") + f"?article={page.pk}"
    return [
        Button(
            _("Marketing task"),
            url,
            icon_name="pick",
            attrs={"title": "Create an all-staff marketing task sharing this article"},
            priority=priority,
        )
    ]


@hooks.register("register_page_header_buttons")
def article_marketing_task_header_button(page, user, view_name=None, next_url=None):
    return _marketing_task_button(page, user, priority=75)


@hooks.register("register_page_listing_more_buttons")
def article_marketing_task_listing_button(page, user, next_url=None):
    return _marketing_task_button(page, user, priority=75)


@hooks.register("register_admin_urls")
def register_crm_urls():
    return [
        path("crm/import/", admin_views.lead_import_view, name="crm_import"),
        path("crm/assign/", admin_views.lead_assign_view, name="crm_assign"),
        path("crm/import/<int:job_id>/", admin_views.lead_import_status_view, name="crm_import_status"),
        path("crm/import/<int:job_id>/file/", admin_views.lead_import_file_view, name="crm_import_file"),
        path(
            "crm/import/<int:job_id>/progress/",
            admin_views.lead_import_progress_view,
            name="crm_import_progress",
        ),
        path("crm/leads/<int:lead_id>/", admin_leads.lead_detail_view, name="crm_lead_detail"),
        path(
            "crm/leads/<int:lead_id>/followup/",
            admin_leads.lead_followup_add_view,
            name="crm_lead_followup_add",
        ),
        path("crm/leads/<int:lead_id>/tags/", admin_leads.lead_tag_view, name="crm_lead_tag"),
        path("crm/leads/<int:lead_id>/release/", admin_leads.lead_release_view, name="crm_lead_release"),
        path("crm/leads/<int:lead_id>/move/", admin_leads.lead_move_view, name="crm_lead_move"),
        path("crm/leads/<int:lead_id>/convert/", admin_leads.lead_convert_view, name="crm_lead_convert"),
        path("crm/leads/<int:lead_id>/assign/", admin_leads.lead_assign_one_view, name="crm_lead_assign_one"),
        path("crm/leads/<int:lead_id>/merge/", admin_leads.lead_merge_view, name="crm_lead_merge"),
        path("crm/collisions/", admin_leads.collision_list_view, name="crm_collisions"),
        path("crm/export/", admin_export.lead_export_view, name="crm_export"),
        path("crm/visitors/", admin_visitors.visitor_list_view, name="crm_visitors"),
        path("crm/tag-rules/apply/", admin_views.tag_rules_apply_view, name="crm_tag_rules_apply"),
        path("crm/visitors/<int:visitor_id>/", admin_visitors.visitor_open_view, name="crm_visitor_open"),
        path(
            "crm/visitors/<int:visitor_id>/add-to-pool/",
            admin_visitors.visitor_add_to_pool_view,
            name="crm_visitor_add_to_pool",
        ),
        path(
            "crm/collisions/<int:collision_id>/keep/<int:keep_id>/",
            admin_leads.collision_resolve_view,
            name="crm_collision_resolve",
        ),
    ]
