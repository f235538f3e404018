"""riskdesk.db, on PostgreSQL: repeated SELECTs keep their plan on the connection;
timestamps are read by psycopg's compiled loader."""

import datetime

import pytest
from django.db import DataError, connection, connections, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from riskdesk.db import CompiledTimestamptzLoader, PreparingCursor
from tests.monitoring.factories import MentionFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def _status_of(pk: int) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM monitoring_mention WHERE id = %s", [pk])
        row = cursor.fetchone()
    return row and row[0]


def test_a_select_sent_again_runs_its_stored_plan_with_its_own_values():
    connection.ensure_connection()
    assert isinstance(connection.connection.cursor(), PreparingCursor)
    first, second = MentionFactory(status="new"), MentionFactory(status="resolved")
    query = f"SELECT status FROM monitoring_mention WHERE id = {first.pk}"  # noqa: S608 (an id)

    assert _status_of(first.pk) == "new"  # the first time: planned, not kept
    assert query not in _prepared()
    assert _status_of(first.pk) == "new"  # again: prepared and run
    assert query in _prepared()
    assert _status_of(first.pk) == "new"
    # Another value is another text: its own plan, its own rows.
    assert _status_of(second.pk) == "resolved"
    assert _status_of(second.pk) == "resolved"
    # The ORM's reads go the same way, and what Django logs is the text sent.
    for _ in range(3):
        assert list(type(first).objects.filter(pk=second.pk).values_list("status", flat=True)) == [
            "resolved"
        ]
    assert any(f'"id" = {second.pk}' in text for text in _prepared())


def test_a_stored_plan_reads_rows_written_after_it():
    mention = MentionFactory(status="new")
    assert _status_of(mention.pk) == "new"
    assert _status_of(mention.pk) == "new"
    type(mention).objects.filter(pk=mention.pk).update(status="resolved")
    assert _status_of(mention.pk) == "resolved"


def test_writes_and_transaction_commands_are_never_prepared():
    mention = MentionFactory(status="new")
    for _ in range(3):
        with transaction.atomic():  # SAVEPOINT / RELEASE SAVEPOINT, the same text each time
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE monitoring_mention SET status = 'new' WHERE id = %s", [mention.pk]
                )
            # Two statements in one text cannot be prepared: sent as they are.
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1; SELECT 2")
    assert not [text for text in _prepared() if not text.startswith("SELECT")]


def test_off_leaves_djangos_cursor(settings):
    settings.DATABASE_PREPARE_THRESHOLD = None
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        assert not isinstance(other.connection.cursor(), PreparingCursor)
        assert other.connection.prepare_threshold is None
    finally:
        other.close()


TIMESTAMPS = (
    "'2026-12-06 21:50:29.302752+00'",
    "'2026-03-29 01:59:59.999999+02'",  # another offset, read back in UTC
    "'1999-12-31 23:00:00-05:30'",
    "'0044-03-15 12:00:00+00'",
    "'9999-12-31 23:59:59.999999+00'",
    "NULL",
)


def _read(cursor) -> list:
    cursor.execute("SELECT " + ", ".join(f"{value}::timestamptz" for value in TIMESTAMPS))
    return list(cursor.fetchone())


def test_timestamps_are_read_by_the_compiled_loader_as_django_reads_them():
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, Format.TEXT) is (
        CompiledTimestamptzLoader
    )
    with connection.cursor() as cursor:
        ours = _read(cursor)
        register_tzloader(connection.timezone, cursor)  # Django's own, on this cursor only
        djangos = _read(cursor)
    assert ours == djangos
    assert ours[0] == datetime.datetime(2026, 12, 6, 21, 50, 29, 302752, tzinfo=datetime.UTC)
    assert all(value.tzinfo is datetime.UTC for value in ours[:-1])
    assert ours[-1] is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'infinity'::timestamptz")
        with pytest.raises(DataError):  # as Django's loader refuses it
            cursor.fetchone()


def test_a_session_in_another_time_zone_keeps_djangos_loader():
    default = connections["default"]
    other = type(default)({**default.settings_dict, "TIME_ZONE": "Europe/Paris"}, "default")
    try:
        other.ensure_connection()
        loader = other.connection.adapters.get_loader(1184, Format.TEXT)
        assert loader is not CompiledTimestamptzLoader
        assert str(loader.timezone) == "Europe/Paris"
    finally:
        other.close()
