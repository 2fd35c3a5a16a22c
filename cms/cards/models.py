"""Business cards (CARD-1..4): an enterprise template and each salesperson's card.

The template decides which modules a card shows, their labels and order, for everyone
(CARD-1); a card holds one salesperson's content (CARD-2). Visitors like tags once each
(CARD-3); a card can be taken off the shelf (CARD-4).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable

from blocks.blocks import ComponentStreamBlock

INTRO_MAX = 140


class CardModuleKey(models.TextChoices):
    INTRO = "intro", _("Introduction")
    CONTACT = "contact", _("Contact")
    TAGS = "tags", _("Tags")
    PRODUCTS = "products", _("Products")
    ARTICLES = "articles", _("Articles")
    ENTERPRISE = "enterprise", _("Enterprise")
    CUSTOM = "custom", _("Custom content")


class CardTemplate(ClusterableModel):
    """The enterprise's card template: module set-up plus defaults new cards start from."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="card_template",
        verbose_name=_("enterprise"),
    )
    enterprise_intro = models.TextField(
        blank=True,
        help_text=_("Shown in the Enterprise module of every card."),
        verbose_name=_("enterprise intro"),
    )
    default_intro = models.CharField(max_length=INTRO_MAX, blank=True, verbose_name=_("default intro"))
    default_tags = models.CharField(
        max_length=400, blank=True, help_text=_("Comma separated."), verbose_name=_("default tags")
    )
    default_content = StreamField(
        ComponentStreamBlock(), blank=True, use_json_field=True, verbose_name=_("default content")
    )
    default_products = ParentalManyToManyField(
        "products.Product", blank=True, related_name="+", verbose_name=_("default products")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("card template")
        verbose_name_plural = _("card templates")

    def __str__(self) -> str:
        return f"Card template of {self.enterprise}"


class CardModule(Orderable):
    """A module of the template: admins rename, hide and reorder them."""

    template = ParentalKey(
        CardTemplate, on_delete=models.CASCADE, related_name="modules", verbose_name=_("template")
    )
    key = models.CharField(max_length=20, choices=CardModuleKey.choices, verbose_name=_("key"))
    label = models.CharField(
        max_length=40, blank=True, help_text=_("Empty: the default name."), verbose_name=_("label")
    )
    visible = models.BooleanField(default=True, verbose_name=_("visible"))

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="card_module_once")]
        verbose_name = _("card module")
        verbose_name_plural = _("card modules")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.label or CardModuleKey(self.key).label


class Card(ClusterableModel):
    """One salesperson's business card."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="cards", verbose_name=_("enterprise")
    )
    salesperson = models.OneToOneField(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="card",
        verbose_name=_("salesperson"),
    )
    name = models.CharField(max_length=80, verbose_name=_("name"))
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("photo"),
    )
    title = models.CharField(_("job title"), max_length=80, blank=True)
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    email = models.EmailField(blank=True, verbose_name=_("email"))
    address = models.CharField(max_length=200, blank=True, verbose_name=_("address"))
    intro = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(INTRO_MAX)],
        help_text=f"At most {INTRO_MAX} characters.",
        verbose_name=_("intro"),
    )
    content = StreamField(ComponentStreamBlock(), blank=True, use_json_field=True, verbose_name=_("content"))
    products = ParentalManyToManyField(
        "products.Product", blank=True, related_name="cards", verbose_name=_("products")
    )
    is_published = models.BooleanField(_("on shelf"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("card")
        verbose_name_plural = _("cards")

    def __str__(self) -> str:
        return self.name


class CardTag(Orderable):
    card = ParentalKey(Card, on_delete=models.CASCADE, related_name="tags", verbose_name=_("card"))
    name = models.CharField(max_length=20, verbose_name=_("name"))
    like_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("like count"))

    class Meta:
        verbose_name = _("card tag")
        verbose_name_plural = _("card tags")

    def __str__(self) -> str:
        return self.name


class CardArticle(Orderable):
    """An article the salesperson chose for the card (an articles.ArticlePage, by page id)."""

    card = ParentalKey(Card, on_delete=models.CASCADE, related_name="articles", verbose_name=_("card"))
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("page")
    )

    panels = [PageChooserPanel("page", page_type="articles.ArticlePage")]

    class Meta:
        verbose_name = _("card article")
        verbose_name_plural = _("card articles")

    def clean(self) -> None:
        card = getattr(self, "card", None)
        if self.page_id is None or card is None or card.enterprise_id is None:
            return
        if not self.page.path.startswith(card.enterprise.site.root_page.path):
            raise ValidationError({"page": "Choose an article of your enterprise."})


class CardTagLike(models.Model):
    """A visitor liked a tag; unique, so a second like is a no-op (CARD-3)."""

    tag = models.ForeignKey(CardTag, on_delete=models.CASCADE, related_name="likes", verbose_name=_("tag"))
    visitor = models.ForeignKey(
        "trackers.Visitor", on_delete=models.CASCADE, related_name="card_tag_likes", verbose_name=_("visitor")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "visitor"], name="card_tag_like_once")]
        verbose_name = _("card tag like")
        verbose_name_plural = _("card tag likes")

    def __str__(self) -> str:
        return f"{self.visitor_id} likes {self.tag_id}"
