"""The enterprise microsite (SITE-1..4): a home page plus at most five navigation pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from blocks.blocks import ComponentStreamBlock

from .preview import ClientPreviewMixin

MAX_NAV_PAGES = 5
NAV_LIMIT_MESSAGE = (
    f"A microsite has at most {MAX_NAV_PAGES} navigation pages; delete one before adding another."
)

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1a73e8.")


class PhonePolicy(models.TextChoices):
    """SITE-4: when the visitor is asked to authorize their phone number."""

    NONE = "none", _("Never ask")
    ON_CONSULT = "on_consult", _("When the visitor taps consult")
    ON_ANY_CLICK = "on_any_click", _("On the visitor's first tap anywhere")


class MicrositeHomePage(ClientPreviewMixin, Page):
    """The root page of an enterprise's Wagtail Site: its microsite home."""

    theme_colour = models.CharField(
        max_length=7, default="#1a73e8", validators=[colour_validator], verbose_name=_("theme colour")
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    phone_policy = models.CharField(
        max_length=20, choices=PhonePolicy.choices, default=PhonePolicy.NONE, verbose_name=_("phone policy")
    )
    #: SITE-3. Kept out of revisions (see with_content_json): shelving never touches the design.
    is_on_shelf = models.BooleanField(
        default=True,
        help_text=_("Off the shelf, visitors cannot open the microsite; the design is kept."),
        verbose_name=_("is on shelf"),
    )
    share_description = models.CharField(max_length=140, blank=True, verbose_name=_("share description"))
    body = StreamField(ComponentStreamBlock(), blank=True, use_json_field=True, verbose_name=_("body"))

    parent_page_types = ["wagtailcore.Page"]

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("theme_colour"), FieldPanel("logo"), FieldPanel("share_description")],
            heading=_("Look"),
        ),
        FieldPanel("body"),
    ]
    settings_panels = Page.settings_panels + [FieldPanel("phone_policy")]

    class Meta:
        verbose_name = _("microsite home")
        verbose_name_plural = _("microsite homes")

    def with_content_json(self, content):
        """Publishing an older revision must not flip the shelf state back."""
        obj = super().with_content_json(content)
        obj.is_on_shelf = self.is_on_shelf
        return obj

    def nav_pages(self):
        return MicrositeNavPage.objects.child_of(self).order_by("path")

    def serve(self, request, *args, **kwargs):
        if not self.is_on_shelf:
            raise Http404("This microsite is not available.")
        return super().serve(request, *args, **kwargs)


def nav_limit_check(parent, *, exclude_pk: int | None = None) -> None:
    """Raise the editor-facing error when ``parent`` already has five navigation pages."""
    siblings = MicrositeNavPage.objects.child_of(parent)
    if exclude_pk:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.count() >= MAX_NAV_PAGES:
        raise ValidationError(NAV_LIMIT_MESSAGE)


class NavPageForm(WagtailAdminPageForm):
    """Show the five-page limit as a form error rather than a crash."""

    def clean(self):
        cleaned = super().clean()
        parent = getattr(self, "parent_page", None)
        if parent is not None and not self.instance.pk:
            try:
                nav_limit_check(parent)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class MicrositeNavPage(ClientPreviewMixin, Page):
    """One of at most five navigation pages of a microsite (SITE-1, SITE-2)."""

    icon = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("icon"),
    )
    share_description = models.CharField(max_length=140, blank=True, verbose_name=_("share description"))
    body = StreamField(ComponentStreamBlock(), blank=True, use_json_field=True, verbose_name=_("body"))

    parent_page_types = ["microsites.MicrositeHomePage"]
    subpage_types: list[str] = []
    base_form_class = NavPageForm

    content_panels = Page.content_panels + [
        FieldPanel("icon"),
        FieldPanel("share_description"),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = _("microsite navigation page")
        verbose_name_plural = _("microsite navigation pages")

    @classmethod
    def can_create_at(cls, parent) -> bool:
        """Hide the type from the editor's 'add page' choices once the home has five."""
        if not super().can_create_at(parent):
            return False
        return MicrositeNavPage.objects.child_of(parent).count() < MAX_NAV_PAGES

    def clean(self) -> None:
        super().clean()
        if self.path and self.depth:
            nav_limit_check(self.get_parent(), exclude_pk=self.pk)

    def home(self) -> MicrositeHomePage | None:
        parent = self.get_parent()
        return parent.specific if parent is not None else None

    def serve(self, request, *args, **kwargs):
        home = MicrositeHomePage.objects.filter(pk=self.get_parent().pk).only("is_on_shelf").first()
        if home is not None and not home.is_on_shelf:
            raise Http404("This microsite is not available.")
        return super().serve(request, *args, **kwargs)
