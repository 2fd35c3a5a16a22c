from django.db.models import Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet

from cms.products.forms import EnterpriseChoicesForm
from enterprises.selectors import scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet

from . import views
from .models import PosterTemplate


class PosterTemplateViewSet(EnterpriseSnippetViewSet):
    """Platform, enterprise and personal ("mine") libraries, each editable only by its owner."""

    model = PosterTemplate
    icon = "image"
    menu_label = _("Poster templates")
    add_to_admin_menu = True
    menu_order = 330
    list_display = ["name", "theme", "library", "is_active", "updated_at"]
    list_filter = ["theme", "is_active"]
    search_fields = ["name", "caption"]
    personal_owner_field = "owner"
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("theme"), FieldPanel("is_active")]),
            FieldPanel("background"),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("qr_x"), FieldPanel("qr_y"), FieldPanel("qr_size")])],
                heading=_("QR code (pixels of the background)"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("show_avatar"),
                    FieldRowPanel(
                        [
                            FieldPanel("avatar_x"),
                            FieldPanel("avatar_y"),
                            FieldPanel("avatar_size"),
                        ]
                    ),
                ],
                heading=_("Salesperson photo"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("show_name"),
                    FieldRowPanel(
                        [
                            FieldPanel("name_x"),
                            FieldPanel("name_y"),
                            FieldPanel("name_size"),
                            FieldPanel("name_colour"),
                        ]
                    ),
                ],
                heading=_("Salesperson name"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("caption"),
                    FieldRowPanel(
                        [
                            FieldPanel("caption_x"),
                            FieldPanel("caption_y"),
                            FieldPanel("caption_size"),
                            FieldPanel("caption_colour"),
                        ]
                    ),
                ],
                heading=_("Caption"),
            ),
        ],
        base_form_class=EnterpriseChoicesForm,
    )

    def scoped_queryset(self, request):
        scope = scope_for_user(request.user)
        templates = PosterTemplate.objects.select_related("enterprise", "owner")
        if scope.is_platform:
            return templates
        mine = Q(enterprise_id=scope.enterprise_id) & (
            Q(owner__isnull=True) | Q(owner_id=scope.salesperson_id)
            if not scope.sees_whole_enterprise
            else Q()
        )
        return templates.filter(Q(enterprise__isnull=True) | mine)

    def editable_queryset(self, request):
        scope = scope_for_user(request.user)
        templates = self.scoped_queryset(request)
        if scope.is_platform:
            return templates
        if scope.sees_whole_enterprise:
            return templates.filter(enterprise_id=scope.enterprise_id)
        return templates.filter(enterprise_id=scope.enterprise_id, owner_id=scope.salesperson_id)


register_snippet(PosterTemplateViewSet)


@hooks.register("register_admin_urls")
def register_urls():
    return [path("posters/generate/", views.poster_generate, name="posters_generate")]
