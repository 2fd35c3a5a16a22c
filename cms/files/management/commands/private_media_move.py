"""Move private uploads (documents/, crm/) from MEDIA_ROOT to PRIVATE_MEDIA_ROOT (issue 18).

The migrations run this once; run it again after restoring an old media backup into MEDIA_ROOT.
"""

from django.core.management.base import BaseCommand

from cms.storage import private_media_move, private_media_root


class Command(BaseCommand):
    help = "Move private uploads (documents/, crm/) out of MEDIA_ROOT into PRIVATE_MEDIA_ROOT."

    def handle(self, *args, **options):
        moved = private_media_move()
        for name in moved:
            self.stdout.write(name)
        self.stdout.write(f"{len(moved)} file(s) moved to {private_media_root()}")
