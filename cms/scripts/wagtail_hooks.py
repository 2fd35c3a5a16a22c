from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from enterprises.selectors import scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet

from .models import SalesScript, ScriptGroup


class ScriptGroupViewSet(EnterpriseSnippetViewSet):
    model = ScriptGroup
    icon = "folder-open-inverse"
    list_display = ["name", "sort_order"]
    panels = [FieldPanel("name"), FieldPanel("sort_order")]


class SalesScriptViewSet(EnterpriseSnippetViewSet):
    """Admins see the whole library; a salesperson sees the enterprise library and their own."""

    model = SalesScript
    icon = "openquote"
    list_display = ["title", "group", "owner", "use_count", "created_at"]
    list_filter = ["group"]
    search_fields = ["title", "text"]
    personal_owner_field = "owner"
    panels = [FieldPanel("title"), FieldPanel("group"), FieldPanel("text"), FieldPanel("image")]

    def scoped_queryset(self, request):
        scope = scope_for_user(request.user)
        scripts = scope.filter_enterprise(SalesScript.objects.all())
        if scope.sees_whole_enterprise:
            return scripts
        return scripts.filter(Q(owner__isnull=True) | Q(owner_id=scope.salesperson_id))

    def editable_queryset(self, request):
        """Salespeople read the shared library but change only their own scripts."""
        scope = scope_for_user(request.user)
        scripts = self.scoped_queryset(request)
        return scripts if scope.sees_whole_enterprise else scripts.filter(owner_id=scope.salesperson_id)


class SalesScriptGroup(SnippetViewSetGroup):
    items = (SalesScriptViewSet, ScriptGroupViewSet)
    menu_icon = "openquote"
    menu_label = _("Sales scripts")
    menu_name = "sales-scripts"


register_snippet(SalesScriptGroup)
