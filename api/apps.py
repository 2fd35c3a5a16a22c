"""The GraphQL API app. Cache invalidation is not wired here: visitor answers are keyed on the
publication generation that ``sites.publication`` bumps for every publish, unpublish, delete,
shelf change and saved product or file."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    label = "api"
    verbose_name = _("GraphQL API")
