"""Component blocks (BLK-1..11) shared by microsite pages, articles and cards.

Everything an operator drags into a page body is defined here, once, so the
editor, the HTML templates and the API all agree on the same block types.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import RichText
from wagtail.snippets.blocks import SnippetChooserBlock

from .sanitize import clean_output, clean_stored

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "hr"]

LINK_TARGETS = [
    ("page", "Page"),
    ("article", "Article"),
    ("product", "Product"),
    ("file", "File"),
    ("form", "Form"),
    ("url", "Web address"),
]


class SafeRichTextBlock(blocks.RichTextBlock):
    """Rich text with a small feature set, sanitized with nh3 when saved and when shown (BLK-4)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return RichText(clean_stored(value.source))

    def get_prep_value(self, value):
        return clean_stored(super().get_prep_value(value))

    def render_basic(self, value, context=None):
        return mark_safe(clean_output(str(value)))  # noqa: S308 - sanitized just above

    def get_api_representation(self, value, context=None):
        return clean_output(str(value)) if value else ""

    class Meta:
        icon = "pilcrow"
        label = "Rich text"
        description = "Formatted text: headings, bold, italic, lists and links."
        preview_value = "<h3>Why choose us</h3><p>Fast delivery and <b>friendly</b> service.</p>"


class LinkBlock(blocks.StructBlock):
    """Where a tap goes: one of a page, article, product, file, form or web address."""

    link_type = blocks.ChoiceBlock(choices=LINK_TARGETS, default="url")
    page = blocks.PageChooserBlock(required=False)
    article = blocks.PageChooserBlock(page_type="articles.ArticlePage", required=False)
    product = SnippetChooserBlock("products.Product", required=False)
    file = SnippetChooserBlock("salesfiles.SalesFile", required=False)
    form = blocks.PageChooserBlock(page_type="leadforms.LeadFormPage", required=False)
    url = blocks.URLBlock(required=False)

    def clean(self, value):
        value = super().clean(value)
        kind = value.get("link_type")
        optional = getattr(self.meta, "required", True) is False
        if optional and not any(value.get(target) for target, _label in LINK_TARGETS):
            return value  # an optional link left empty: no link (the type selector always has a value)
        if kind and not value.get(kind):
            raise StructBlockValidationError(
                block_errors={kind: ValidationError(f"Choose the {kind} this links to.")}
            )
        return value

    class Meta:
        icon = "link"
        label = "Link"
        description = "A link to a page, article, product, file, form or web address."
        preview_value = {"link_type": "url", "url": "https://example.com"}


class CarouselSlideBlock(blocks.StructBlock):
    """One slide of a carousel: an image, a caption and an optional link."""

    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=80)
    link = LinkBlock(required=False)

    class Meta:
        icon = "image"
        label = "Slide"


class CarouselBlock(blocks.StructBlock):
    """BLK-1: rotating banner images, each linking to a page, article, product, file, form or URL."""

    slides = blocks.ListBlock(CarouselSlideBlock(), min_num=1, max_num=8)
    autoplay_seconds = blocks.IntegerBlock(default=4, min_value=0, max_value=30)

    class Meta:
        icon = "image"
        label = "Carousel"
        description = "Banner images that rotate; each can link somewhere."
        preview_value = {"slides": [], "autoplay_seconds": 4}


class TitleBarBlock(blocks.StructBlock):
    """BLK-2: a section heading with an optional 'more' link."""

    title = blocks.CharBlock(max_length=60)
    subtitle = blocks.CharBlock(required=False, max_length=120)
    more_link = LinkBlock(required=False)

    class Meta:
        icon = "title"
        label = "Title bar"
        description = "A section heading, optionally with a 'more' link."
        preview_value = {"title": "Our products", "subtitle": "Picked for you"}


class DividerBlock(blocks.StructBlock):
    """BLK-3: a visual break between sections."""

    style = blocks.ChoiceBlock(
        choices=[("line", "Line"), ("dashed", "Dashed line"), ("space", "Blank space")], default="line"
    )
    height = blocks.IntegerBlock(default=16, min_value=1, max_value=120, help_text="Pixels")

    class Meta:
        icon = "horizontalrule"
        label = "Divider"
        description = "A line or blank space between sections."
        preview_value = {"style": "line", "height": 16}


class ImageBlock(blocks.StructBlock):
    """BLK-9: one image with an optional caption and link."""

    image = ImageChooserBlock()
    caption = blocks.CharBlock(required=False, max_length=120)
    link = LinkBlock(required=False)

    class Meta:
        icon = "image"
        label = "Image"
        description = "A single image, optionally captioned and linked."
        preview_value = {"caption": "Our new showroom"}


class VideoBlock(blocks.StructBlock):
    """BLK-10: a video by web address (mp4 or a video platform link) with a poster image."""

    url = blocks.URLBlock(help_text="An .mp4 address or a video platform link")
    poster = ImageChooserBlock(required=False)
    title = blocks.CharBlock(required=False, max_length=80)

    class Meta:
        icon = "media"
        label = "Video"
        description = "A video with a poster image."
        preview_value = {"url": "https://example.com/intro.mp4", "title": "Company intro"}


class ArticleListBlock(blocks.StructBlock):
    """BLK-5: chosen articles, or the latest N of a category when none are chosen."""

    title = blocks.CharBlock(required=False, max_length=60)
    articles = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="articles.ArticlePage"), required=False, max_num=20
    )
    category = SnippetChooserBlock("articles.ArticleCategory", required=False)
    latest_count = blocks.IntegerBlock(default=5, min_value=1, max_value=20)
    layout = blocks.ChoiceBlock(
        choices=[("list", "List"), ("cards", "Cards"), ("embed", "Single embed")], default="list"
    )

    def clean(self, value):
        value = super().clean(value)
        if not value.get("articles") and not value.get("category"):
            raise StructBlockValidationError(
                block_errors={"category": ValidationError("Choose articles or a category.")}
            )
        return value

    class Meta:
        icon = "doc-full"
        label = "Articles"
        description = "Chosen articles, or the latest articles of a category."
        preview_value = {"title": "Latest news", "latest_count": 3, "layout": "list"}


class FileEmbedBlock(blocks.StructBlock):
    """BLK-6: a sales file (brochure, price list, video) visitors open online."""

    file = SnippetChooserBlock("salesfiles.SalesFile")
    title = blocks.CharBlock(required=False, max_length=80, help_text="Defaults to the file's title")

    class Meta:
        icon = "doc-full-inverse"
        label = "File"
        description = "A sales file visitors can open online."
        preview_value = {"title": "2026 price list"}


class FormEmbedBlock(blocks.StructBlock):
    """BLK-7: a lead form shown inline (submissions are attributed to the sharer)."""

    form = blocks.PageChooserBlock(page_type="leadforms.LeadFormPage")
    title = blocks.CharBlock(required=False, max_length=80)

    class Meta:
        icon = "form"
        label = "Form"
        description = "A lead form shown inside the page."
        preview_value = {"title": "Book a demo"}


class ProductListBlock(blocks.StructBlock):
    """BLK-8: one product (embed) or several (list), linking to the product or mall."""

    title = blocks.CharBlock(required=False, max_length=60)
    products = blocks.ListBlock(SnippetChooserBlock("products.Product"), min_num=1, max_num=20)
    layout = blocks.ChoiceBlock(
        choices=[("embed", "Single embed"), ("list", "List"), ("grid", "Grid")], default="list"
    )

    class Meta:
        icon = "tag"
        label = "Products"
        description = "One product or a list of products."
        preview_value = {"title": "Best sellers", "products": [], "layout": "list"}


class ContactButtonBlock(blocks.StructBlock):
    """BLK-11: contact / consult the sharing salesperson (phone, WeChat or chat)."""

    label = blocks.CharBlock(default="Consult now", max_length=30)
    action = blocks.ChoiceBlock(
        choices=[("consult", "Open chat"), ("call", "Call"), ("wechat", "Add on WeChat")], default="consult"
    )
    style = blocks.ChoiceBlock(
        choices=[("inline", "Inline button"), ("floating", "Floating button")], default="inline"
    )

    class Meta:
        icon = "mail"
        label = "Contact button"
        description = "A button to reach the salesperson who shared the page."
        preview_value = {"label": "Consult now", "action": "consult", "style": "inline"}


class ComponentStreamBlock(blocks.StreamBlock):
    """Every component block, in the order the editor's picker lists them."""

    carousel = CarouselBlock()
    title_bar = TitleBarBlock()
    divider = DividerBlock()
    rich_text = SafeRichTextBlock()
    image = ImageBlock()
    video = VideoBlock()
    articles = ArticleListBlock()
    file = FileEmbedBlock()
    form = FormEmbedBlock()
    products = ProductListBlock()
    contact = ContactButtonBlock()

    def get_prep_value(self, value):
        """Sanitize rich text even when a body is assigned as raw JSON (API, import, scripts)."""
        prepped = super().get_prep_value(value)
        for item in prepped or []:
            if item.get("type") == "rich_text" and isinstance(item.get("value"), str):
                item["value"] = clean_stored(item["value"])
        return prepped

    class Meta:
        block_counts = {"carousel": {"max_num": 3}}


BLOCK_TYPES = [name for name, _ in ComponentStreamBlock.base_blocks.items()]
