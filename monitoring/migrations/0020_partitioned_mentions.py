"""Mentions partitioned by month of published_at on PostgreSQL; their keys in MentionKey.

The conversion works in place on the live table, whatever the earlier migrations made of
it: the columns come from the table itself (CREATE TABLE … LIKE), the indexes from the
catalog. On SQLite only the keys and the model state change.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "monitoring_mention"
OLD = "monitoring_mention_unpartitioned"
# What a partitioned table takes from the live one (its indexes are made afterwards).
LIKE = (
    "INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY INCLUDING CONSTRAINTS "
    "INCLUDING STORAGE INCLUDING COMMENTS"
)
MONTHS_AHEAD = 3


def fill_keys(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO monitoring_mentionkey (platform, external_id, mention_id) "
            "SELECT platform, external_id, id FROM monitoring_mention"
        )


def _index_definitions(cursor, table):
    """(name, CREATE INDEX …) of `table`'s indexes that back no constraint."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY i.relname",
        [table],
    )
    return cursor.fetchall()


def _foreign_keys(cursor, table):
    """(name, definition) of the foreign keys `table` holds."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    return cursor.fetchall()


def _stored_columns(cursor, table):
    cursor.execute(
        "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        [table],
    )
    return ", ".join(name for (name,) in cursor.fetchall())


def _sequence_state(cursor, table):
    cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
    (sequence,) = cursor.fetchone()
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
    return sequence, cursor.fetchone()


def _swap(cursor, create_sql, move_rows):
    """Rename the live table away, make the new one by `create_sql`, move the rows, drop
    the old one; the sequence, the foreign keys it holds and its indexes carry over."""
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    # Foreign keys that point at the mentions: none can point at a partitioned table whose
    # key holds published_at (the models say db_constraint=False; this catches the rest).
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    for table, name in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    indexes = _index_definitions(cursor, TABLE)
    foreign_keys = _foreign_keys(cursor, TABLE)
    _, (last_value, is_called) = _sequence_state(cursor, TABLE)
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {TABLE}_pkey TO {OLD}_pkey")
    for name, _definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {OLD} DROP CONSTRAINT "{name}"')
    create_sql(cursor)
    columns = _stored_columns(cursor, OLD)
    move_rows(cursor, columns)
    cursor.execute(f"DROP TABLE {OLD}")  # and its sequence
    sequence, _ = _sequence_state(cursor, TABLE)
    cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {TABLE}_id_seq")
    cursor.execute(f"SELECT setval('{TABLE}_id_seq', %s, %s)", [last_value, is_called])
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in indexes:
        yield definition
    cursor.execute(f"ANALYZE {TABLE}")


def _month_partition(cursor, month):
    """The partition of the month starting `month` (a date), as monitoring.partitions names it."""
    after = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    cursor.execute(
        f"CREATE TABLE {TABLE}_p{month:%Y%m} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
        [f"{month:%Y-%m-%d} 00:00+00", f"{after:%Y-%m-%d} 00:00+00"],
    )


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    import datetime

    def create(cursor):
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD} {LIKE}) PARTITION BY RANGE (published_at)"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id, published_at)")
        # The months that hold rows, and this one and the next few for what comes.
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', published_at AT TIME ZONE 'UTC')::date "  # noqa: S608
            f"FROM {OLD}"
        )
        months = {month for (month,) in cursor.fetchall()}
        month = datetime.datetime.now(datetime.UTC).date().replace(day=1)
        for _ in range(MONTHS_AHEAD + 1):
            months.add(month)
            month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
        for month in sorted(months):
            _month_partition(cursor, month)
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")

    def move(cursor, columns):
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {OLD}"  # noqa: S608
        )

    with schema_editor.connection.cursor() as cursor:
        for definition in _swap(cursor, create, move):
            if definition.startswith("CREATE UNIQUE INDEX") and "published_at" not in definition:
                # A partitioned table's unique index must hold published_at: the key of a
                # mention is MentionKey's now, and the index serves its lookups as a plain one.
                definition = definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX", 1)
            cursor.execute(definition)


def unpartition(apps, schema_editor):
    """Back to one table (the months' rows in it, the partitions dropped)."""
    if schema_editor.connection.vendor != "postgresql":
        return

    def create(cursor):
        cursor.execute(f"CREATE TABLE {TABLE} (LIKE {OLD} {LIKE})")
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")

    def move(cursor, columns):
        cursor.execute(
            f"INSERT INTO {TABLE} ({columns}) SELECT {columns} FROM {OLD}"  # noqa: S608
        )

    with schema_editor.connection.cursor() as cursor:
        for definition in _swap(cursor, create, move):
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0019_mention_impersonation_open"),
        # Their foreign keys to the mentions go first (db_constraint=False).
        ("inbox", "0004_partitioned_mentions"),
        ("incidents", "0004_partitioned_mentions"),
        ("respond", "0002_partitioned_mentions"),
    ]

    operations = [
        migrations.CreateModel(
            name="MentionKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "platform",
                        "external_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "platform",
                    models.CharField(
                        choices=[
                            ("x", "X"),
                            ("mastodon", "Mastodon"),
                            ("bluesky", "Bluesky"),
                            ("reddit", "Reddit"),
                            ("youtube", "YouTube"),
                            ("news", "News (RSS/Atom)"),
                            ("facebook", "Facebook"),
                            ("instagram", "Instagram"),
                            ("other", "Other (pushed by a listening tool)"),
                        ],
                        max_length=16,
                    ),
                ),
                ("external_id", models.CharField(max_length=255)),
                (
                    "mention",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="monitoring.mention",
                    ),
                ),
            ],
            options={"verbose_name": "mention key", "verbose_name_plural": "mention keys"},
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="mention", name="monitoring_mention_unique"),
        migrations.AlterField(
            model_name="mention",
            name="tags",
            field=models.ManyToManyField(
                blank=True,
                db_constraint=False,
                related_name="+",
                to="monitoring.tag",
                verbose_name="tags",
            ),
        ),
        migrations.AddIndex(
            model_name="mention",
            index=models.Index(fields=["platform", "external_id"], name="mention_key"),
        ),
        migrations.RunPython(partition, unpartition),
    ]
