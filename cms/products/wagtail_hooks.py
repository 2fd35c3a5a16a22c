from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet

from enterprises.viewsets import EnterpriseSnippetViewSet

from .forms import EnterpriseChoicesForm
from .models import Product


class ProductViewSet(EnterpriseSnippetViewSet):
    """Products of the user's enterprise; salespeople may view and choose them, not change them."""

    model = Product
    icon = "tag"
    menu_label = _("Products")
    add_to_admin_menu = True
    menu_order = 310
    list_display = [
        "name",
        # "¥1,280.00", not the bare decimal; sorted by the number
        Column("price_display", label=Product._meta.get_field("price").verbose_name, sort_key="price"),
        "is_active",
        "updated_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "description"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("price"), FieldPanel("is_active"), FieldPanel("sort_order")]),
            FieldPanel("cover"),
            InlinePanel("images", label=_("More images")),
            FieldPanel("description"),
            MultiFieldPanel(
                [FieldPanel("mall_url"), FieldPanel("miniprogram_path")], heading=_("Where to buy")
            ),
        ],
        base_form_class=EnterpriseChoicesForm,
    )


register_snippet(ProductViewSet)
