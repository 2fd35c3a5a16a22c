"""Make the event table partitioned by month."""

from django.db import migrations

from trackers.partitions import CREATE_PARTITIONED, event_partitions_ensure


def partition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CREATE_PARTITIONED)
    event_partitions_ensure(months_back=24, months_ahead=12, using=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("trackers", "0002_tracking")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
