"""Indexes the hot queries rely on."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monitoring.models import Mention
from monitoring.selectors import keys_q

pytestmark = pytest.mark.django_db


def test_the_dashboards_received_count_has_an_index():
    """The dashboard counts Mention.received_at >= a day ago on every load."""
    indexed = [list(index.fields) for index in Mention._meta.indexes]
    assert ["received_at"] in indexed


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan is stable on few rows")
def test_the_received_count_uses_the_index():
    since = timezone.now() - timedelta(hours=24)
    sql, params = (
        Mention.objects.filter(received_at__gte=since)
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "mention_received" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan is stable on few rows")
def test_looking_for_the_replies_to_a_batch_uses_the_parent_index_on_every_network():
    keys = {("x", "1"), ("reddit", "t3_2")}
    query = Mention.objects.filter(keys_q(keys, "parent_id", non_empty=True)).values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = [str(row) for row in cursor.fetchall()]
    searches = [step for step in plan if "SEARCH" in step]
    assert len(searches) == 2
    assert all("mention_parent" in step for step in searches), plan
