from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from cms.products.forms import EnterpriseChoicesForm
from enterprises.menu import EnterpriseMenuItem
from enterprises.selectors import scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet

from . import views
from .forms import CardForm
from .models import Card, CardTemplate


class CardViewSet(EnterpriseSnippetViewSet):
    """Admins see and edit every card of the enterprise; a salesperson edits only their own."""

    model = Card
    icon = "user"
    list_display = ["name", "title", "salesperson", "is_published", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["name", "title"]
    salesperson_field = "salesperson"
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("name"), FieldPanel("title")]),
                    FieldPanel("photo"),
                    FieldRowPanel([FieldPanel("phone"), FieldPanel("wechat_id"), FieldPanel("email")]),
                    FieldPanel("address"),
                ],
                heading=_("Contact"),
            ),
            FieldPanel("intro"),
            InlinePanel("tags", label=_("Tags")),
            FieldPanel("products"),
            InlinePanel("articles", label=_("Articles")),
            FieldPanel("content"),
            FieldPanel("is_published"),
        ],
        base_form_class=CardForm,
    )

    def editable_queryset(self, request):
        scope = scope_for_user(request.user)
        cards = self.scoped_queryset(request)
        return cards if scope.sees_whole_enterprise else cards.filter(salesperson_id=scope.salesperson_id)


class CardTemplateViewSet(EnterpriseSnippetViewSet):
    model = CardTemplate
    icon = "form"
    menu_label = _("Card template")
    list_display = ["__str__", "updated_at"]
    edit_handler = ObjectList(
        [
            InlinePanel("modules", label=_("Modules (rename, hide, drag to reorder)")),
            FieldPanel("enterprise_intro"),
            MultiFieldPanel(
                [
                    FieldPanel("default_intro"),
                    FieldPanel("default_tags"),
                    FieldPanel("default_products"),
                    FieldPanel("default_content"),
                ],
                heading=_("What new cards start with"),
            ),
        ],
        base_form_class=EnterpriseChoicesForm,
    )


class CardGroup(SnippetViewSetGroup):
    items = (CardViewSet, CardTemplateViewSet)
    menu_icon = "user"
    menu_label = _("Business cards")
    menu_name = "business-cards"
    menu_order = 300


register_snippet(CardGroup)


@hooks.register("register_admin_urls")
def register_urls():
    return [path("cards/template-apply/", views.template_apply, name="cards_template_apply")]


@hooks.register("register_settings_menu_item")
def template_apply_menu_item():
    return EnterpriseMenuItem(
        _("Copy card template"),
        reverse("cards_template_apply"),
        icon_name="copy",
        order=900,
        whole_enterprise=True,
        permission="cards.change_cardtemplate",
    )
