from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "cms.files"
    label = "salesfiles"
    verbose_name = _("Files")

    def ready(self) -> None:
        from cms import upload_limits
        from enterprises.models import Role

        upload_limits.install()  # the pixel limit for every image path (issue 18)
        from enterprises.services import register_role_permissions

        everyone = [f"salesfiles.{action}_salesfile" for action in ("add", "change", "delete", "view")]
        for role in Role:
            register_role_permissions(role, everyone)
