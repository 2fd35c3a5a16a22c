from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackersConfig(AppConfig):
    name = "trackers"
    label = "trackers"
    verbose_name = _("Sharing and tracking")
