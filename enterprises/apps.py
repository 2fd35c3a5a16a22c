from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

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

        # Wagtail's own admin screens confined to the user's enterprise (enterprises/admin_core.py).
        from . import admin_core

        admin_core.install_log_scoping()
        admin_core.scope_page_filters()

        # Row-level security (enterprises/rls.py): policies after every migrate, bypass for worker tasks.
        from celery.signals import task_postrun, task_prerun
        from django.db.models.signals import post_migrate

        from . import rls

        post_migrate.connect(rls.policies_apply_after_migrate, sender=self, dispatch_uid="enterprises.rls")
        task_prerun.connect(rls.task_started, dispatch_uid="enterprises.rls.prerun", weak=False)
        task_postrun.connect(rls.task_finished, dispatch_uid="enterprises.rls.postrun", weak=False)
