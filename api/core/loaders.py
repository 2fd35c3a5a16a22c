"""Per-request batch loading: one query per kind of thing, whatever the number of blocks.

graphene 3 executes synchronously and resolves a list's items after the list itself, so
resolvers that return objects *register* the keys they will need (``want``) and the first
field that needs one loads every registered key of that kind at once (``get``).
(graphql-sync-dataloaders 0.1.1 does not run on graphql-core 3.2.14, hence this.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable

from wagtail.images import get_image_model

#: Rendition filters clients may ask for (anything else is refused with VALIDATION).
RENDITION_FILTERS = {
    "original": "original",
    "thumbnail": "fill-200x200",
    "card": "fill-750x420",
    "width750": "width-750",
    "large": "max-1080x1080",
}


#: The benchmark switches batching off to measure the naive one-query-per-item baseline.
BATCHING = {"enabled": True}


class BatchLoader:
    """Keys registered ahead of use, loaded together on the first ``get``."""

    def __init__(self, load_many: Callable[[list], dict]):
        self.load_many = load_many
        self.pending: set = set()
        self.loaded: dict = {}

    def want(self, keys: Iterable[Hashable]) -> None:
        if not BATCHING["enabled"]:
            return
        self.pending.update(k for k in keys if k not in self.loaded)

    def get(self, key: Hashable):
        if key not in self.loaded:
            self.pending.add(key)
            batch = sorted(self.pending, key=str)
            self.pending.clear()
            found = self.load_many(batch)
            for k in batch:
                self.loaded[k] = found.get(k)
        return self.loaded[key]


def loader(info, name: str, load_many: Callable[[list], dict]) -> BatchLoader:
    request = info.context
    registry = request.__dict__.setdefault("_graphql_loaders", {})
    if name not in registry:
        registry[name] = BatchLoader(load_many)
    return registry[name]


def rendition_loader(info) -> BatchLoader:
    """image id -> {filter spec -> rendition}: one query for every allowed filter of every image."""
    from wagtail.images import get_image_model as _model

    def load_many(image_ids: list) -> dict:
        found: dict = {pk: {} for pk in image_ids}
        renditions = _model().get_rendition_model().objects.filter(
            image_id__in=image_ids, filter_spec__in=list(RENDITION_FILTERS.values())
        )
        for rendition in renditions:
            key = (rendition.filter_spec, rendition.focal_point_key)
            found[rendition.image_id].setdefault(key, rendition)
        return found

    return loader(info, "renditions", load_many)


def images_seen(info) -> set[int]:
    """Image ids returned so far in this request; rendition loaders start from them."""
    return info.context.__dict__.setdefault("_graphql_images", set())


def want_images(info, images: Iterable) -> None:
    images_seen(info).update(image.pk for image in images if image is not None)


def want_image_ids(info, image_ids: Iterable[int | None]) -> None:
    ids = [pk for pk in image_ids if pk]
    images_seen(info).update(ids)
    image_loader(info).want(ids)


def image_loader(info) -> BatchLoader:
    """image id -> image, for covers referenced by foreign key (products, files, articles)."""

    def load_many(image_ids: list) -> dict:
        return get_image_model().objects.in_bulk(image_ids)

    return loader(info, "image", load_many)


def rendition_url(info, image, spec: str) -> str | None:
    """The rendition from the batch when it exists; otherwise it is rendered once, here."""
    from wagtail.images.models import Filter

    batch = rendition_loader(info)
    batch.want(images_seen(info))
    existing = batch.get(image.pk) or {}
    image_filter = Filter(spec=spec)
    rendition = existing.get((image_filter.spec, image_filter.get_cache_key(image)))
    if rendition is None:
        rendition = image.get_rendition(spec)
    return rendition.url if rendition else None


def form_fields_loader(info) -> BatchLoader:
    from cms.leadforms.models import LeadFormField

    def load_many(page_ids: list) -> dict:
        grouped = defaultdict(list)
        for field in LeadFormField.objects.filter(page_id__in=page_ids).order_by("page_id", "sort_order"):
            grouped[field.page_id].append(field)
        return {page_id: grouped.get(page_id, []) for page_id in page_ids}

    return loader(info, "form-fields", load_many)


def latest_articles_loader(info, enterprise_id: int) -> BatchLoader:
    """(category id or 0, count) -> latest readable articles of the enterprise (two queries at most)."""
    from cms.articles.models import ArticlePage

    def load_many(keys: list) -> dict:
        wanted = max(count for _, count in keys)
        base = ArticlePage.objects.live().filter(enterprise_id=enterprise_id, is_enabled=True)
        base = base.select_related("cover").order_by("-first_published_at")
        latest_all = list(base[:wanted]) if any(not c for c, _ in keys) else []
        by_category = defaultdict(list)
        category_ids = {c for c, _ in keys if c}
        if category_ids:
            for article in base.filter(categories__in=category_ids).prefetch_related("categories"):
                for category in article.categories.all():
                    if category.pk in category_ids and len(by_category[category.pk]) < wanted:
                        by_category[category.pk].append(article)
        return {(c, n): (by_category[c] if c else latest_all)[:n] for c, n in keys}

    return loader(info, f"latest-articles:{enterprise_id}", load_many)
