"""GIN index on Wagtail's combined search vector (title || body).

The PostgreSQL search backend filters with ``(title || body) @@ query``; without an index on that
expression every search scanned the whole index table (measured by bench/search_zh.py).
"""

from django.db import migrations

SQL = (
    "CREATE INDEX IF NOT EXISTS zh_search_title_body_gin "
    "ON wagtailsearch_indexentry USING gin ((title || body))"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS zh_search_title_body_gin")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_translatable_names"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
