from django.apps import AppConfig


class PostersConfig(AppConfig):
    name = "cms.posters"
    label = "posters"
    verbose_name = "Posters"
