from django.apps import AppConfig


class LeadformsConfig(AppConfig):
    name = "cms.leadforms"
    label = "leadforms"
    verbose_name = "Lead forms"
