from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MicrositesConfig(AppConfig):
    name = "sites"
    label = "microsites"
    verbose_name = _("Microsites")

    def ready(self) -> None:
        from .publication import connect_publication_signals

        connect_publication_signals()
