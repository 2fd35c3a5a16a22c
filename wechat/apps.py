from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "wechat"
    label = "wechat"
    verbose_name = _("WeChat and WeCom")

    def ready(self) -> None:
        from enterprises.models import Role
        from enterprises.services import register_role_permissions
        from trackers.hooks import VISITOR_IDENTIFIED_HOOKS
        from trackers.notifications import register_channel

        from . import services

        # TRK-4: each salesperson's chosen channel (SalespersonWeChat.notification_channel).
        register_channel("wechat", services.notifications_send)
        if services.external_contacts_link_visitor not in VISITOR_IDENTIFIED_HOOKS:
            VISITOR_IDENTIFIED_HOOKS.append(services.external_contacts_link_visitor)

        admins = [
            f"wechat.{action}_{model}"
            for model in ("wechataccount", "salespersonwechat", "channelcode", "externaltag", "massmessage")
            for action in ("add", "change", "delete", "view")
        ] + ["wechat.view_externalcontact", "wechat.change_externalcontact"]
        register_role_permissions(Role.OWNER, admins)
        register_role_permissions(Role.ADMIN, admins)
        register_role_permissions(
            Role.SALESPERSON, ["wechat.view_externalcontact", "wechat.view_channelcode"]
        )
