"""GraphQL for visitor-facing content: microsite, typed StreamField blocks, articles, cards,
products, files and forms. Resolvers translate; selectors and services decide.

Every query is scoped to the enterprise of the request (``X-Enterprise-Key`` header or the
site hostname) and to a share context (a share token, or a salesperson id) that decides
whose contact details the response carries.
"""

from __future__ import annotations

import base64

import graphene
from django.core import signing
from graphene.types.generic import GenericScalar

from cms.articles.selectors import article_effective_view, articles_readable
from cms.cards.models import CardTag
from cms.cards.selectors import card_effective
from cms.cards.services import card_tag_like
from cms.files.models import SalesFile
from cms.leadforms.models import LeadFormPage
from cms.leadforms.services import form_submit
from cms.products.models import Product
from enterprises.models import Enterprise, Salesperson
from enterprises.selectors import enterprise_for_request
from sites.models import MicrositeNavPage
from sites.selectors import microsite_for, microsite_nav_pages
from trackers.ingest import visitor_token_read
from trackers.models import Visitor
from trackers.share import ShareTokenInvalid, share_token_verify

from .core.errors import FORBIDDEN, VALIDATION, api_error, not_found
from .core.loaders import (
    RENDITION_FILTERS,
    form_fields_loader,
    image_loader,
    latest_articles_loader,
    rendition_url,
    want_image_ids,
    want_images,
)

MAX_PAGE_SIZE = 50

# --- request context ------------------------------------------------------------------------


def request_enterprise(info) -> Enterprise:
    enterprise = enterprise_for_request(info.context)
    if enterprise is None:
        raise not_found("Unknown enterprise: send X-Enterprise-Key or use the enterprise's host.")
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
            raise api_error("The share link is not valid.", FORBIDDEN) from None
        if context.enterprise_id != enterprise.pk:
            raise api_error("The share link belongs to another enterprise.", FORBIDDEN)
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
        raise not_found("Salesperson not found.")
    return salesperson


def request_visitor(enterprise: Enterprise, visitor_token: str | None) -> Visitor | None:
    if not visitor_token:
        return None
    try:
        enterprise_id, visitor_id = visitor_token_read(visitor_token)
    except (signing.BadSignature, ValueError):
        raise api_error("Invalid visitor token.", FORBIDDEN) from None
    if enterprise_id != enterprise.pk:
        raise api_error("Visitor of another enterprise.", FORBIDDEN)
    return Visitor.objects.filter(pk=visitor_id, enterprise=enterprise).first()


def live_form(enterprise: Enterprise, form_id) -> LeadFormPage:
    form = (
        LeadFormPage.objects.live().filter(pk=_int_id(form_id))
        .descendant_of(enterprise.site.root_page).select_related("header_image").first()
    )
    if form is None:
        raise not_found("Form not found.")
    return form


def _int_id(value) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise api_error("Ids are whole numbers.", VALIDATION) from None
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
            raise api_error(f"Unknown image filter {filter!r}.", VALIDATION)
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
    price = graphene.String()
    description = graphene.String()
    cover = graphene.Field(ImageType)
    mall_url = graphene.String()
    miniprogram_path = graphene.String()

    def resolve_cover(product, info):
        return image_loader(info).get(product.cover_id) if product.cover_id else None

    def resolve_price(product, info):
        return str(product.price) if product.price is not None else None


class FileType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    description = graphene.String()
    kind = graphene.String()
    url = graphene.String()
    cover = graphene.Field(ImageType)

    def resolve_cover(file, info):
        return image_loader(info).get(file.cover_id) if file.cover_id else None

    def resolve_url(file, info):
        stored = file.file
        return _absolute(info, getattr(stored, "url", None)) if stored else None


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
        return [c.strip() for c in (field.choices or "").splitlines() if c.strip()]


class FormType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    intro = graphene.String()
    header_image = graphene.Field(ImageType)
    submit_label = graphene.String()
    thank_you_text = graphene.String()
    fields = graphene.List(FormFieldType)

    def resolve_intro(form, info):
        return getattr(form, "intro", "") or getattr(form, "description", "")

    def resolve_fields(form, info):
        return form_fields_loader(info).get(form.pk)


class ArticleSummaryType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    summary = graphene.String()
    author = graphene.String()
    cover = graphene.Field(ImageType)
    published_at = graphene.DateTime()

    def resolve_published_at(article, info):
        return article.first_published_at


class LinkType(graphene.ObjectType):
    """Where a carousel slide, image or title bar leads."""

    kind = graphene.String()
    target_id = graphene.ID()
    url = graphene.String()

    @staticmethod
    def from_value(value):
        if not value or not value.get("link_type"):
            return None
        kind = value["link_type"]
        target = value.get(kind)
        if kind == "url":
            return LinkType(kind=kind, url=target or None)
        return LinkType(kind=kind, target_id=getattr(target, "pk", None))


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
        return LinkType.from_value(slide.get("link"))


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
            CarouselBlockType, TitleBarBlockType, DividerBlockType, RichTextBlockType, ImageBlockType,
            VideoBlockType, ArticleListBlockType, FileBlockType, FormBlockType, ProductListBlockType,
            ContactBlockType,
        )


def _live(page):
    return page if page is not None and page.live else None


def _block(info, enterprise_id: int, child):
    """Map one StreamChild to its GraphQL type; embedded items resolve to real objects."""
    name, value, block_id = child.block_type, child.value, child.id
    if name == "carousel":
        return CarouselBlockType(id=block_id, slides=list(value["slides"]),
                                 autoplay_seconds=value.get("autoplay_seconds"))
    if name == "title_bar":
        return TitleBarBlockType(id=block_id, title=value.get("title"), subtitle=value.get("subtitle"),
                                 more_link=LinkType.from_value(value.get("more_link")))
    if name == "divider":
        return DividerBlockType(id=block_id, style=value.get("style"), height=value.get("height"))
    if name == "rich_text":
        return RichTextBlockType(id=block_id, html=child.block.get_api_representation(value))
    if name == "image":
        return ImageBlockType(id=block_id, image=value.get("image"), caption=value.get("caption"),
                              link=LinkType.from_value(value.get("link")))
    if name == "video":
        return VideoBlockType(id=block_id, url=value.get("url"), title=value.get("title"),
                              poster=value.get("poster"))
    if name == "articles":
        chosen = [a for a in value.get("articles") or [] if a is not None]
        if chosen:
            articles = [a for a in chosen if a.live and a.enterprise_id == enterprise_id and a.is_enabled]
        else:
            category = value.get("category")
            articles = latest_articles_loader(info, enterprise_id).get(
                (category.pk if category else 0, value.get("latest_count") or 5)
            )
        return ArticleListBlockType(id=block_id, title=value.get("title"), layout=value.get("layout"),
                                    articles=articles)
    if name == "file":
        file = value.get("file")
        file = file if file is not None and file.enterprise_id == enterprise_id else None
        return FileBlockType(id=block_id, title=value.get("title") or (file.title if file else ""), file=file)
    if name == "form":
        return FormBlockType(id=block_id, title=value.get("title"), form=_live(value.get("form")))
    if name == "products":
        products = [p for p in value.get("products") or []
                    if p is not None and p.is_active and p.enterprise_id == enterprise_id]
        return ProductListBlockType(id=block_id, title=value.get("title"), layout=value.get("layout"),
                                    products=products)
    if name == "contact":
        return ContactBlockType(id=block_id, label=value.get("label"), action=value.get("action"),
                                style=value.get("style"))
    return None


def _images_of(value) -> list:
    """Every image a block value holds (slides, image, poster, covers of embeds)."""
    found = []
    if hasattr(value, "file") and hasattr(value, "get_rendition"):
        return [value]
    if isinstance(value, dict) or hasattr(value, "items"):
        for item in value.values():
            found.extend(_images_of(item))
    elif isinstance(value, list | tuple) or value.__class__.__name__ == "ListValue":
        for item in value:
            found.extend(_images_of(item))
    return found


def stream_blocks(info, enterprise_id: int, stream) -> list:
    """Typed blocks of a StreamField; everything they embed is registered for batch loading."""
    children = list(stream or [])
    articles = latest_articles_loader(info, enterprise_id)
    forms = form_fields_loader(info)
    for child in children:
        if child.block_type == "articles" and not child.value.get("articles"):
            category = child.value.get("category")
            articles.want([(category.pk if category else 0, child.value.get("latest_count") or 5)])
        elif child.block_type == "form" and child.value.get("form") is not None:
            forms.want([child.value["form"].pk])
        want_images(info, _images_of(child.value))
    blocks = [b for b in (_block(info, enterprise_id, child) for child in children) if b is not None]
    for block in blocks:
        if isinstance(block, ArticleListBlockType):
            want_images(info, [a.cover for a in block.articles or []])
        elif isinstance(block, ProductListBlockType):
            want_image_ids(info, [p.cover_id for p in block.products or []])
        elif isinstance(block, FileBlockType) and block.file is not None:
            want_image_ids(info, [block.file.cover_id])
    return blocks


# --- microsite ------------------------------------------------------------------------------


class MicrositePageType(graphene.ObjectType):
    id = graphene.ID(required=True)
    title = graphene.String()
    share_description = graphene.String()
    icon = graphene.Field(ImageType)
    body = graphene.List(ComponentBlock)

    def resolve_body(page, info):
        return stream_blocks(info, info.context._enterprise.pk, page.body)


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
        return stream_blocks(info, info.context._enterprise.pk, home.body)

    def resolve_navigation(home, info):
        return list(microsite_nav_pages(home=home)[:5])

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
        return ArticleType(
            id=article.pk, title=article.title, summary=article.summary, author=article.author,
            cover=article.cover, date=date,
            body=stream_blocks(info, article.enterprise_id, article.body),
            contact_position=view.contact_position,
            salesperson=view.salesperson if view.contact_position else None,
            recommended=view.recommended, more_articles=view.more_articles, products=view.products,
            modules=ArticleModulesType(**{k: v for k, v in view.modules.items()
                                          if k in ArticleModulesType._meta.fields}),
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
        raise api_error("Malformed cursor.", VALIDATION) from None


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
        result.products = data
    elif key == "articles":
        result.articles = data
    elif key == "custom":
        result.body = stream_blocks(info, enterprise_id, data)
    return result


# --- queries --------------------------------------------------------------------------------


SHARE_ARGS = {
    "share_token": graphene.String(description="The share token of the link being read."),
    "salesperson_id": graphene.ID(description="Attribution without a token (editor previews, tests)."),
}


class ContentQueries(graphene.ObjectType):
    microsite = graphene.Field(MicrositeType, **SHARE_ARGS, description="The enterprise microsite home.")
    microsite_page = graphene.Field(MicrositePageType, id=graphene.ID(required=True))
    article = graphene.Field(ArticleType, id=graphene.ID(required=True), **SHARE_ARGS)
    articles = graphene.Field(
        ArticleConnection,
        first=graphene.Int(default_value=20, description=f"At most {MAX_PAGE_SIZE}."),
        after=graphene.String(),
        category_id=graphene.ID(),
    )
    card = graphene.Field(CardType, **SHARE_ARGS)
    product = graphene.Field(ProductType, id=graphene.ID(required=True))
    products = graphene.List(ProductType, first=graphene.Int(default_value=20))
    form = graphene.Field(FormType, id=graphene.ID(required=True))
    file = graphene.Field(FileType, id=graphene.ID(required=True))
    files = graphene.List(FileType, first=graphene.Int(default_value=20))

    def resolve_microsite(root, info, share_token=None, salesperson_id=None):
        enterprise = request_enterprise(info)
        home = microsite_for(enterprise=enterprise)
        if home is None:
            raise not_found("The microsite is not available.")
        home._share_salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        return home

    def resolve_microsite_page(root, info, id):
        enterprise = request_enterprise(info)
        home = microsite_for(enterprise=enterprise)
        page = (
            MicrositeNavPage.objects.child_of(home).live().filter(pk=_int_id(id)).select_related("icon").first()
            if home is not None
            else None
        )
        if page is None:
            raise not_found("Page not found.")
        return page

    def resolve_article(root, info, id, share_token=None, salesperson_id=None):
        enterprise = request_enterprise(info)
        article = (
            articles_readable(enterprise=enterprise).select_related("cover").filter(pk=_int_id(id)).first()
        )
        if article is None:
            raise not_found("Article not found.")
        salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        return ArticleType.from_view(info, article_effective_view(article=article, salesperson=salesperson))

    def resolve_articles(root, info, first=20, after=None, category_id=None):
        enterprise = request_enterprise(info)
        if not 0 < first <= MAX_PAGE_SIZE:
            raise api_error(f"first must be between 1 and {MAX_PAGE_SIZE}.", "LIMIT")
        articles = articles_readable(enterprise=enterprise).select_related("cover").order_by("-pk")
        if category_id:
            articles = articles.filter(categories__id=_int_id(category_id))
        after_id = _after_id(after)
        if after_id:
            articles = articles.filter(pk__lt=after_id)
        rows = list(articles[: first + 1])
        page = rows[:first]
        return ArticleConnection(
            edges=[ArticleEdge(cursor=_cursor(a), node=a) for a in page],
            page_info=PageInfoType(has_next_page=len(rows) > first,
                                   end_cursor=_cursor(page[-1]) if page else None),
        )

    def resolve_card(root, info, share_token=None, salesperson_id=None):
        enterprise = request_enterprise(info)
        salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        effective = card_effective(salesperson=salesperson) if salesperson else None
        if effective is None:
            raise not_found("Card not found.")
        card = effective.card
        return CardType(
            id=card.pk, name=card.name, title=card.title, photo=card.photo,
            modules=[_card_module(info, enterprise.pk, m) for m in effective.modules],
        )

    def resolve_product(root, info, id):
        enterprise = request_enterprise(info)
        product = Product.objects.filter(
            pk=_int_id(id), enterprise=enterprise, is_active=True
        ).select_related("cover").first()
        if product is None:
            raise not_found("Product not found.")
        return product

    def resolve_products(root, info, first=20):
        enterprise = request_enterprise(info)
        if not 0 < first <= MAX_PAGE_SIZE:
            raise api_error(f"first must be between 1 and {MAX_PAGE_SIZE}.", "LIMIT")
        return list(
            Product.objects.filter(enterprise=enterprise, is_active=True)
            .select_related("cover").order_by("sort_order", "name")[:first]
        )

    def resolve_form(root, info, id):
        return live_form(request_enterprise(info), id)

    def resolve_file(root, info, id):
        enterprise = request_enterprise(info)
        file = SalesFile.objects.filter(pk=_int_id(id), enterprise=enterprise).first()
        if file is None:
            raise not_found("File not found.")
        return file

    def resolve_files(root, info, first=20):
        enterprise = request_enterprise(info)
        if not 0 < first <= MAX_PAGE_SIZE:
            raise api_error(f"first must be between 1 and {MAX_PAGE_SIZE}.", "LIMIT")
        return list(
            SalesFile.objects.filter(enterprise=enterprise, owner__isnull=True)
            .select_related("cover", "document", "image").order_by("-created_at")[:first]
        )


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
            raise api_error("data must be an object of field values.", VALIDATION)
        salesperson = share_salesperson(info, enterprise, share_token, salesperson_id)
        visitor = request_visitor(enterprise, visitor_token)
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
            raise api_error("Visitor not found.", FORBIDDEN)
        tag = CardTag.objects.filter(
            pk=_int_id(tag_id), card__enterprise=enterprise, card__is_published=True
        ).select_related("card").first()
        if tag is None:
            raise not_found("Tag not found.")
        liked, likes = card_tag_like(tag=tag, visitor=visitor)
        return LikeCardTag(liked=liked, likes=likes)


class ContentMutations(graphene.ObjectType):
    submit_form = SubmitForm.Field()
    like_card_tag = LikeCardTag.Field()
