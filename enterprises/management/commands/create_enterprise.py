from django.core.management.base import BaseCommand

from enterprises.services import enterprise_create


class Command(BaseCommand):
    help = "Create an enterprise (tenant) with its Site, microsite home, collection and role groups."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug")
        parser.add_argument("--hostname")
        parser.add_argument("--port", type=int, default=80)

    def handle(self, *args, name, slug=None, hostname=None, port=80, **options):
        enterprise = enterprise_create(name=name, slug=slug, hostname=hostname, port=port)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {enterprise} (site {enterprise.site.hostname}:{enterprise.site.port}, "
                f"key {enterprise.public_key})"
            )
        )
