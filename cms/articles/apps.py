from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "cms.articles"
    label = "articles"
    verbose_name = "Articles"

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
