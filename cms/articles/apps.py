from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "cms.articles"
    label = "articles"
    verbose_name = _("Articles")

    def ready(self) -> None:
        from enterprises.models import Role
        from enterprises.services import register_role_permissions

        def perms(model: str, actions=("add", "change", "delete", "view")) -> list[str]:
            return [f"articles.{action}_{model}" for action in actions]

        managers = [
            *perms("articlecategory"),
            *perms("articletag"),
            *perms("articlesettings", ("add", "change", "view")),
        ]
        for role in (Role.OWNER, Role.ADMIN, Role.OPERATOR):
            register_role_permissions(role, managers)
        for role in Role:
            register_role_permissions(role, [*perms("salespersonarticlesettings", ("add", "change", "view"))])
        register_role_permissions(
            Role.SALESPERSON, perms("articlecategory", ("view",)) + perms("articletag", ("view",))
        )

        # ART-3: the library's "Shares" column counts real forwards (tracking's share events).
        from .selectors import SHARE_COUNT_PROVIDERS

        if article_shares not in SHARE_COUNT_PROVIDERS:
            SHARE_COUNT_PROVIDERS.append(article_shares)


def article_shares(ids: list[int]) -> dict[int, int]:
    from trackers.selectors import content_share_counts

    return content_share_counts(kind="article", target_ids=ids)
