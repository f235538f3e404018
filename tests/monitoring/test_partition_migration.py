"""Migration 0020 partitions a mentions table that holds rows, and back; 0021 trims its
indexes (PostgreSQL). Each test leaves the schema at the latest migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL partitions"),
]
BEFORE = ("monitoring", "0019_mention_impersonation_open")
AFTER = ("monitoring", "0020_partitioned_mentions")


def _migrate(target=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target or executor.loader.graph.leaf_nodes("monitoring")[0]])


def _one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'monitoring_mention'")
        return {name for (name,) in cursor.fetchall()}


def test_the_migration_partitions_a_table_holding_rows_and_back():
    _migrate(BEFORE)
    assert _one("SELECT relkind FROM pg_class WHERE relname = 'monitoring_mention'") == "r"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO monitoring_mention (platform, external_id, author_id, author_handle, "
            "author_name, author_verified, text, url, language, published_at, parent_id, "
            "thread_id, engagement, raw, sentiment_label, risk_score, risk_reasons, priority, "
            "status, rule_trace, received_at) SELECT 'x', 'm' || n, '', '', '', false, "
            "'text ' || n, '', 'en', timestamptz '2024-01-20' + n * interval '9 days', '', '', "
            "0, '{}', '', n, '[{\"code\": \"legal\"}]', 2, 'new', '[]', now() "
            "FROM generate_series(1, 60) n"
        )
        cursor.execute("INSERT INTO monitoring_tag (name) VALUES ('moved')")
        cursor.execute(
            "INSERT INTO monitoring_mention_tags (mention_id, tag_id) "
            "SELECT id, (SELECT id FROM monitoring_tag) FROM monitoring_mention"
        )
    last_id = _one("SELECT max(id) FROM monitoring_mention")
    before = _indexes() - {"monitoring_mention_unique", "monitoring_mention_pkey"}

    _migrate(AFTER)

    from monitoring import partitions, pipeline
    from tests.monitoring.scripted import mention

    assert partitions.is_partitioned()
    assert _one("SELECT count(*) FROM monitoring_mention") == 60
    assert _one("SELECT count(*) FROM monitoring_mention_default") == 0
    assert _one("SELECT count(*) FROM monitoring_mentionkey") == 60
    assert _one("SELECT sum(reason_flags) FROM monitoring_mention") > 0
    assert _one("SELECT count(*) FROM monitoring_mention_tags") == 60
    # Every month that held rows has its partition, and every index came back on each.
    assert len(partitions.partition_months()) >= 18
    assert before | {"mention_key"} <= _indexes()
    assert _one(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'monitoring_mention_p202402'"
    ) == len(_indexes())
    # The sequence went on from the old one (an id each, the duplicate's unused); the keys
    # judge duplicates.
    result = pipeline.ingest([mention(1, external_id="m5"), mention(2, external_id="new")])
    assert result.duplicates == [("x", "m5")]
    assert result.ids == [last_id + 2]

    _migrate(BEFORE)

    assert _one("SELECT relkind FROM pg_class WHERE relname = 'monitoring_mention'") == "r"
    assert _one("SELECT count(*) FROM monitoring_mention") == 61
    assert "monitoring_mention_unique" in _indexes()
    _migrate()
    assert partitions.is_partitioned()


FOREIGN_KEY_INDEXES = {
    "monitoring_mention_team_id_e9fb9832",
    "monitoring_mention_assignee_id_97bd7129",
    "monitoring_mention_impersonates_id_078abf6d",
    "monitoring_mention_owned_by_id_ab0f992a",
}


def test_the_foreign_keys_single_indexes_go_the_rare_ones_partial_and_back():
    _migrate(AFTER)
    assert _indexes() >= FOREIGN_KEY_INDEXES

    _migrate()

    assert not FOREIGN_KEY_INDEXES & _indexes()
    assert {"mention_impersonates", "mention_owned_by"} <= _indexes()
    assert "WHERE (impersonates_id IS NOT NULL)" in _one(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'mention_impersonates'"
    )
    # On every partition too, and the keys themselves are still checked.
    partition = "monitoring_mention_default"
    assert _one("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [partition]) == len(
        _indexes()
    )
    assert (
        _one(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'monitoring_mention'::regclass "
            "AND contype = 'f'"
        )
        >= 4
    )

    _migrate(AFTER)
    assert _indexes() >= FOREIGN_KEY_INDEXES
    _migrate()
