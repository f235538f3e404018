from django.db import migrations

# The inbox's reason filter finds its mentions through this index first when they are few
# (monitoring.inbox.few_first). PostgreSQL only; SQLite looks through the list.
REASONS_SQL = (
    "CREATE INDEX mention_reasons ON monitoring_mention USING GIN (risk_reasons jsonb_path_ops);"
)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REASONS_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX mention_reasons;")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0006_inbox_speed")]

    operations = [migrations.RunPython(add_index, drop_index)]
