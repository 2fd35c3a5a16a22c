"""Business cards (CARD-1..4): an enterprise template and each salesperson's card.

The template decides which modules a card shows, their labels and order, for everyone
(CARD-1); a card holds one salesperson's content (CARD-2). Visitors like tags once each
(CARD-3); a card can be taken off the shelf (CARD-4).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable

from blocks.blocks import ComponentStreamBlock

INTRO_MAX = 140


class CardModuleKey(models.TextChoices):
    INTRO = "intro", "Introduction"
    CONTACT = "contact", "Contact"
    TAGS = "tags", "Tags"
    PRODUCTS = "products", "Products"
    ARTICLES = "articles", "Articles"
    ENTERPRISE = "enterprise", "Enterprise"
    CUSTOM = "custom", "Custom content"


class CardTemplate(ClusterableModel):
    """The enterprise's card template: module set-up plus defaults new cards start from."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="card_template"
    )
    enterprise_intro = models.TextField(blank=True, help_text="Shown in the Enterprise module of every card.")
    default_intro = models.CharField(max_length=INTRO_MAX, blank=True)
    default_tags = models.CharField(max_length=400, blank=True, help_text="Comma separated.")
    default_content = StreamField(ComponentStreamBlock(), blank=True, use_json_field=True)
    default_products = ParentalManyToManyField("products.Product", blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Card template of {self.enterprise}"


class CardModule(Orderable):
    """A module of the template: admins rename, hide and reorder them."""

    template = ParentalKey(CardTemplate, on_delete=models.CASCADE, related_name="modules")
    key = models.CharField(max_length=20, choices=CardModuleKey.choices)
    label = models.CharField(max_length=40, blank=True, help_text="Empty: the default name.")
    visible = models.BooleanField(default=True)

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="card_module_once")]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.label or CardModuleKey(self.key).label


class Card(ClusterableModel):
    """One salesperson's business card."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="cards")
    salesperson = models.OneToOneField(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="card"
    )
    name = models.CharField(max_length=80)
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField("job title", max_length=80, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    wechat_id = models.CharField("WeChat ID", max_length=64, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=200, blank=True)
    intro = models.TextField(
        blank=True, validators=[MaxLengthValidator(INTRO_MAX)],
        help_text=f"At most {INTRO_MAX} characters.",
    )
    content = StreamField(ComponentStreamBlock(), blank=True, use_json_field=True)
    products = ParentalManyToManyField("products.Product", blank=True, related_name="cards")
    is_published = models.BooleanField("on shelf", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CardTag(Orderable):
    card = ParentalKey(Card, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=20)
    like_count = models.PositiveIntegerField(default=0, editable=False)

    def __str__(self) -> str:
        return self.name


class CardArticle(Orderable):
    """An article the salesperson chose for the card (an articles.ArticlePage, by page id)."""

    card = ParentalKey(Card, on_delete=models.CASCADE, related_name="articles")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")

    panels = [PageChooserPanel("page", page_type="articles.ArticlePage")]

    def clean(self) -> None:
        card = getattr(self, "card", None)
        if self.page_id is None or card is None or card.enterprise_id is None:
            return
        if not self.page.path.startswith(card.enterprise.site.root_page.path):
            raise ValidationError({"page": "Choose an article of your enterprise."})


class CardTagLike(models.Model):
    """A visitor liked a tag; unique, so a second like is a no-op (CARD-3)."""

    tag = models.ForeignKey(CardTag, on_delete=models.CASCADE, related_name="likes")
    visitor = models.ForeignKey("trackers.Visitor", on_delete=models.CASCADE, related_name="card_tag_likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "visitor"], name="card_tag_like_once")]

    def __str__(self) -> str:
        return f"{self.visitor_id} likes {self.tag_id}"
