"""Articles (ART-1..8): pages in three libraries, categories, tags, presentation settings, imports."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from blocks.blocks import ComponentStreamBlock
from sites.preview import ClientPreviewMixin

MAX_RECOMMENDED = 3


class Library(models.TextChoices):
    """ART-1: which library an article belongs to."""

    PLATFORM = "platform", _("Platform hot articles")
    ENTERPRISE = "enterprise", _("Enterprise library")
    PERSONAL = "personal", _("Salesperson's own")


class ShownDate(models.TextChoices):
    """ART-4: which date readers see."""

    FIRST_PUBLISHED = "first_published", _("First published")
    LAST_PUBLISHED = "last_published", _("Last updated")
    CUSTOM = "custom", _("A date I choose")


class ContactPosition(models.TextChoices):
    """ART-5: where the salesperson's contact info sits on a shared article."""

    TOP = "top", _("Top")
    BOTTOM = "bottom", _("Bottom")
    FLOATING = "floating", _("Floating button")


class RecommendationMode(models.TextChoices):
    """ART-6: who picks the recommended articles."""

    ENTERPRISE = "enterprise", _("Same for everyone (set by the enterprise)")
    SALESPERSON = "salesperson", _("Each salesperson picks their own")


#: ART-8 modules whose visibility the enterprise (and then each salesperson) controls.
MODULES = ("contact", "recommendations", "products", "date", "share")


class ArticleCategory(models.Model):
    """An enterprise-defined article category (ART-3)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="article_categories",
        verbose_name=_("enterprise"),
    )
    name = models.CharField(max_length=40, verbose_name=_("name"))
    sort_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("sort order"))

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = _("article categories")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="uniq_article_category_name")
        ]
        verbose_name = _("article category")

    def __str__(self) -> str:
        return self.name


class ArticleTag(models.Model):
    """A tag a reader earns by reading the article (ART-9, applied by tracking)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="article_tags",
        verbose_name=_("enterprise"),
    )
    name = models.CharField(max_length=40, verbose_name=_("name"))

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name"], name="uniq_article_tag_name")]
        verbose_name = _("article tag")
        verbose_name_plural = _("article tags")

    def __str__(self) -> str:
        return self.name


class ArticleIndexPage(Page):
    """The container of a library: one under each microsite home, one platform-wide at the tree root."""

    parent_page_types = ["microsites.MicrositeHomePage", "wagtailcore.Page"]
    subpage_types = ["articles.ArticlePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("article library")


class ArticlePage(ClientPreviewMixin, Page):
    """An article: written in the editor, imported from WeChat, or copied from the platform library."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text=_("Empty for platform hot articles."),
        verbose_name=_("enterprise"),
    )
    library = models.CharField(
        max_length=12, choices=Library.choices, default=Library.ENTERPRISE, verbose_name=_("library")
    )
    owner_salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        help_text=_("Set for a salesperson's own articles; empty when the enterprise owns it."),
        verbose_name=_("owner salesperson"),
    )
    cover = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cover"),
    )
    summary = models.CharField(max_length=200, blank=True, verbose_name=_("summary"))
    author = models.CharField(max_length=80, blank=True, verbose_name=_("author"))
    body = StreamField(ComponentStreamBlock(), blank=True, use_json_field=True, verbose_name=_("body"))
    categories = ParentalManyToManyField(
        ArticleCategory, blank=True, related_name="articles", verbose_name=_("categories")
    )
    tags = ParentalManyToManyField(ArticleTag, blank=True, related_name="articles", verbose_name=_("tags"))
    products = ParentalManyToManyField(
        "products.Product",
        blank=True,
        related_name="+",
        help_text=_("Shown at the end of the article."),
        verbose_name=_("products"),
    )
    show_date = models.BooleanField(default=True, verbose_name=_("show date"))
    shown_date = models.CharField(
        max_length=20,
        choices=ShownDate.choices,
        default=ShownDate.FIRST_PUBLISHED,
        verbose_name=_("shown date"),
    )
    custom_date = models.DateField(null=True, blank=True, verbose_name=_("custom date"))
    is_enabled = models.BooleanField(
        default=True,
        help_text=_("Disabled articles cannot be opened or shared."),
        verbose_name=_("is enabled"),
    )
    source_url = models.URLField(
        max_length=500, blank=True, help_text=_("Where it was imported from."), verbose_name=_("source url")
    )
    created_at = models.DateTimeField(auto_now_add=True, null=True, verbose_name=_("created at"))
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        verbose_name=_("copied from"),
    )

    parent_page_types = ["articles.ArticleIndexPage"]
    subpage_types: list[str] = []

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("author"), FieldPanel("is_enabled")]),
        FieldPanel("cover"),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("categories"), FieldPanel("tags"), FieldPanel("products")],
            heading=_("Classification"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("show_date"), FieldPanel("shown_date"), FieldPanel("custom_date")])],
            heading=_("Date"),
        ),
    ]
    # Title and summary in the search index (Chinese-aware on PostgreSQL, cms/zh_search.py).
    search_fields = Page.search_fields + [index.SearchField("summary"), index.AutocompleteField("summary")]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

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
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="article_settings",
        verbose_name=_("enterprise"),
    )
    contact_position = models.CharField(
        max_length=10,
        choices=ContactPosition.choices,
        default=ContactPosition.BOTTOM,
        verbose_name=_("contact position"),
    )
    recommendation_mode = models.CharField(
        max_length=12,
        choices=RecommendationMode.choices,
        default=RecommendationMode.ENTERPRISE,
        verbose_name=_("recommendation mode"),
    )
    recommended_articles = ParentalManyToManyField(
        ArticlePage, blank=True, related_name="+", verbose_name=_("recommended articles")
    )
    more_articles_count = models.PositiveSmallIntegerField(default=10, verbose_name=_("more articles count"))
    show_contact = models.BooleanField(default=True, verbose_name=_("show contact"))
    show_recommendations = models.BooleanField(default=True, verbose_name=_("show recommendations"))
    show_products = models.BooleanField(default=True, verbose_name=_("show products"))
    show_date = models.BooleanField(default=True, verbose_name=_("show date"))
    show_share = models.BooleanField(_("show share button"), default=True)

    panels = [
        FieldPanel("contact_position"),
        MultiFieldPanel(
            [
                FieldPanel("recommendation_mode"),
                FieldPanel("recommended_articles"),
                FieldPanel("more_articles_count"),
            ],
            heading=_("Recommendations (at most 3)"),
        ),
        MultiFieldPanel([FieldPanel(f"show_{m}") for m in MODULES], heading=_("Modules shown to readers")),
    ]

    class Meta:
        verbose_name = _("article settings")
        verbose_name_plural = _("article settings")

    def __str__(self) -> str:
        return f"Article settings of {self.enterprise}"


class SalespersonArticleSettings(ClusterableModel):
    """A salesperson's own choices, applied only where the enterprise allows (ART-5, 6, 8)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    salesperson = models.OneToOneField(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="article_settings",
        verbose_name=_("salesperson"),
    )
    contact_position = models.CharField(
        max_length=10,
        choices=ContactPosition.choices,
        blank=True,
        help_text=_("Empty: the enterprise's choice."),
        verbose_name=_("contact position"),
    )
    recommended_articles = ParentalManyToManyField(
        ArticlePage,
        blank=True,
        related_name="+",
        help_text=_("Used when the enterprise lets each salesperson pick (at most 3)."),
        verbose_name=_("recommended articles"),
    )
    hide_contact = models.BooleanField(default=False, verbose_name=_("hide contact"))
    hide_recommendations = models.BooleanField(default=False, verbose_name=_("hide recommendations"))
    hide_products = models.BooleanField(default=False, verbose_name=_("hide products"))
    hide_date = models.BooleanField(default=False, verbose_name=_("hide date"))
    hide_share = models.BooleanField(_("hide share button"), default=False)

    panels = [
        FieldPanel("contact_position"),
        FieldPanel("recommended_articles"),
        MultiFieldPanel([FieldPanel(f"hide_{m}") for m in MODULES], heading=_("Hide modules")),
    ]

    class Meta:
        verbose_name = _("my article settings")
        verbose_name_plural = _("salesperson article settings")

    def __str__(self) -> str:
        return f"Article settings of {self.salesperson}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ArticleImport(models.Model):
    """One WeChat import request and its progress, shown in the admin (ART-2)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    owner_salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner salesperson"),
    )
    url = models.URLField(max_length=1000, verbose_name=_("url"))
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING, verbose_name=_("status")
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent"), verbose_name=_("progress"))
    message = models.CharField(max_length=300, blank=True, verbose_name=_("message"))
    article = models.ForeignKey(
        ArticlePage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("article"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("article import")
        verbose_name_plural = _("article imports")

    def __str__(self) -> str:
        return self.url
