"""Statistics of each reason's bit on every partition of the mentions (PostgreSQL).

The planner then knows how rare each reason is (monitoring.partitions.add_reason_statistics,
which gives every partition made later its own). Each partition is analysed once here, so
that months no longer written to get them too: ANALYZE reads a sample, a second or so a
partition.
"""

from django.db import migrations

TABLE = "monitoring_mention"
# monitoring.models.REASON_BITS as it is at this migration.
CODES = ("legal", "security", "crisis", "compliance", "profanity", "reach", "negative",
         "watchlist", "impersonation")  # fmt: skip


def _partitions(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [TABLE],
    )
    return [name for (name,) in cursor.fetchall()]


def add_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in _partitions(cursor):
            for n, code in enumerate(CODES):
                cursor.execute(
                    f"CREATE STATISTICS IF NOT EXISTS {table}_reason_{code} "
                    f"ON (reason_flags & {1 << n}) FROM {table}"
                )
            cursor.execute(f"ANALYZE {table}")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in _partitions(cursor):
            for code in CODES:
                cursor.execute(f"DROP STATISTICS IF EXISTS {table}_reason_{code}")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0022_reason_indexes_with_team_and_status")]

    operations = [migrations.RunPython(add_statistics, drop_statistics)]
