from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    label = "enterprises"
    verbose_name = "Enterprises"

    def ready(self) -> None:
        from .models import Role
        from .services import register_role_permissions

        managers = [
            "enterprises.add_department",
            "enterprises.change_department",
            "enterprises.delete_department",
            "enterprises.view_department",
            "enterprises.change_salesperson",
            "enterprises.view_salesperson",
        ]
        register_role_permissions(Role.OWNER, managers)
        register_role_permissions(Role.ADMIN, managers)
