from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet

from enterprises.selectors import scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet

from .forms import SalesFileForm
from .models import SalesFile


class SalesFileViewSet(EnterpriseSnippetViewSet):
    """Admins manage the enterprise library; a salesperson sees it and manages their own files."""

    model = SalesFile
    icon = "doc-full-inverse"
    menu_label = _("Files")
    add_to_admin_menu = True
    menu_order = 320
    list_display = [
        "title",
        "kind",
        "owner",
        # "1.2 MB", not the bytes; sorted by the number
        Column("size_display", label=SalesFile._meta.get_field("size").verbose_name, sort_key="size"),
        "created_at",
    ]
    list_filter = ["kind"]
    search_fields = ["title", "description"]
    personal_owner_field = "owner"
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("kind"),
            FieldPanel("upload"),
            FieldPanel("document"),
            FieldPanel("image"),
            FieldPanel("cover"),
            FieldPanel("description"),
            FieldPanel("share_to_enterprise"),
        ],
        base_form_class=SalesFileForm,
    )

    def scoped_queryset(self, request):
        scope = scope_for_user(request.user)
        files = scope.filter_enterprise(SalesFile.objects.select_related("owner"))
        if scope.sees_whole_enterprise:
            return files
        return files.filter(Q(owner__isnull=True) | Q(owner_id=scope.salesperson_id))

    def editable_queryset(self, request):
        scope = scope_for_user(request.user)
        files = self.scoped_queryset(request)
        return files if scope.sees_whole_enterprise else files.filter(owner_id=scope.salesperson_id)


register_snippet(SalesFileViewSet)


@hooks.register("before_serve_document")
def guard_personal_documents(document, request):
    """A personal file's bytes only for its owner's scope or a signed share URL (issue 18)."""
    from django.http import Http404

    from .selectors import document_access_allowed

    if not document_access_allowed(document, request):
        raise Http404  # the same answer as a missing document: nothing to learn by probing
