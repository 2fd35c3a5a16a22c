from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    label = "api"
    verbose_name = _("GraphQL API")

    def ready(self) -> None:
        # Cache invalidation is infrastructure, not business flow: any publish, unpublish or
        # delete of a page (shelf changes are published revisions), or a saved product or
        # file, starts a new response-cache generation.
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished

        from cms.files.models import SalesFile
        from cms.products.models import Product

        from .core.cache import invalidate

        page_published.connect(invalidate, dispatch_uid="api-cache-published")
        page_unpublished.connect(invalidate, dispatch_uid="api-cache-unpublished")
        post_delete.connect(_page_deleted, dispatch_uid="api-cache-page-deleted")
        for model in (Product, SalesFile):
            post_save.connect(invalidate, sender=model, dispatch_uid=f"api-cache-{model.__name__}")
            post_delete.connect(invalidate, sender=model, dispatch_uid=f"api-cache-del-{model.__name__}")


def _page_deleted(sender, instance, **kwargs) -> None:
    from wagtail.models import Page

    from .core.cache import invalidate

    if isinstance(instance, Page):
        invalidate()
