"""GraphQL for visitor-facing content: microsite, typed StreamField blocks, articles, cards,
products, files and forms. Resolvers translate; selectors and services decide.

Every query is scoped to the enterprise of the request (``X-Enterprise-Key`` header or the
site hostname) and to a share context (a share token, or a salesperson id) that decides
whose contact details the response carries.
"""

from __future__ import annotations

import base64

import graphene
from django.utils.html import escape
from django.utils.translation import gettext
from graphene.types.generic import GenericScalar
from wagtail.models import Page
from wagtail.rich_text import expand_db_html, features
from wagtail.rich_text.rewriters import FIND_A_TAG, LinkRewriter, extract_attrs

from blocks.blocks import LINK_TARGETS
from blocks.sanitize import clean_output, safe_url
from cms.articles.models import ArticlePage
from cms.articles.selectors import article_effective_view, articles_readable
from cms.cards.models import CardTag
from cms.cards.selectors import card_effective
from cms.cards.services import card_tag_like
from cms.files.models import SalesFile
from cms.files.selectors import salesfile_url
from cms.leadforms.models import LeadFormPage
from cms.leadforms.services import form_submit
from cms.products.models import Product
from cms.readable import files_readable
from cms.zh_search import search_queryset, substring_q
from enterprises.models import Enterprise, Salesperson
from enterprises.selectors import enterprise_for_request
from graphql import FieldNode, FragmentSpreadNode
from sites.models import MAX_NAV_PAGES, MicrositeHomePage, MicrositeNavPage
from sites.selectors import microsite_for
from trackers.identity import VisitorTokenInvalid, visitor_from_token
from trackers.models import Visitor
from trackers.share import ShareTokenInvalid, share_token_verify

from .core.errors import FORBIDDEN, VALIDATION, api_error, not_found
from .core.loaders import (
    RENDITION_FILTERS,
    file_loader,
    form_fields_loader,
    image_loader,
    page_loader,
    product_loader,
    rendition_url,
    want_images,
)
from .core.throttle import throttle

MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 20
PRICE_CURRENCY = "CNY"
SEARCH_DESCRIPTION = "Words to find in the title or description; Chinese matches any part of a word."

# --- request context ------------------------------------------------------------------------


def request_enterprise(info) -> Enterprise:
    enterprise = enterprise_for_request(info.context)
    if enterprise is None:
        raise not_found(gettext("Unknown enterprise: send X-Enterprise-Key or use the enterprise's host."))
    return enterprise


def share_salesperson(
    info, enterprise: Enterprise, share_token: str | None, salesperson_id: str | None
) -> Salesperson | None:
    """The salesperson whose contact details a response carries (None: the enterprise itself)."""
    wanted_id = None
    if share_token:
        try:
            context = share_token_verify(share_token)
        except ShareTokenInvalid:
            raise api_error(gettext("The share link is not valid."), FORBIDDEN) from None
        if context.enterprise_id != enterprise.pk:
            raise api_error(gettext("The share link belongs to another enterprise."), FORBIDDEN)
        wanted_id = context.salesperson_id
    elif salesperson_id:
        wanted_id = _int_id(salesperson_id)
    if not wanted_id:
        return None
    salesperson = (
        Salesperson.objects.filter(pk=wanted_id, enterprise=enterprise, is_active=True)
        .select_related("avatar")
        .first()
    )
    if salesperson is None and share_token is None:
        raise not_found(gettext("Salesperson not found."))
    return salesperson


def _share_salesperson_id(info, enterprise: Enterprise, share_token: str | None) -> int | None:
    """The salesperson of a verified share token (FORBIDDEN if the token is bad), else None."""
    salesperson = share_salesperson(info, enterprise, share_token, None) if share_token else None
    return salesperson.pk if salesperson else None


def _page_size(first: int | None) -> int:
    """``first: null`` asks for the default page (it reached a comparison with None: INTERNAL)."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 < first <= MAX_PAGE_SIZE:
        raise api_error(gettext("first must be between 1 and %(max)s.") % {"max": MAX_PAGE_SIZE}, "LIMIT")
    return first


def request_visitor(enterprise: Enterprise, visitor_token: str | None) -> Visitor | None:
    if not visitor_token:
        return None
    try:  # follows merges: forwards, likes and form leads go to the surviving person
        return visitor_from_token(visitor_token, enterprise_id=enterprise.pk)
    except VisitorTokenInvalid:
        raise api_error(gettext("Invalid visitor token."), FORBIDDEN) from None


def live_form(enterprise: Enterprise, form_id) -> LeadFormPage:
    form = (
        LeadFormPage.objects.live()
        .filter(pk=_int_id(form_id))
        .descendant_of(enterprise.site.root_page)
        .select_related("header_image")
        .first()
    )
    if form is None:
        raise not_found(gettext("Form not found."))
    return form


def _int_id(value) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise api_error(gettext("Ids are whole numbers."), VALIDATION) from None
    if not 0 < number < 2**63:
        raise not_found()
    return number


def _absolute(info, url: str | None) -> str | None:
    return info.context.build_absolute_uri(url) if url else None


# --- shared types ---------------------------------------------------------------------------


class ImageType(graphene.ObjectType):
    """An image; ``url`` gives a rendition from an allow-list of filters, as an absolute URL."""

    id = graphene.ID(required=True)
    title = graphene.String()
    url = graphene.String(
        filter=graphene.String(default_value="original"),
        description=f"One of: {', '.join(sorted(RENDITION_FILTERS))}.",
    )

    def resolve_url(image, info, filter="original"):
        spec = RENDITION_FILTERS.get(filter)
        if spec is None:
            raise api_error(gettext("Unknown image filter %(name)r.") % {"name": filter}, VALIDATION)
        return _absolute(info, rendition_url(info, image, spec))


class SalespersonContactType(graphene.ObjectType):
    """The sharing salesperson's contact details (ART-5, CARD-2)."""

    id = graphene.ID(required=True)
    name = graphene.String()
    phone = graphene.String()
    wechat_id = graphene.String()
    avatar = graphene.Field(ImageType)

    def resolve_name(salesperson, info):
        return salesperson.display_name


class ProductType(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String()
    price = graphene.String(description='Yuan with two decimals ("1280.00"); null: price on request.')
    price_display = graphene.String(description='Formatted for people: "¥1,280.00"; null: price on request.')
    currency = graphene.String(description="Always CNY.")
    description = graphene.String()
    cover = graphene.Field(ImageType)
    mall_url = graphene.String()
    miniprogram_path = graphene.String()

    def resolve_cover(product, info):
        return image_loader(info).get(product.cover_id) if product.cover_id else None

    def resolve_mall_url(product, info):
        return safe_url(product.mall_url)  # feeds and imports bypass the form's URL validation

    def resolve_price(product, info):
        return f"{product.price:.2f}" if product.price is not None else None

    def resolve_price_display(product, info):
        return product.price_display

    def resolve_currency(product, info):
        return PRICE_CURRENCY


class FileType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    description = graphene.String()
    kind = graphene.String()
    url = graphene.String()
    cover = graphene.Field(ImageType)
    content_type = graphene.String(description="MIME type sniffed from the stored bytes.")
    size = graphene.Int(description="Bytes.")
    size_display = graphene.String(description='For people: "1.2 MB", "350 KB"; null when unknown.')

    def resolve_size_display(file, info):
        return file.size_display if file.size else None  # 0: never measured (not an empty file)

    def resolve_cover(file, info):
        return image_loader(info).get(file.cover_id) if file.cover_id else None

    def resolve_url(file, info):
        # documents: Wagtail's guarded serve view (signed for a personal file), never /media/
        return _absolute(info, salesfile_url(file))


class FormFieldType(graphene.ObjectType):
    name = graphene.String(required=True)
    label = graphene.String()
    type = graphene.String()
    required = graphene.Boolean()
    help_text = graphene.String(description="Plain text; clients must show it escaped.")
    choices = graphene.List(graphene.String)
    default_value = graphene.String()

    def resolve_name(field, info):
        return field.clean_name

    def resolve_type(field, info):
        return field.field_type

    def resolve_choices(field, info):
        return field.choice_list  # split as the form validates them (commas, ，、 or lines)


class FormType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    intro = graphene.String(description="The form's description as sanitized HTML.")
    header_image = graphene.Field(ImageType)
    submit_label = graphene.String()
    thank_you_text = graphene.String()
    fields = graphene.List(FormFieldType)

    def resolve_intro(form, info):
        html = form.description or ""
        return clean_output(expand_db_html(html)) if html else ""

    def resolve_fields(form, info):
        return form_fields_loader(info).get(form.pk)  # every form of the request in one query

    def resolve_header_image(form, info):
        return image_loader(info).get(form.header_image_id) if form.header_image_id else None


class ArticleSummaryType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    summary = graphene.String()
    author = graphene.String()
    cover = graphene.Field(ImageType)
    published_at = graphene.DateTime()

    def resolve_published_at(article, info):
        return article.first_published_at

    def resolve_cover(article, info):
        return image_loader(info).get(article.cover_id) if article.cover_id else None


class LinkType(graphene.ObjectType):
    """Where a carousel slide, image or title bar leads."""

    kind = graphene.String()
    target_id = graphene.ID()
    url = graphene.String()


# --- typed StreamField ----------------------------------------------------------------------


class BlockFields:
    id = graphene.ID()


class CarouselSlideType(graphene.ObjectType):
    image = graphene.Field(ImageType)
    caption = graphene.String()
    link = graphene.Field(LinkType)

    def resolve_image(slide, info):
        return slide.get("image")

    def resolve_caption(slide, info):
        return slide.get("caption")

    def resolve_link(slide, info):
        return slide.get("link")


class CarouselBlockType(BlockFields, graphene.ObjectType):
    slides = graphene.List(CarouselSlideType)
    autoplay_seconds = graphene.Int()


class TitleBarBlockType(BlockFields, graphene.ObjectType):
    title = graphene.String()
    subtitle = graphene.String()
    more_link = graphene.Field(LinkType)


class DividerBlockType(BlockFields, graphene.ObjectType):
    style = graphene.String()
    height = graphene.Int()


class RichTextBlockType(BlockFields, graphene.ObjectType):
    html = graphene.String(description="Sanitized HTML.")


class ImageBlockType(BlockFields, graphene.ObjectType):
    image = graphene.Field(ImageType)
    caption = graphene.String()
    link = graphene.Field(LinkType)


class VideoBlockType(BlockFields, graphene.ObjectType):
    url = graphene.String()
    title = graphene.String()
    poster = graphene.Field(ImageType)


class ArticleListBlockType(BlockFields, graphene.ObjectType):
    title = graphene.String()
    layout = graphene.String()
    articles = graphene.List(ArticleSummaryType)


class FileBlockType(BlockFields, graphene.ObjectType):
    title = graphene.String()
    file = graphene.Field(FileType)


class FormBlockType(BlockFields, graphene.ObjectType):
    title = graphene.String()
    form = graphene.Field(FormType)


class ProductListBlockType(BlockFields, graphene.ObjectType):
    title = graphene.String()
    layout = graphene.String()
    products = graphene.List(ProductType)


class ContactBlockType(BlockFields, graphene.ObjectType):
    label = graphene.String()
    action = graphene.String()
    style = graphene.String()


class ComponentBlock(graphene.Union):
    """One concrete type per component block (BLK-1..11)."""

    class Meta:
        types = (
            CarouselBlockType,
            TitleBarBlockType,
            DividerBlockType,
            RichTextBlockType,
            ImageBlockType,
            VideoBlockType,
            ArticleListBlockType,
            FileBlockType,
            FormBlockType,
            ProductListBlockType,
            ContactBlockType,
        )


# --- reading a StreamField from its stored JSON -------------------------------------------
#
# Blocks are read from ``stream.raw_data`` (the stored JSON), not through Wagtail's
# ``bulk_to_python``, which runs one chooser query per block path. One pass collects every
# referenced id; each kind of thing is then loaded once for the whole request.

PAGE_LINKS = ("page", "article", "form")


def _pk(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("id")
    if hasattr(value, "pk"):
        value = value.pk
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _items(value) -> list:
    """ListBlock items, stored either as ``[{"type": "item", "value": v, "id": ...}]`` or ``[v]``."""
    items = []
    for item in value or []:
        if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
            item = item["value"]
        items.append(item)
    return items


def _raw_children(stream) -> list[dict]:
    if stream is None:
        return []
    raw = stream.raw_data if hasattr(stream, "raw_data") else stream
    return [child for child in raw if isinstance(child, dict) and isinstance(child.get("type"), str)]


def _value(child) -> dict:
    value = child.get("value")
    return value if isinstance(value, dict) else {}


def _rich_text_page_ids(html) -> set[int]:
    if not isinstance(html, str) or "linktype" not in html:
        return set()
    found = set()
    for match in FIND_A_TAG.finditer(html):
        attrs = extract_attrs(match.group(1))
        if attrs.get("linktype") == "page" and _pk(attrs.get("id")):
            found.add(_pk(attrs["id"]))
    return found


class StreamRefs:
    """Ids a stream references, by kind (collected without touching the database)."""

    def __init__(self):
        self.images: set[int] = set()
        self.pages: set[int] = set()
        self.products: set[int] = set()
        self.files: set[int] = set()
        self.latest: set[tuple[int, int]] = set()
        #: shown in the page (their covers are needed), as opposed to link targets
        self.shown: set[tuple[str, int]] = set()
        self.forms: set[int] = set()

    def link(self, link) -> None:
        if not isinstance(link, dict):
            return
        kind = link.get("link_type")
        target = _pk(link.get(kind)) if kind in LINK_TARGET_KINDS else None
        if target is None:
            return
        if kind in PAGE_LINKS:
            self.pages.add(target)
        elif kind == "product":
            self.products.add(target)
        elif kind == "file":
            self.files.add(target)

    def add(self, child: dict) -> None:
        name, value = child["type"], _value(child)
        if name == "carousel":
            for slide in _items(value.get("slides")):
                if isinstance(slide, dict):
                    self.images.add(_pk(slide.get("image")))
                    self.link(slide.get("link"))
        elif name == "title_bar":
            self.link(value.get("more_link"))
        elif name == "rich_text":
            self.pages.update(_rich_text_page_ids(child.get("value")))
        elif name == "image":
            self.images.add(_pk(value.get("image")))
            self.link(value.get("link"))
        elif name == "video":
            self.images.add(_pk(value.get("poster")))
        elif name == "articles":
            chosen = [_pk(a) for a in _items(value.get("articles"))]
            if any(chosen):
                self.pages.update(chosen)
                self.shown.update(("page", pk) for pk in chosen)
            else:
                self.latest.add((_pk(value.get("category")) or 0, _pk(value.get("latest_count")) or 5))
        elif name == "file":
            self.files.add(_pk(value.get("file")))
            self.shown.add(("file", _pk(value.get("file"))))
        elif name == "form":
            self.pages.add(_pk(value.get("form")))
            self.shown.add(("page", _pk(value.get("form"))))
            self.forms.add(_pk(value.get("form")))
        elif name == "products":
            products = [_pk(p) for p in _items(value.get("products"))]
            self.products.update(products)
            self.shown.update(("product", pk) for pk in products)
        self.images.discard(None)
        self.pages.discard(None)
        self.products.discard(None)
        self.files.discard(None)


LINK_TARGET_KINDS = {kind for kind, _ in LINK_TARGETS}


class StreamContext:
    """What block building needs: the loaders of this request, scoped to one enterprise."""

    def __init__(self, info, enterprise: Enterprise):
        self.info = info
        self.enterprise_id = enterprise.pk
        self.root_id = enterprise.site.root_page_id
        self.pages = page_loader(info)
        self.products = product_loader(info, enterprise.pk)
        self.files = file_loader(info, enterprise.pk)
        self.images = image_loader(info)

    @property
    def root_path(self) -> str:
        root = self.pages.get(("id", self.root_id))
        return root.path if root is not None else "-"

    def page(self, pk) -> Page | None:
        """A live page of the enterprise's site, else None."""
        page = self.pages.get(("id", pk)) if pk else None
        if page is None or not page.live or not page.path.startswith(self.root_path):
            return None
        return page

    def article(self, pk) -> ArticlePage | None:
        article = self.pages.get(("id", pk)) if pk else None
        if not isinstance(article, ArticlePage) or not article.live or not article.is_enabled:
            return None
        return article if article.enterprise_id == self.enterprise_id else None

    def form(self, pk) -> LeadFormPage | None:
        form = self.page(pk)
        return form if isinstance(form, LeadFormPage) else None

    def product(self, pk) -> Product | None:
        product = self.products.get(pk) if pk else None
        return product if product is not None and product.is_active else None

    def file(self, pk) -> SalesFile | None:
        return self.files.get(pk) if pk else None

    def image(self, pk):
        return self.images.get(pk) if pk else None

    def link(self, value) -> LinkType | None:
        if not isinstance(value, dict) or value.get("link_type") not in LINK_TARGET_KINDS:
            return None
        kind = value["link_type"]
        if kind == "url":
            url = safe_url(value.get("url"))  # stored outside the admin form: javascript: etc. dropped
            return LinkType(kind=kind, url=url) if url else None
        pk = _pk(value.get(kind))
        target = {
            "page": self.page,
            "article": self.article,
            "form": self.form,
            "product": self.product,
            "file": self.file,
        }[kind](pk)
        return LinkType(kind=kind, target_id=pk) if target is not None else None

    def rich_text(self, html) -> str:
        """Stored rich text as sanitized HTML; page links point at live pages of this site only."""
        if not isinstance(html, str) or not html:
            return ""

        def page_links(attrs_list: list[dict]) -> list[str]:
            tags = []
            for attrs in attrs_list:
                page = self.page(_pk(attrs.get("id")))
                url = page.get_full_url(self.info.context) if page is not None else None
                tags.append(f'<a href="{escape(url)}">' if url else "<a>")
            return tags

        rules = {kind: rule.expand_db_attributes_many for kind, rule in features.get_link_types().items()}
        html = LinkRewriter(bulk_rules={**rules, "page": page_links})(html)
        if "<embed" in html:
            html = expand_db_html(html)
        return clean_output(html)


def stream_prepare(ctx: StreamContext, children: list[dict]) -> None:
    """Register everything the blocks reference, load it (one query per table), then the images."""
    refs = StreamRefs()
    for child in children:
        refs.add(child)
    ctx.pages.want([("id", pk) for pk in refs.pages] + [("id", ctx.root_id)])
    form_fields_loader(ctx.info).want(refs.forms)  # read with the first form's fields
    ctx.pages.want(("latest", ctx.enterprise_id, c, n) for c, n in refs.latest)
    ctx.products.want(refs.products)
    ctx.files.want(refs.files)
    ctx.pages.load()
    ctx.products.load()
    ctx.files.load()
    shown = [
        {
            "page": ctx.pages.loaded.get(("id", pk)),
            "product": ctx.products.loaded.get(pk),
            "file": ctx.files.loaded.get(pk),
        }[kind]
        for kind, pk in refs.shown
        if pk
    ]
    for category, count in refs.latest:
        shown += ctx.pages.loaded.get(("latest", ctx.enterprise_id, category, count)) or []
    forms = [p for p in shown if isinstance(p, LeadFormPage)]
    covers = [getattr(item, "cover_id", None) for item in shown] + [f.header_image_id for f in forms]
    want_images(ctx.info, list(refs.images) + covers)


def _block(ctx: StreamContext, child: dict):
    """Map one stored block to its GraphQL type; embedded items resolve to real objects."""
    name, value, block_id = child["type"], _value(child), child.get("id")
    if name == "carousel":
        slides = [
            {
                "image": ctx.image(_pk(s.get("image"))),
                "caption": s.get("caption"),
                "link": ctx.link(s.get("link")),
            }
            for s in _items(value.get("slides"))
            if isinstance(s, dict)
        ]
        return CarouselBlockType(
            id=block_id, slides=slides, autoplay_seconds=value.get("autoplay_seconds", 4)
        )
    if name == "title_bar":
        return TitleBarBlockType(
            id=block_id,
            title=value.get("title"),
            subtitle=value.get("subtitle"),
            more_link=ctx.link(value.get("more_link")),
        )
    if name == "divider":
        return DividerBlockType(id=block_id, style=value.get("style", "line"), height=value.get("height", 16))
    if name == "rich_text":
        return RichTextBlockType(id=block_id, html=ctx.rich_text(child.get("value")))
    if name == "image":
        return ImageBlockType(
            id=block_id,
            image=ctx.image(_pk(value.get("image"))),
            caption=value.get("caption"),
            link=ctx.link(value.get("link")),
        )
    if name == "video":
        return VideoBlockType(
            id=block_id,
            url=safe_url(value.get("url")),
            title=value.get("title"),
            poster=ctx.image(_pk(value.get("poster"))),
        )
    if name == "articles":
        chosen = [_pk(a) for a in _items(value.get("articles"))]
        if any(chosen):
            articles = [a for a in (ctx.article(pk) for pk in chosen) if a is not None]
        else:
            key = (
                "latest",
                ctx.enterprise_id,
                _pk(value.get("category")) or 0,
                _pk(value.get("latest_count")) or 5,
            )
            articles = ctx.pages.get(key) or []
        return ArticleListBlockType(
            id=block_id, title=value.get("title"), layout=value.get("layout", "list"), articles=articles
        )
    if name == "file":
        file = ctx.file(_pk(value.get("file")))
        return FileBlockType(id=block_id, title=value.get("title") or (file.title if file else ""), file=file)
    if name == "form":
        return FormBlockType(id=block_id, title=value.get("title"), form=ctx.form(_pk(value.get("form"))))
    if name == "products":
        products = [p for p in (ctx.product(_pk(v)) for v in _items(value.get("products"))) if p is not None]
        return ProductListBlockType(
            id=block_id, title=value.get("title"), layout=value.get("layout", "list"), products=products
        )
    if name == "contact":
        return ContactBlockType(
            id=block_id, label=value.get("label"), action=value.get("action"), style=value.get("style")
        )
    return None


def stream_blocks(info, enterprise: Enterprise, stream) -> list:
    """Typed blocks of a StreamField; a constant number of queries whatever the number of blocks."""
    children = _raw_children(stream)
    ctx = StreamContext(info, enterprise)
    stream_prepare(ctx, children)
    return [b for b in (_block(ctx, child) for child in children) if b is not None]


def with_covers(info, items: list) -> list:
    """Register the covers of a list of articles/products/files so one query loads them all."""
    want_images(info, [getattr(item, "cover_id", None) for item in items or []])
    return items


def _selected(info) -> set[str]:
    """Names of the fields selected under the current field (through fragments too)."""
    names: set[str] = set()

    def walk(selection_set) -> None:
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                if fragment is not None:
                    walk(fragment.selection_set)
            else:
                walk(selection.selection_set)

    for node in info.field_nodes:
        walk(node.selection_set)
    return names


def page_prepare(info, enterprise: Enterprise, page, *, with_nav: bool = False) -> None:
    """Plan a page answer up front, so that each table is read once for the whole response.

    GraphQL resolves fields in document order (the logo before the body), so the images of the
    body, navigation icons, covers and the salesperson's avatar are all registered here, before
    the first image resolves and loads them together with their renditions.
    """
    selected = _selected(info)
    pages = page_loader(info)
    if with_nav and "navigation" in selected:
        pages.want([("nav", page.path)])
    if "body" in selected:
        stream_prepare(StreamContext(info, enterprise), _raw_children(page.body))
    pages.load()
    salesperson = getattr(page, "_share_salesperson", None)
    want_images(
        info,
        [
            getattr(page, "logo_id", None),
            getattr(page, "icon_id", None),
            salesperson.avatar_id if salesperson is not None else None,
        ]
        + [p.icon_id for p in pages.loaded.get(("nav", page.path)) or []],
    )


# --- microsite ------------------------------------------------------------------------------


class MicrositePageType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    share_description = graphene.String()
    icon = graphene.Field(ImageType)
    body = graphene.List(ComponentBlock)

    def resolve_icon(page, info):
        icon_id = getattr(page, "icon_id", None)
        return image_loader(info).get(icon_id) if icon_id else None

    def resolve_body(page, info):
        return stream_blocks(info, info.context._enterprise, page.body)


class MicrositeType(graphene.ObjectType):
    """The enterprise microsite (SITE-1..4): theme, phone policy, home body and ≤ 5 nav pages."""

    id = graphene.ID(required=True)
    title = graphene.String()
    theme_colour = graphene.String()
    logo = graphene.Field(ImageType)
    phone_policy = graphene.String(description="none | on_consult | on_any_click")
    share_description = graphene.String()
    body = graphene.List(ComponentBlock)
    navigation = graphene.List(MicrositePageType)
    salesperson = graphene.Field(SalespersonContactType)

    def resolve_body(home, info):
        return stream_blocks(info, info.context._enterprise, home.body)

    def resolve_navigation(home, info):
        return (page_loader(info).get(("nav", home.path)) or [])[:MAX_NAV_PAGES]

    def resolve_salesperson(home, info):
        return getattr(home, "_share_salesperson", None)


# --- articles -------------------------------------------------------------------------------


class ArticleModulesType(graphene.ObjectType):
    contact = graphene.Boolean()
    recommendations = graphene.Boolean()
    products = graphene.Boolean()
    date = graphene.Boolean()
    share = graphene.Boolean()


class ArticleType(graphene.ObjectType):
    """The effective article view for (article, salesperson): the same answer for every client."""

    id = graphene.ID(required=True)
    title = graphene.String()
    summary = graphene.String()
    author = graphene.String()
    cover = graphene.Field(ImageType)
    date = graphene.Date()
    body = graphene.List(ComponentBlock)
    contact_position = graphene.String(description="top | bottom | floating, null when hidden")
    salesperson = graphene.Field(SalespersonContactType)
    recommended = graphene.List(ArticleSummaryType, description="At most 3.")
    more_articles = graphene.List(ArticleSummaryType)
    products = graphene.List(ProductType)
    modules = graphene.Field(ArticleModulesType)

    @staticmethod
    def from_view(info, view):
        article = view.article
        date = view.date
        if date is not None and hasattr(date, "date"):
            date = date.date()
        for items in (view.recommended, view.more_articles, view.products):
            with_covers(info, items)
        return ArticleType(
            id=article.pk,
            title=article.title,
            summary=article.summary,
            author=article.author,
            cover=article.cover,
            date=date,
            body=stream_blocks(info, info.context._enterprise, article.body),
            contact_position=view.contact_position,
            salesperson=view.salesperson if view.contact_position else None,
            recommended=view.recommended,
            more_articles=view.more_articles,
            products=view.products,
            modules=ArticleModulesType(
                **{k: v for k, v in view.modules.items() if k in ArticleModulesType._meta.fields}
            ),
        )


class ArticleEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(ArticleSummaryType, required=True)


class PageInfoType(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String()


class ArticleConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(ArticleEdge), required=True)
    page_info = graphene.Field(PageInfoType, required=True)


def _cursor(article) -> str:
    return base64.urlsafe_b64encode(f"a:{article.pk}".encode()).decode()


def _after_id(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        kind, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        assert kind == "a"
        return int(pk)
    except Exception:  # noqa: BLE001 - any malformed cursor is one clear error
        raise api_error(gettext("Malformed cursor."), VALIDATION) from None


# --- cards ----------------------------------------------------------------------------------


class CardTagType(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String()
    likes = graphene.Int()

    def resolve_likes(tag, info):
        return tag.like_count


class CardContactType(graphene.ObjectType):
    name = graphene.String()
    title = graphene.String()
    phone = graphene.String()
    wechat_id = graphene.String()
    email = graphene.String()
    address = graphene.String()


class CardModuleType(graphene.ObjectType):
    """One visible card module in the enterprise's order, with its (renamed) label."""

    key = graphene.String(required=True)
    label = graphene.String()
    text = graphene.String(description="intro and enterprise modules")
    contact = graphene.Field(CardContactType)
    tags = graphene.List(CardTagType)
    products = graphene.List(ProductType)
    articles = graphene.List(ArticleSummaryType)
    body = graphene.List(ComponentBlock)


class CardType(graphene.ObjectType):
    id = graphene.ID(required=True)
    name = graphene.String()
    title = graphene.String()
    photo = graphene.Field(ImageType)
    modules = graphene.List(CardModuleType)


def _card_module(info, enterprise_id, module) -> CardModuleType:
    data, key = module.data, module.key
    result = CardModuleType(key=key, label=module.label)
    if key == "intro":
        result.text = data
    elif key == "enterprise":
        result.text = (data or {}).get("intro")
    elif key == "contact":
        result.contact = CardContactType(**(data or {}))
    elif key == "tags":
        result.tags = data
    elif key == "products":
        result.products = with_covers(info, data)
    elif key == "articles":
        result.articles = with_covers(info, data)
    elif key == "custom":
        result.body = stream_blocks(info, info.context._enterprise, data)
    return result


# --- queries --------------------------------------------------------------------------------


SHARE_ARGS = {
    "share_token": graphene.String(description="The share token of the link being read."),
    "salesperson_id": graphene.ID(description="Attribution without a token (editor previews, tests)."),
}


FILE_SHARE_TOKEN = graphene.String(
    description="The share token of the link being read: its salesperson's personal files are readable too."
)


class ContentQueries(graphene.ObjectType):
    microsite = graphene.Field(MicrositeType, **SHARE_ARGS, description="The enterprise microsite home.")
    microsite_page = graphene.Field(MicrositePageType, id=graphene.ID(required=True))
    article = graphene.Field(ArticleType, id=graphene.ID(required=True), **SHARE_ARGS)
    articles = graphene.Field(
        ArticleConnection,
        first=graphene.Int(default_value=20, description=f"At most {MAX_PAGE_SIZE}."),
        after=graphene.String(),
        category_id=graphene.ID(),
        search=graphene.String(description=SEARCH_DESCRIPTION),
    )
    card = graphene.Field(CardType, **SHARE_ARGS)
    product = graphene.Field(ProductType, id=graphene.ID(required=True))
    products = graphene.List(
        ProductType,
        first=graphene.Int(default_value=20),
        search=graphene.String(description=SEARCH_DESCRIPTION),
    )
    form = graphene.Field(FormType, id=graphene.ID(required=True))
    file = graphene.Field(FileType, id=graphene.ID(required=True), share_token=FILE_SHARE_TOKEN)
    files = graphene.List(
        FileType,
        first=graphene.Int(default_value=20),
        search=graphene.String(description=SEARCH_DESCRIPTION),
        share_token=FILE_SHARE_TOKEN,
    )

    def resolve_microsite(root, info, share_token=None, salesperson_id=None):
        enterprise = request_enterprise(info)
        home = microsite_for(enterprise=enterprise)
        if home is None:
            raise not_found(gettext("The microsite is not available."))
        home._share_salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        page_prepare(info, enterprise, home, with_nav=True)
        return home

    def resolve_microsite_page(root, info, id):
        enterprise = request_enterprise(info)
        pages = page_loader(info)  # the home and the page in one query
        pages.want([("id", enterprise.site.root_page_id)])
        page = pages.get(("id", _int_id(id)))
        home = pages.get(("id", enterprise.site.root_page_id))
        if not isinstance(home, MicrositeHomePage) or not (home.live and home.is_on_shelf):
            # the rule of sites.selectors.microsite_for
            raise not_found(gettext("The microsite is not available."))
        if (
            not isinstance(page, MicrositeNavPage)
            or not page.live
            or page.depth != home.depth + 1
            or not page.path.startswith(home.path)
        ):
            raise not_found(gettext("Page not found."))
        page_prepare(info, enterprise, page)
        return page

    def resolve_article(root, info, id, share_token=None, salesperson_id=None):
        enterprise = request_enterprise(info)
        article = (
            articles_readable(enterprise=enterprise).select_related("cover").filter(pk=_int_id(id)).first()
        )
        if article is None:
            raise not_found(gettext("Article not found."))
        salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        return ArticleType.from_view(info, article_effective_view(article=article, salesperson=salesperson))

    def resolve_articles(root, info, first=20, after=None, category_id=None, search=None):
        enterprise = request_enterprise(info)
        first = _page_size(first)
        articles = articles_readable(enterprise=enterprise).select_related("cover").order_by("-pk")
        if category_id:
            articles = articles.filter(categories__id=_int_id(category_id))
        after_id = _after_id(after)
        if after_id:
            articles = articles.filter(pk__lt=after_id)
        if search and search.strip():
            rows = search_queryset(articles, search[:100], fields=["title", "summary"], limit=first + 1)
        else:
            rows = list(articles[: first + 1])
        page = with_covers(info, rows[:first])
        return ArticleConnection(
            edges=[ArticleEdge(cursor=_cursor(a), node=a) for a in page],
            page_info=PageInfoType(
                has_next_page=len(rows) > first, end_cursor=_cursor(page[-1]) if page else None
            ),
        )

    def resolve_card(root, info, share_token=None, salesperson_id=None):
        enterprise = request_enterprise(info)
        salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        effective = card_effective(salesperson=salesperson) if salesperson else None
        if effective is None:
            raise not_found(gettext("Card not found."))
        card = effective.card
        return CardType(
            id=card.pk,
            name=card.name,
            title=card.title,
            photo=card.photo,
            modules=[_card_module(info, enterprise.pk, m) for m in effective.modules],
        )

    def resolve_product(root, info, id):
        enterprise = request_enterprise(info)
        product = (
            Product.objects.filter(pk=_int_id(id), enterprise=enterprise, is_active=True)
            .select_related("cover")
            .first()
        )
        if product is None:
            raise not_found(gettext("Product not found."))
        return product

    def resolve_products(root, info, first=20, search=None):
        enterprise = request_enterprise(info)
        first = _page_size(first)
        products = Product.objects.filter(enterprise=enterprise, is_active=True)
        products = products.order_by("sort_order", "name")
        if search and search.strip():
            products = products.filter(substring_q(["name", "description"], search[:100]))
        return with_covers(info, list(products[:first]))

    def resolve_form(root, info, id):
        return live_form(request_enterprise(info), id)

    def resolve_file(root, info, id, share_token=None):
        enterprise = request_enterprise(info)
        # the list's rule (cms.readable) in the same share context: another salesperson's
        # personal file is not found, the share's own salesperson's is
        salesperson_id = _share_salesperson_id(info, enterprise, share_token)
        file = (
            files_readable(enterprise=enterprise, salesperson_id=salesperson_id)
            .select_related("document", "image")
            .filter(pk=_int_id(id))
            .first()
        )
        if file is None:
            raise not_found(gettext("File not found."))
        return file

    def resolve_files(root, info, first=20, search=None, share_token=None):
        enterprise = request_enterprise(info)
        first = _page_size(first)
        salesperson_id = _share_salesperson_id(info, enterprise, share_token)
        files = (
            files_readable(enterprise=enterprise, salesperson_id=salesperson_id)
            .select_related("document", "image")
            .order_by("-created_at")
        )
        if search and search.strip():
            files = files.filter(substring_q(["title", "description"], search[:100]))
        return with_covers(info, list(files[:first]))


# --- mutations ------------------------------------------------------------------------------


class FieldErrorType(graphene.ObjectType):
    field = graphene.String(required=True)
    code = graphene.String(required=True, description="REQUIRED, INVALID_PHONE, INVALID_EMAIL, ...")
    message = graphene.String(required=True)


class SubmitForm(graphene.Mutation):
    """FORM-2: validate per field and store; errors come back as data, not as exceptions."""

    class Arguments:
        form_id = graphene.ID(required=True)
        data = GenericScalar(required=True, description="{fieldName: value}")
        visitor_token = graphene.String()
        share_token = graphene.String()
        salesperson_id = graphene.ID()

    ok = graphene.Boolean(required=True)
    errors = graphene.List(graphene.NonNull(FieldErrorType), required=True)
    submission_id = graphene.ID()

    def mutate(root, info, form_id, data, visitor_token=None, share_token=None, salesperson_id=None):
        enterprise = request_enterprise(info)
        form = live_form(enterprise, form_id)
        if not isinstance(data, dict):
            raise api_error(gettext("data must be an object of field values."), VALIDATION)
        salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        visitor = request_visitor(enterprise, visitor_token)
        throttle(info, "submit_form", device=f"v{visitor.pk}" if visitor else "")
        result = form_submit(form_page=form, data=data, visitor=visitor, salesperson=salesperson)
        return SubmitForm(
            ok=not result.errors,
            errors=[FieldErrorType(field=e.field, code=e.code, message=e.message) for e in result.errors],
            submission_id=result.submission.pk if result.submission else None,
        )


class LikeCardTag(graphene.Mutation):
    """CARD-3: a visitor likes a card tag once."""

    class Arguments:
        tag_id = graphene.ID(required=True)
        visitor_token = graphene.String(required=True)

    liked = graphene.Boolean(required=True, description="False when this visitor had liked it already.")
    likes = graphene.Int(required=True)

    def mutate(root, info, tag_id, visitor_token):
        enterprise = request_enterprise(info)
        visitor = request_visitor(enterprise, visitor_token)
        if visitor is None:
            raise api_error(gettext("Visitor not found."), FORBIDDEN)
        throttle(info, "like_card_tag", device=f"v{visitor.pk}")
        tag = (
            CardTag.objects.filter(pk=_int_id(tag_id), card__enterprise=enterprise, card__is_published=True)
            .select_related("card")
            .first()
        )
        if tag is None:
            raise not_found(gettext("Tag not found."))
        liked, likes = card_tag_like(tag=tag, visitor=visitor)
        return LikeCardTag(liked=liked, likes=likes)


class ContentMutations(graphene.ObjectType):
    submit_form = SubmitForm.Field()
    like_card_tag = LikeCardTag.Field()
