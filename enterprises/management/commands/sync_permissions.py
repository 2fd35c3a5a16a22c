from django.core.management.base import BaseCommand

from enterprises.models import Enterprise
from enterprises.services import enterprise_sync_permissions


class Command(BaseCommand):
    help = "Re-apply every enterprise's role permissions (after new apps add model permissions)."

    def handle(self, *args, **options):
        for enterprise in Enterprise.objects.all():
            enterprise_sync_permissions(enterprise=enterprise)
        self.stdout.write(self.style.SUCCESS("Permissions synced."))
