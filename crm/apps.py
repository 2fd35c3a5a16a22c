from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    label = "crm"
    verbose_name = "CRM"
