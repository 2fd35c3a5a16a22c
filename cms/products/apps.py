from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "cms.products"
    label = "products"
    verbose_name = _("Products")

    def ready(self) -> None:
        from enterprises.models import Role
        from enterprises.services import register_role_permissions

        manage = [f"products.{action}_product" for action in ("add", "change", "delete", "view")]
        for role in (Role.OWNER, Role.ADMIN, Role.OPERATOR):
            register_role_permissions(role, manage)
        register_role_permissions(Role.SALESPERSON, ["products.view_product"])
