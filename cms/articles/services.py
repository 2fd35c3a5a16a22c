"""Writes for articles: libraries, copying between them, presentation settings and WeChat import."""

from __future__ import annotations

import io
import logging
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from wagtail.images import get_image_model
from wagtail.models import Page

from blocks.sanitize import clean_stored
from cms import safe_fetch
from cms.upload_limits import image_pixels_check
from enterprises.models import Enterprise, Salesperson

from .extract import NotAnArticle, extract
from .models import (
    MAX_RECOMMENDED,
    ArticleImport,
    ArticleIndexPage,
    ArticlePage,
    ArticleSettings,
    ImportStatus,
    Library,
    SalespersonArticleSettings,
)

logger = logging.getLogger(__name__)

PLATFORM_LIBRARY_SLUG = "platform-hot-articles"
MAX_IMPORT_IMAGES = 60
MAX_IMAGE_BYTES = 10 * 1024 * 1024


# --- libraries -------------------------------------------------------------------------------


def article_library_index(*, enterprise: Enterprise | None) -> ArticleIndexPage:
    """The library container page: under the enterprise's microsite home, or the platform one."""
    if enterprise is None:
        root = Page.get_first_root_node()
        found = ArticleIndexPage.objects.child_of(root).filter(slug=PLATFORM_LIBRARY_SLUG).first()
        if found:
            return found
        return root.add_child(
            instance=ArticleIndexPage(title="Platform hot articles", slug=PLATFORM_LIBRARY_SLUG)
        )
    home = enterprise.site.root_page
    found = ArticleIndexPage.objects.child_of(home).first()
    if found:
        return found
    return home.add_child(instance=ArticleIndexPage(title="Articles", slug="articles"))


def _unique_slug(parent: Page, base: str) -> str:
    base = (slugify(base, allow_unicode=True) or "article")[:60]
    slug, n = base, 1
    siblings = parent.get_children()
    while siblings.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def article_create(
    *,
    enterprise: Enterprise | None,
    title: str,
    body: list | None = None,
    summary: str = "",
    author: str = "",
    cover=None,
    owner_salesperson: Salesperson | None = None,
    user=None,
    publish: bool = False,
    slug: str | None = None,
    **fields,
) -> ArticlePage:
    """Create an article in a library (platform when ``enterprise`` is None) as a draft or published."""
    index = article_library_index(enterprise=enterprise)
    article = ArticlePage(
        title=title,
        slug=_unique_slug(index, slug or title),
        summary=summary,
        author=author,
        cover=cover,
        body=body or [],
        owner_salesperson=owner_salesperson,
        # Wagtail lets a salesperson ("add" permission only) edit the pages they own.
        owner=user or (owner_salesperson.user if owner_salesperson else None),
        live=False,
        **fields,
    )
    index.add_child(instance=article)
    revision = article.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
        article.refresh_from_db()
    return article


def _copy_into(
    article: ArticlePage, *, enterprise: Enterprise, user, keep_classification: bool
) -> ArticlePage:
    index = article_library_index(enterprise=enterprise)
    copy = article.copy(
        to=index,
        update_attrs={
            "slug": _unique_slug(index, article.slug),
            "owner_salesperson": None,
            "library": Library.ENTERPRISE,
            "enterprise": enterprise,
            "copied_from": article,
            "live": False,
        },
        keep_live=False,
        user=user,
        copy_revisions=False,
        log_action="wagtail.copy",
    ).specific
    if not keep_classification:
        # Categories and tags belong to the source library's owner, not to the copier.
        copy.categories.set([])
        copy.tags.set([])
        copy.products.set([])
    copy.save()
    copy.save_revision(user=user)
    return copy


@transaction.atomic
def article_copy_hot(*, article: ArticlePage, enterprise: Enterprise, user=None) -> ArticlePage:
    """ART-1: copy a platform hot article into ``enterprise``'s library as an editable draft."""
    if article.library != Library.PLATFORM:
        raise ValidationError(_("Only platform hot articles can be copied this way."))
    return _copy_into(article, enterprise=enterprise, user=user, keep_classification=False)


@transaction.atomic
def article_sync_to_enterprise(*, article: ArticlePage, salesperson: Salesperson, user=None) -> ArticlePage:
    """ART-1: a salesperson offers their own article to the enterprise library (a draft copy)."""
    if article.owner_salesperson_id != salesperson.pk or article.enterprise_id != salesperson.enterprise_id:
        raise PermissionDenied(_("You can only sync your own articles."))
    return _copy_into(article, enterprise=salesperson.enterprise, user=user, keep_classification=True)


# --- presentation settings -------------------------------------------------------------------


def article_settings_for(*, enterprise: Enterprise) -> ArticleSettings:
    settings_row, _ = ArticleSettings.objects.get_or_create(enterprise=enterprise)
    return settings_row


def _check_recommended(articles, enterprise_id: int) -> None:
    articles = list(articles)
    if len(articles) > MAX_RECOMMENDED:
        raise ValidationError({"recommended_articles": f"Choose at most {MAX_RECOMMENDED} articles."})
    if any(a.enterprise_id != enterprise_id for a in articles):
        raise ValidationError({"recommended_articles": "Choose articles of your own enterprise."})


def article_settings_update(
    *, enterprise: Enterprise, recommended: list[ArticlePage] | None = None, **values
):
    """Change the enterprise's article presentation; validates the recommendation limit."""
    row = article_settings_for(enterprise=enterprise)
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(exclude=["enterprise"])
    if recommended is not None:
        _check_recommended(recommended, enterprise.pk)
    if recommended is not None:
        row.recommended_articles.set(recommended)  # parental: stored by the save below
    row.save()
    return row


def salesperson_article_settings_update(
    *, salesperson: Salesperson, recommended: list[ArticlePage] | None = None, **values
) -> SalespersonArticleSettings:
    """A salesperson's own article choices (validated the same way)."""
    row, _ = SalespersonArticleSettings.objects.get_or_create(
        salesperson=salesperson, defaults={"enterprise": salesperson.enterprise}
    )
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(exclude=["enterprise", "salesperson"])
    if recommended is not None:
        _check_recommended(recommended, salesperson.enterprise_id)
    if recommended is not None:
        row.recommended_articles.set(recommended)  # parental: stored by the save below
    row.save()
    return row


# --- WeChat import (ART-2) -------------------------------------------------------------------


def article_import_request(*, enterprise: Enterprise, user, url: str) -> ArticleImport:
    """Record an import and run it on the worker once the row is committed."""
    from .tasks import article_import_run

    salesperson = getattr(user, "salesperson", None)
    from enterprises.selectors import scope_for_user

    owner = (
        salesperson if salesperson is not None and not scope_for_user(user).sees_whole_enterprise else None
    )
    job = ArticleImport.objects.create(
        enterprise=enterprise, requested_by=user, owner_salesperson=owner, url=url.strip()[:1000]
    )
    transaction.on_commit(lambda: article_import_run.delay(job.pk))
    return job


def _progress(
    job: ArticleImport, progress: int, status: str = ImportStatus.RUNNING, message: str = ""
) -> None:
    job.progress, job.status = progress, status
    if message:
        job.message = message
    ArticleImport.objects.filter(pk=job.pk).update(progress=progress, status=status, message=job.message)


def _fetch_image(url: str) -> tuple[bytes, str]:
    response = safe_fetch.fetch(url, max_bytes=MAX_IMAGE_BYTES)
    try:
        image_pixels_check(io.BytesIO(response.content))
    except ValidationError as error:  # a small file declaring a huge canvas (issue 18)
        if error.code == "image_too_many_pixels":
            raise safe_fetch.FetchError(f"{url}: {error.messages[0]}", code="too_many_pixels") from None
    try:
        with PILImage.open(io.BytesIO(response.content)) as probe:
            fmt = (probe.format or "png").lower()
            probe.verify()
    except (UnidentifiedImageError, OSError) as error:
        raise safe_fetch.FetchError(f"{url} is not an image.", code="not_image") from error
    return response.content, {"jpeg": "jpg"}.get(fmt, fmt)


def _decode(response: safe_fetch.Response) -> str:
    for encoding in (response.encoding, "utf-8", "gb18030"):
        if not encoding:
            continue
        try:
            return response.content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return response.content.decode("utf-8", errors="replace")


def article_import_run(*, import_id: int) -> ArticleImport:
    """Fetch, extract, re-host images, save a draft. Any failure leaves a message and creates nothing."""
    job = ArticleImport.objects.select_related("enterprise__collection", "requested_by").get(pk=import_id)
    if job.status == ImportStatus.DONE:
        return job  # idempotent: a redelivered task does not import twice
    _progress(job, 5)
    try:
        response = safe_fetch.fetch(job.url)
        if response.content_type and "html" not in response.content_type:
            raise NotAnArticle("The address is not a web page.")
        _progress(job, 20)
        data = extract(_decode(response), base_url=response.url)
        _progress(job, 30)
        images: dict[str, tuple[bytes, str]] = {}
        urls = data.image_urls[:MAX_IMPORT_IMAGES]
        for n, url in enumerate(urls, start=1):
            images[url] = _fetch_image(url)
            _progress(job, 30 + int(60 * n / max(len(urls), 1)))
        article = _save_import(job, data, images)
    except safe_fetch.BlockedAddress as error:  # the message names the host, never its address
        _progress(job, 100, ImportStatus.FAILED, gettext("Blocked address: %(reason)s") % {"reason": error})
        return job
    except safe_fetch.BadURL as error:
        _progress(job, 100, ImportStatus.FAILED, f"Bad address: {error}")
        return job
    except safe_fetch.FetchError as error:
        _progress(job, 100, ImportStatus.FAILED, f"Could not fetch the article: {error}")
        return job
    except NotAnArticle as error:
        _progress(job, 100, ImportStatus.FAILED, f"Not an article: {error}")
        return job
    except Exception:
        logger.exception("article import %s failed", job.pk)
        _progress(job, 100, ImportStatus.FAILED, "The import failed unexpectedly; nothing was created.")
        return job
    note = "Imported as a draft."
    if data.dropped:
        note += " Left out: " + ", ".join(f"{n} {kind}" for kind, n in data.dropped.items()) + "."
    job.article = article
    job.save(update_fields=["article"])
    _progress(job, 100, ImportStatus.DONE, note)
    return job


@transaction.atomic
def _save_import(job: ArticleImport, data, images: dict[str, tuple[bytes, str]]) -> ArticlePage:
    image_model = get_image_model()
    saved = {}
    for url, (content, ext) in images.items():
        title = f"{data.title[:60]} ({len(saved) + 1})"
        saved[url] = image_model.objects.create(
            title=title,
            file=ImageFile(io.BytesIO(content), name=f"import-{uuid.uuid4().hex[:12]}.{ext}"),
            collection=job.enterprise.collection,
            uploaded_by_user=job.requested_by,
        )
    body = []
    for kind, value in data.parts:
        if kind == "html":
            html = clean_stored(value).strip()
            if html:
                body.append({"type": "rich_text", "value": html})
        elif kind == "image" and value in saved:
            body.append({"type": "image", "value": {"image": saved[value].pk, "caption": ""}})
        elif kind == "video":
            body.append({"type": "video", "value": {"url": value, "poster": None, "title": ""}})
    cover = saved.get(data.cover_url) or next(iter(saved.values()), None)
    return article_create(
        enterprise=job.enterprise,
        title=data.title,
        summary=data.summary,
        author=data.author,
        cover=cover,
        body=body,
        owner_salesperson=job.owner_salesperson,
        user=job.requested_by,
        source_url=job.url[:500],
    )
