from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "cms.files"
    label = "salesfiles"
    verbose_name = "Files"
