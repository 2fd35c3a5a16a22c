"""Load the demo enterprise and every app's demo content; safe to run again."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from enterprises import demo


class Command(BaseCommand):
    help = "Create (or complete) the demo enterprise with its people and content."

    def handle(self, *args, **options):
        with transaction.atomic():
            context = demo.seed()
            for app in settings.DOMAIN_APPS:
                if app == "enterprises":
                    continue
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                module.seed_content(context)
                self.stdout.write(f"  demo content: {app}")
        site = context.enterprise.site
        self.stdout.write(self.style.SUCCESS(f"Demo enterprise “{context.enterprise}” ready."))
        self.stdout.write(
            f"Admin: {settings.WAGTAILADMIN_BASE_URL}/admin/  (site {site.hostname}:{site.port})"
        )
        self.stdout.write(f"Enterprise API key (X-Enterprise-Key): {context.enterprise.public_key}")
        for username, password, what in context.logins:
            self.stdout.write(f"  {username:<12} {password:<16} {what}")
