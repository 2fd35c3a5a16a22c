from django.apps import AppConfig


class MicrositesConfig(AppConfig):
    name = "sites"
    label = "microsites"
    verbose_name = "Microsites"
