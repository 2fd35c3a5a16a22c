"""Wagtail documents stored by earlier versions under MEDIA_ROOT/documents/ move to
PRIVATE_MEDIA_ROOT (issue 18, hole 1): same names, so Document rows stay valid and nothing is lost.
``manage.py private_media_move`` does the same for files restored later."""

from django.db import migrations


def move_documents_to_private_storage(apps, schema_editor):
    from cms.storage import private_media_move

    private_media_move(prefixes=("documents/",))


class Migration(migrations.Migration):
    dependencies = [
        ("salesfiles", "0003_translatable_names"),
    ]

    operations = [
        migrations.RunPython(move_documents_to_private_storage, migrations.RunPython.noop),
    ]
