from django.apps import AppConfig


class TrackersConfig(AppConfig):
    name = "trackers"
    label = "trackers"
    verbose_name = "Sharing and tracking"
