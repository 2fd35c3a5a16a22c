"""Shareable item kinds and the hooks content apps fill (TRK-1, ART-9, TRK-5).

Tracking refers to content generically as (kind, pk) so it does not import content apps.
A content app may call :func:`register_kind` in its ``AppConfig.ready()`` to give its
model, the tags a reader earns (ART-9) and the content's intent weight; otherwise the
model is found by name and tags are read from an ``auto_tags`` attribute if it has one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import DatabaseError, transaction

from .models import TargetKind

logger = logging.getLogger(__name__)

#: Model names (``_meta.model_name``) that map to a kind without registration.
MODEL_ALIASES = {
    "micrositehomepage": "page",
    "micrositenavpage": "page",
    "micrositepage": "page",
    "articlepage": "article",
    "article": "article",
    "card": "card",
    "businesscard": "card",
    "salespersoncard": "card",
    "poster": "poster",
    "generatedposter": "poster",
    "leadformpage": "form",
    "leadform": "form",
    "form": "form",
    "salesfile": "file",
    "file": "file",
    "product": "product",
}


@dataclass
class KindInfo:
    name: str
    models: list = field(default_factory=list)
    tags: Callable | None = None
    weight: Callable | float = 1.0


_KINDS: dict[str, KindInfo] = {kind.name.lower(): KindInfo(kind.name.lower()) for kind in TargetKind}


class UnknownKind(ValueError):
    pass


def register_kind(
    name: str,
    *,
    model=None,
    tags: Callable | None = None,
    weight: Callable | float | None = None,
) -> None:
    """Tell tracking about a content model: ``tags(obj) -> list[str]``, ``weight(obj) -> float``."""
    info = _KINDS.get(name)
    if info is None:
        raise UnknownKind(name)
    if model is not None and model not in info.models:
        info.models.append(model)
    if tags is not None:
        info.tags = tags
    if weight is not None:
        info.weight = weight


def kind_code(name: str) -> int:
    try:
        return TargetKind[name.upper()].value
    except KeyError as error:
        raise UnknownKind(name) from error


def kind_name(code: int) -> str:
    return TargetKind(code).name.lower()  # part of the token format: never the (translated) label


def item_kind(item) -> str:
    """A stable short name for a shareable item's type (page, article, card, poster, form, file, product)."""
    explicit = getattr(item, "share_kind", None)
    if explicit:
        return explicit
    for name, info in _KINDS.items():
        if any(isinstance(item, model) for model in info.models):
            return name
    model_name = item._meta.model_name
    return MODEL_ALIASES.get(model_name, model_name)


def kind_models(name: str) -> list:
    """Registered models of a kind, else models found by name among installed apps."""
    info = _KINDS[name]
    if info.models:
        return info.models
    return [
        model
        for model in apps.get_models()
        if MODEL_ALIASES.get(model._meta.model_name) == name
        and model._meta.app_label not in {"trackers", "wagtailcore", "wagtailforms"}
    ]


def _objects(code: int, ids: Iterable[int]) -> dict[int, object]:
    """Content objects by pk; a content app's broken table never breaks tracking (savepoint)."""
    ids = list(set(ids))
    found: dict[int, object] = {}
    if not ids:
        return found
    for model in kind_models(kind_name(code)):
        manager = getattr(model, "objects", None)
        if manager is None:
            continue
        try:
            with transaction.atomic():
                found.update(manager.in_bulk([pk for pk in ids if pk not in found]))
        except DatabaseError:
            logger.warning("cannot read %s for tracking", model._meta.label, exc_info=True)
    return found


#: Seconds a target's readability answer is cached for the beacon (an unpublished item stops
#: being accepted at most this long after).
READABLE_CACHE_SECONDS = 60


def targets_readable(enterprise_id: int, targets: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which ``(kind code, id)`` targets a visitor of ``enterprise_id`` may read (issue 18, hole 2).

    The rule of each kind is ``cms.readable`` (the one the public API applies); answers are
    cached briefly so the beacon pays one cache round trip per batch, and a query per kind only
    for targets it has not seen lately.
    """
    from django.core.cache import cache

    from cms.readable import readable_ids

    targets = set(targets)
    if not targets:
        return set()
    keys = {target: f"trk:rd:{enterprise_id}:{target[0]}:{target[1]}" for target in targets}
    cached = cache.get_many(list(keys.values()))
    result = {target for target, key in keys.items() if cached.get(key) == 1}
    missing: dict[int, set[int]] = {}
    for target, key in keys.items():
        if key not in cached:
            missing.setdefault(target[0], set()).add(target[1])
    fresh = {}
    for code, ids in missing.items():
        try:
            found = readable_ids(kind_name(code), enterprise=enterprise_id, ids=ids)
        except (KeyError, ValueError):
            found = set()
        for pk in ids:
            fresh[keys[(code, pk)]] = 1 if pk in found else 0
            if pk in found:
                result.add((code, pk))
    if fresh:
        cache.set_many(fresh, READABLE_CACHE_SECONDS)
    return result


def _read_tags(obj) -> list[str]:
    raw = getattr(obj, "auto_tags", None)
    if raw is None:
        return []
    if hasattr(raw, "names"):
        return list(raw.names())
    if hasattr(raw, "all"):
        return [getattr(tag, "name", str(tag)) for tag in raw.all()]
    if isinstance(raw, str):
        return [name.strip() for name in raw.split(",") if name.strip()]
    return [getattr(tag, "name", str(tag)) for tag in raw]


def tags_for(code: int, ids: Iterable[int]) -> dict[int, list[str]]:
    """ART-9: the tags a reader of each item earns."""
    info = _KINDS[kind_name(code)]
    result = {}
    for pk, obj in _objects(code, ids).items():
        names = info.tags(obj) if info.tags else _read_tags(obj)
        if names:
            result[pk] = [str(name)[:60] for name in names]
    return result


def weights_for(code: int, ids: Iterable[int]) -> dict[int, float]:
    """TRK-5: per-content intent weight (1.0 unless the content app says otherwise)."""
    info = _KINDS[kind_name(code)]
    ids = list(ids)
    if not callable(info.weight):
        return dict.fromkeys(ids, float(info.weight))
    objects = _objects(code, ids)
    return {pk: float(info.weight(objects[pk])) if pk in objects else 1.0 for pk in ids}


def titles_for(code: int, ids: Iterable[int]) -> dict[int, str]:
    """Display titles for timelines, notifications and stats (missing items get ``kind #pk``)."""
    ids = list(ids)
    objects = _objects(code, ids)
    titles = {}
    for pk in ids:
        obj = objects.get(pk)
        title = None
        if obj is not None:
            title = (
                getattr(obj, "title", None)
                or getattr(obj, "name", None)
                or getattr(obj, "display_name", None)
                or str(obj)
            )
        titles[pk] = str(title) if title else f"{kind_name(code)} #{pk}"
    return titles
