"""Per-request batch loading: one query per table, whatever the number of blocks.

graphene 3 executes synchronously and resolves a list's items after the list itself, so
resolvers that return objects *register* the keys they will need (``want``) and the first
field that needs one loads every registered key of that kind at once (``get``).
(graphql-sync-dataloaders 0.1.1 does not run on graphql-core 3.2.14, hence this.)

The loaders fold lookups of the same table: every page a request references (navigation,
chosen and latest articles, forms, link targets) comes from one query on ``wagtailcore_page``
joined to the specific tables, and images come with their renditions in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable

from django.db.models import Exists, OuterRef, Q
from wagtail.images import get_image_model

#: Rendition filters clients may ask for (anything else is refused with VALIDATION).
RENDITION_FILTERS = {
    "original": "original",
    "thumbnail": "fill-200x200",
    "card": "fill-750x420",
    "width750": "width-750",
    "large": "max-1080x1080",
}


class BatchLoader:
    """Keys registered ahead of use, loaded together on the first ``get``."""

    def __init__(self, load_many: Callable[[list], dict]):
        self.load_many = load_many
        self.pending: set = set()
        self.loaded: dict = {}

    def want(self, keys: Iterable[Hashable]) -> None:
        self.pending.update(k for k in keys if k is not None and k not in self.loaded)

    def load(self) -> None:
        """Load every pending key now (one call of ``load_many``)."""
        if not self.pending:
            return
        batch = sorted(self.pending, key=str)
        self.pending.clear()
        found = self.load_many(batch)
        for k in batch:
            self.loaded[k] = found.get(k)

    def get(self, key: Hashable):
        if key not in self.loaded:
            self.pending.add(key)
            self.load()
        return self.loaded[key]


def loader(info, name: str, load_many: Callable[[list], dict]) -> BatchLoader:
    request = info.context
    registry = request.__dict__.setdefault("_graphql_loaders", {})
    if name not in registry:
        registry[name] = BatchLoader(load_many)
    return registry[name]


# --- images and renditions ------------------------------------------------------------------


def _renditions(info) -> dict:
    """image id -> {(filter spec, focal point key) -> rendition} loaded so far in this request."""
    return info.context.__dict__.setdefault("_graphql_renditions", defaultdict(dict))


def image_loader(info) -> BatchLoader:
    """image id -> image, fetched *through* its renditions: one query gives both.

    Images without any allowed rendition yet (first view after upload) are read in a second
    query; from then on they have renditions and take the single-query path.
    """
    renditions = _renditions(info)

    def load_many(image_ids: list) -> dict:
        image_model = get_image_model()
        images: dict = {}
        rows = (
            image_model.get_rendition_model()
            .objects.filter(image_id__in=image_ids, filter_spec__in=list(RENDITION_FILTERS.values()))
            .select_related("image")
        )
        for rendition in rows:
            image = images.setdefault(rendition.image_id, rendition.image)
            rendition.image = image
            key = (rendition.filter_spec, rendition.focal_point_key)
            renditions[rendition.image_id].setdefault(key, rendition)
        missing = [pk for pk in image_ids if pk not in images]
        if missing:
            images.update(image_model.objects.in_bulk(missing))
        return images

    return loader(info, "image", load_many)


def want_images(info, image_ids: Iterable[int | None]) -> None:
    image_loader(info).want(pk for pk in image_ids if pk)


def rendition_url(info, image, spec: str) -> str | None:
    """The rendition from the batch when it exists; otherwise it is rendered once, here."""
    from wagtail.images.models import Filter

    image_loader(info).get(image.pk)  # loads this image's renditions with every pending image
    image_filter = Filter(spec=spec)
    key = (image_filter.spec, image_filter.get_cache_key(image))
    known = _renditions(info)[image.pk]
    rendition = known.get(key)
    if rendition is None:
        rendition = known[key] = image.get_rendition(spec)
    return rendition.url if rendition else None


# --- pages ----------------------------------------------------------------------------------

#: Specific page tables joined to every page lookup (reverse one-to-one select_related).
PAGE_TYPES = ("articlepage", "leadformpage", "micrositenavpage", "micrositehomepage")


def _specific(page):
    """The specific page joined by ``select_related`` (annotations carried over), else the page."""
    for attr in PAGE_TYPES:
        child = getattr(page, attr, None)
        if child is not None:
            child.__dict__.update({k: v for k, v in page.__dict__.items() if k.startswith("in_category_")})
            return child
    return page


def _latest_query(enterprise_id: int, category_id: int, count: int):
    from cms.articles.models import ArticlePage

    latest = ArticlePage.objects.live().filter(enterprise_id=enterprise_id, is_enabled=True)
    if category_id:
        latest = latest.filter(categories=category_id)
    return latest.order_by("-first_published_at", "-pk").values("pk")[:count]


def _latest_key(article) -> tuple:
    return (article.first_published_at.timestamp() if article.first_published_at else 0, article.pk)


def page_loader(info) -> BatchLoader:
    """Every page of a request in one query on wagtailcore_page joined to the specific tables.

    Keys: ``("id", pk)`` -> the specific page (or None); ``("nav", home path)`` -> the live
    navigation pages under that home in menu order; ``("latest", enterprise id, category id or 0,
    count)`` -> the latest readable articles (a LIMITed subquery each, inside the same query).
    Plain ORM expressions only (no vendor-specific SQL): a form's fields come from
    ``form_fields_loader``, one query for every form of the request.
    """
    from wagtail.models import Page

    from cms.articles.models import ArticlePage
    from sites.models import MicrositeNavPage

    def load_many(keys: list) -> dict:
        ids = [k[1] for k in keys if k[0] == "id"]
        query = Q(pk__in=ids)
        for _, path in (k for k in keys if k[0] == "nav"):
            depth = len(path) // Page.steplen + 1
            query |= Q(path__startswith=path, depth=depth, micrositenavpage__isnull=False)
        latest_keys = [k for k in keys if k[0] == "latest"]
        wanted: dict = defaultdict(int)
        for _, enterprise_id, category_id, count in latest_keys:
            wanted[(enterprise_id, category_id)] = max(wanted[(enterprise_id, category_id)], count)
        for (enterprise_id, category_id), count in wanted.items():
            query |= Q(pk__in=_latest_query(enterprise_id, category_id, count))
        in_category = {
            f"in_category_{c}": Exists(
                ArticlePage.categories.through.objects.filter(
                    articlepage_id=OuterRef("pk"), articlecategory_id=c
                )
            )
            for c in {c for _, c in wanted if c}
        }
        rows = (
            Page.objects.filter(query)
            .select_related(*PAGE_TYPES)
            .defer("articlepage__body", "micrositehomepage__body")
            .annotate(**in_category)
            .order_by("path")
        )
        pages = [_specific(page) for page in rows]
        by_id = {page.pk: page for page in pages}
        found: dict = {}
        for key in keys:
            if key[0] == "id":
                found[key] = by_id.get(key[1])
            elif key[0] == "nav":
                depth = len(key[1]) // Page.steplen + 1
                found[key] = [
                    p
                    for p in pages
                    if isinstance(p, MicrositeNavPage)
                    and p.live
                    and p.depth == depth
                    and p.path.startswith(key[1])
                ]
            else:
                _, enterprise_id, category_id, count = key
                articles = [
                    p
                    for p in pages
                    if isinstance(p, ArticlePage)
                    and p.live
                    and p.is_enabled
                    and p.enterprise_id == enterprise_id
                    and (not category_id or getattr(p, f"in_category_{category_id}", False))
                ]
                found[key] = sorted(articles, key=_latest_key, reverse=True)[:count]
        return found

    return loader(info, "pages", load_many)


# --- snippets -------------------------------------------------------------------------------


def product_loader(info, enterprise_id: int) -> BatchLoader:
    """product id -> the enterprise's product (None when unknown or another enterprise's)."""
    from cms.products.models import Product

    def load_many(ids: list) -> dict:
        return Product.objects.filter(enterprise_id=enterprise_id).in_bulk(ids)

    return loader(info, f"products:{enterprise_id}", load_many)


def file_loader(info, enterprise_id: int) -> BatchLoader:
    """file id -> the enterprise's library file (``cms.readable``) with its stored document or image."""

    def load_many(ids: list) -> dict:
        from cms.readable import files_readable  # embeds follow the list's rule: no personal files

        files = files_readable(enterprise=enterprise_id).select_related("document", "image")
        return files.in_bulk(ids)

    return loader(info, f"files:{enterprise_id}", load_many)


def form_fields_loader(info) -> BatchLoader:
    """form page id -> its fields in form order (one query for every form of the request)."""
    from cms.leadforms.models import LeadFormField

    def load_many(page_ids: list) -> dict:
        grouped = defaultdict(list)
        for field in LeadFormField.objects.filter(page_id__in=page_ids).order_by("page_id", "sort_order"):
            grouped[field.page_id].append(field)
        return {page_id: grouped.get(page_id, []) for page_id in page_ids}

    return loader(info, "form-fields", load_many)
