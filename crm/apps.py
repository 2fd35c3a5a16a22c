from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    label = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from cms.leadforms.services import FORM_SUBMITTED_HOOKS
        from enterprises.models import Role
        from enterprises.services import register_role_permissions

        from .services import lead_from_submission

        if lead_from_submission not in FORM_SUBMITTED_HOOKS:
            FORM_SUBMITTED_HOOKS.append(lead_from_submission)

        own = [f"crm.{a}_{m}" for m in ("lead", "followup", "task") for a in ("add", "change", "view")]
        everything = [
            f"crm.{a}_{m}"
            for m in ("lead", "followup", "task", "tag", "collision", "marketingtask")
            for a in ("add", "change", "delete", "view")
        ]
        register_role_permissions(Role.SALESPERSON, own)
        register_role_permissions(Role.OPERATOR, own)
        register_role_permissions(Role.OWNER, everything)
        register_role_permissions(Role.ADMIN, everything)
