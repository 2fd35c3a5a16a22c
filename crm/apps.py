from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    label = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from cms.leadforms.services import FORM_SUBMITTED_HOOKS
        from enterprises.models import Role
        from enterprises.services import register_role_permissions
        from trackers.hooks import (
            NEW_LEAD_COUNTERS,
            VISITOR_IDENTIFIED_HOOKS,
            VISITOR_MERGED_HOOKS,
            VISITOR_TAGGED_HOOKS,
        )

        from .selectors import lead_new_counts
        from .services import (
            lead_from_submission,
            lead_on_visitor_identified,
            leads_follow_merge,
            tag_rules_on_visitor_tagged,
        )

        if lead_from_submission not in FORM_SUBMITTED_HOOKS:
            FORM_SUBMITTED_HOOKS.append(lead_from_submission)
        if tag_rules_on_visitor_tagged not in VISITOR_TAGGED_HOOKS:
            VISITOR_TAGGED_HOOKS.append(tag_rules_on_visitor_tagged)
        # CRM-1: every identified visitor is a lead; merged visitors' leads follow the merge.
        if leads_follow_merge not in VISITOR_MERGED_HOOKS:
            VISITOR_MERGED_HOOKS.append(leads_follow_merge)
        if lead_on_visitor_identified not in VISITOR_IDENTIFIED_HOOKS:
            VISITOR_IDENTIFIED_HOOKS.append(lead_on_visitor_identified)
        if lead_new_counts not in NEW_LEAD_COUNTERS:
            NEW_LEAD_COUNTERS.append(lead_new_counts)

        own = [f"crm.{a}_{m}" for m in ("lead", "followup", "task") for a in ("add", "change", "view")]
        everything = [
            f"crm.{a}_{m}"
            for m in ("lead", "followup", "task", "tag", "tagrule", "collision", "marketingtask")
            for a in ("add", "change", "delete", "view")
        ]
        register_role_permissions(Role.SALESPERSON, own)
        register_role_permissions(Role.OPERATOR, own)
        register_role_permissions(Role.OWNER, everything)
        register_role_permissions(Role.ADMIN, everything)
