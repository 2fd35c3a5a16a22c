from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "cms.cards"
    label = "cards"
    verbose_name = _("Business cards")

    def ready(self) -> None:
        from enterprises.models import Role
        from enterprises.services import SALESPERSON_CREATED_HOOKS, register_role_permissions

        from .services import card_create_for_salesperson

        if card_create_for_salesperson not in SALESPERSON_CREATED_HOOKS:
            SALESPERSON_CREATED_HOOKS.append(card_create_for_salesperson)
        admins = [
            "cards.change_card",
            "cards.view_card",
            "cards.change_cardtemplate",
            "cards.view_cardtemplate",
        ]
        for role in (Role.OWNER, Role.ADMIN):
            register_role_permissions(role, admins)
        for role in (Role.OPERATOR, Role.SALESPERSON):
            register_role_permissions(role, ["cards.change_card", "cards.view_card"])
