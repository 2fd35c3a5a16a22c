from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostersConfig(AppConfig):
    name = "cms.posters"
    label = "posters"
    verbose_name = _("Posters")

    def ready(self) -> None:
        from enterprises.models import Role
        from enterprises.services import register_role_permissions

        everyone = [f"posters.{action}_postertemplate" for action in ("add", "change", "delete", "view")]
        for role in Role:
            register_role_permissions(role, everyone)
