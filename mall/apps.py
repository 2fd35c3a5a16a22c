from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MallConfig(AppConfig):
    name = "mall"
    label = "mall"
    verbose_name = _("Mall")

    def ready(self) -> None:
        from enterprises.models import Role
        from enterprises.services import register_role_permissions

        managers = [f"mall.{a}_mallconnection" for a in ("add", "change", "view")]
        register_role_permissions(Role.OWNER, managers)
        register_role_permissions(Role.ADMIN, managers)
        for role in Role:
            register_role_permissions(role, ["mall.view_mallorder"])
