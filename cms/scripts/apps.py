from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScriptsConfig(AppConfig):
    name = "cms.scripts"
    label = "salesscripts"
    verbose_name = _("Sales scripts")

    def ready(self) -> None:
        from enterprises.models import Role
        from enterprises.services import register_role_permissions

        everyone = [
            f"salesscripts.{action}_{model}"
            for model in ("salesscript", "scriptgroup")
            for action in ("add", "change", "delete", "view")
        ]
        for role in Role:
            register_role_permissions(role, everyone)
