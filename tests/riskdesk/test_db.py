"""Repeated SELECTs keep their plan on the connection (riskdesk.db), on PostgreSQL."""

import pytest
from django.db import connection, transaction

from riskdesk.db import PreparingCursor
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
    from django.db import connections

    settings.DATABASE_PREPARE_THRESHOLD = None
    other = connections.create_connection("default")
    try:
        other.ensure_connection()
        assert not isinstance(other.connection.cursor(), PreparingCursor)
        assert other.connection.prepare_threshold is None
    finally:
        other.close()
