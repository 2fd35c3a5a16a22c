"""Articles (ART-1..8): pages in three libraries, categories, tags, presentation settings, imports."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from api.core.preview import ClientPreviewMixin
from blocks.blocks import ComponentStreamBlock

MAX_RECOMMENDED = 3


class Library(models.TextChoices):
    """ART-1: which library an article belongs to."""

    PLATFORM = "platform", "Platform hot articles"
    ENTERPRISE = "enterprise", "Enterprise library"
    PERSONAL = "personal", "Salesperson's own"


class ShownDate(models.TextChoices):
    """ART-4: which date readers see."""

    FIRST_PUBLISHED = "first_published", "First published"
    LAST_PUBLISHED = "last_published", "Last updated"
    CUSTOM = "custom", "A date I choose"


class ContactPosition(models.TextChoices):
    """ART-5: where the salesperson's contact info sits on a shared article."""

    TOP = "top", "Top"
    BOTTOM = "bottom", "Bottom"
    FLOATING = "floating", "Floating button"


class RecommendationMode(models.TextChoices):
    """ART-6: who picks the recommended articles."""

    ENTERPRISE = "enterprise", "Same for everyone (set by the enterprise)"
    SALESPERSON = "salesperson", "Each salesperson picks their own"


#: ART-8 modules whose visibility the enterprise (and then each salesperson) controls.
MODULES = ("contact", "recommendations", "products", "date", "share")


class ArticleCategory(models.Model):
    """An enterprise-defined article category (ART-3)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="article_categories"
    )
    name = models.CharField(max_length=40)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "article categories"
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="uniq_article_category_name")
        ]

    def __str__(self) -> str:
        return self.name


class ArticleTag(models.Model):
    """A tag a reader earns by reading the article (ART-9, applied by tracking)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="article_tags"
    )
    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="uniq_article_tag_name")]

    def __str__(self) -> str:
        return self.name


class ArticleIndexPage(Page):
    """The container of a library: one under each microsite home, one platform-wide at the tree root."""

    parent_page_types = ["microsites.MicrositeHomePage", "wagtailcore.Page"]
    subpage_types = ["articles.ArticlePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = "article library"


class ArticlePage(ClientPreviewMixin, Page):
    """An article: written in the editor, imported from WeChat, or copied from the platform library."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="Empty for platform hot articles.",
    )
    library = models.CharField(max_length=12, choices=Library.choices, default=Library.ENTERPRISE)
    owner_salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text="Set for a salesperson's own articles; empty when the enterprise owns it.",
    )
    cover = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=80, blank=True)
    body = StreamField(ComponentStreamBlock(), blank=True, use_json_field=True)
    categories = ParentalManyToManyField(ArticleCategory, blank=True, related_name="articles")
    tags = ParentalManyToManyField(ArticleTag, blank=True, related_name="articles")
    products = ParentalManyToManyField(
        "products.Product", blank=True, related_name="+", help_text="ART-7: shown at the end of the article."
    )
    show_date = models.BooleanField(default=True)
    shown_date = models.CharField(max_length=20, choices=ShownDate.choices, default=ShownDate.FIRST_PUBLISHED)
    custom_date = models.DateField(null=True, blank=True)
    is_enabled = models.BooleanField(
        default=True, help_text="ART-3: disabled articles cannot be opened or shared."
    )
    source_url = models.URLField(max_length=500, blank=True, help_text="Where it was imported from.")
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )

    parent_page_types = ["articles.ArticleIndexPage"]
    subpage_types: list[str] = []

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("author"), FieldPanel("is_enabled")]),
        FieldPanel("cover"),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("categories"), FieldPanel("tags"), FieldPanel("products")], heading="Classification"
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("show_date"), FieldPanel("shown_date"), FieldPanel("custom_date")])],
            heading="Date",
        ),
    ]
    # Title and summary in the search index (Chinese-aware on PostgreSQL, cms/zh_search.py).
    search_fields = Page.search_fields + [index.SearchField("summary"), index.AutocompleteField("summary")]

    class Meta:
        verbose_name = "article"

    @property
    def auto_tags(self):
        """Read by trackers.registry: the tags a reader earns."""
        return self.tags

    def display_date(self):
        """ART-4: the date readers see, or None when hidden."""
        if not self.show_date:
            return None
        if self.shown_date == ShownDate.CUSTOM:
            return self.custom_date
        if self.shown_date == ShownDate.LAST_PUBLISHED and self.last_published_at:
            return self.last_published_at.date()
        stamp = self.first_published_at or self.last_published_at
        return stamp.date() if stamp else None

    def with_content_json(self, content):
        """Library membership is not content: publishing an old revision keeps the current owner."""
        obj = super().with_content_json(content)
        for name in ("enterprise_id", "library", "owner_salesperson_id", "copied_from_id", "created_at"):
            setattr(obj, name, getattr(self, name))
        return obj

    def serve(self, request, *args, **kwargs):
        if not self.is_enabled:
            raise Http404("This article is not available.")
        return super().serve(request, *args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.show_date and self.shown_date == ShownDate.CUSTOM and not self.custom_date:
            raise ValidationError({"custom_date": "Choose the date to show."})

    def save(self, *args, **kwargs):
        # Tenancy is derived from the tree, never typed in: a page under an enterprise's site
        # belongs to that enterprise; anything else is the platform library.
        if self.path:
            from enterprises.models import Enterprise

            ancestors = [self.path[:i] for i in range(Page.steplen, len(self.path) + 1, Page.steplen)]
            enterprise = Enterprise.objects.filter(site__root_page__path__in=ancestors).first()
            self.enterprise = enterprise
            if enterprise is None:
                self.library, self.owner_salesperson = Library.PLATFORM, None
            elif self.owner_salesperson_id:
                self.library = Library.PERSONAL
            elif self.library == Library.PLATFORM:
                self.library = Library.ENTERPRISE
        return super().save(*args, **kwargs)


class ArticleSettings(ClusterableModel):
    """Enterprise-wide article presentation (ART-5..8)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="article_settings"
    )
    contact_position = models.CharField(
        max_length=10, choices=ContactPosition.choices, default=ContactPosition.BOTTOM
    )
    recommendation_mode = models.CharField(
        max_length=12, choices=RecommendationMode.choices, default=RecommendationMode.ENTERPRISE
    )
    recommended_articles = ParentalManyToManyField(ArticlePage, blank=True, related_name="+")
    more_articles_count = models.PositiveSmallIntegerField(default=10)
    show_contact = models.BooleanField(default=True)
    show_recommendations = models.BooleanField(default=True)
    show_products = models.BooleanField(default=True)
    show_date = models.BooleanField(default=True)
    show_share = models.BooleanField("show share button", default=True)

    panels = [
        FieldPanel("contact_position"),
        MultiFieldPanel(
            [
                FieldPanel("recommendation_mode"),
                FieldPanel("recommended_articles"),
                FieldPanel("more_articles_count"),
            ],
            heading="Recommendations (at most 3)",
        ),
        MultiFieldPanel([FieldPanel(f"show_{m}") for m in MODULES], heading="Modules shown to readers"),
    ]

    class Meta:
        verbose_name = "article settings"
        verbose_name_plural = "article settings"

    def __str__(self) -> str:
        return f"Article settings of {self.enterprise}"


class SalespersonArticleSettings(ClusterableModel):
    """A salesperson's own choices, applied only where the enterprise allows (ART-5, 6, 8)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    salesperson = models.OneToOneField(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="article_settings"
    )
    contact_position = models.CharField(
        max_length=10,
        choices=ContactPosition.choices,
        blank=True,
        help_text="Empty: the enterprise's choice.",
    )
    recommended_articles = ParentalManyToManyField(
        ArticlePage,
        blank=True,
        related_name="+",
        help_text="Used when the enterprise lets each salesperson pick (at most 3).",
    )
    hide_contact = models.BooleanField(default=False)
    hide_recommendations = models.BooleanField(default=False)
    hide_products = models.BooleanField(default=False)
    hide_date = models.BooleanField(default=False)
    hide_share = models.BooleanField("hide share button", default=False)

    panels = [
        FieldPanel("contact_position"),
        FieldPanel("recommended_articles"),
        MultiFieldPanel([FieldPanel(f"hide_{m}") for m in MODULES], heading="Hide modules"),
    ]

    class Meta:
        verbose_name = "my article settings"
        verbose_name_plural = "salesperson article settings"

    def __str__(self) -> str:
        return f"Article settings of {self.salesperson}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ArticleImport(models.Model):
    """One WeChat import request and its progress, shown in the admin (ART-2)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_salesperson = models.ForeignKey(
        "enterprises.Salesperson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.URLField(max_length=1000)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent")
    message = models.CharField(max_length=300, blank=True)
    article = models.ForeignKey(
        ArticlePage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url
