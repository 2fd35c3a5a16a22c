from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadformsConfig(AppConfig):
    name = "cms.leadforms"
    label = "leadforms"
    verbose_name = _("Lead forms")
