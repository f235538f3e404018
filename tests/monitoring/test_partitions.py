"""Mentions partitioned by month (PostgreSQL), their keys in MentionKey (every database)."""

import gzip
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from inbox.models import MentionEvent
from incidents.models import IncidentMention, Status
from monitoring import partitions, pipeline
from monitoring.models import REASON_BITS, Mention, MentionKey, Tag
from riskdesk.models import AuditEvent
from tests.incidents.factories import IncidentFactory
from tests.monitoring.factories import MentionFactory
from tests.monitoring.scripted import mention

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL partitions the mentions"
)


def _reason_statistics(table: str) -> set[str]:
    """The reasons whose bit `table` keeps statistics of."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxname FROM pg_statistic_ext WHERE stxrelid = %s::regclass", [table]
        )
        return {name.removeprefix(f"{table}_reason_") for (name,) in cursor.fetchall()}


def _partition_of(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM monitoring_mention WHERE id = %s", [pk]
        )
        return cursor.fetchone()[0]


def _keys() -> list[tuple[str, str, int]]:
    return sorted(MentionKey.objects.values_list("platform", "external_id", "mention_id"))


def test_a_refetch_with_another_date_is_a_duplicate():
    # A feed's `updated`, a connector that falls back to now: the same post, months apart.
    first = pipeline.ingest([mention(1, published_at=datetime(2026, 1, 5, tzinfo=UTC))])
    again = pipeline.ingest(
        [
            mention(1, published_at=datetime(2026, 12, 1, tzinfo=UTC)),
            mention(2, published_at=datetime(2031, 7, 1, tzinfo=UTC)),
        ]
    )

    assert again.duplicates == [("x", "1")]
    assert again.stored == [("x", "2")]
    assert Mention.objects.count() == 2
    assert Mention.objects.get(external_id="1").published_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert _keys() == [("x", "1", first.ids[0]), ("x", "2", again.ids[0])]


def test_a_refetch_is_a_duplicate_on_the_on_conflict_way_too(monkeypatch):
    pipeline.ingest([mention(1, published_at=datetime(2026, 1, 5, tzinfo=UTC))])
    monkeypatch.setattr(pipeline, "_direct_skips", 0)

    result = pipeline.ingest(
        [mention(1, published_at=datetime(2026, 2, 5, tzinfo=UTC)), mention(3)]
    )

    assert result.duplicates == [("x", "1")]
    assert result.stored == [("x", "3")]
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["1", "3"]
    assert [key[:2] for key in _keys()] == [("x", "1"), ("x", "3")]


def test_an_ingest_that_fails_leaves_no_key(monkeypatch):
    def broken(stored):
        raise RuntimeError("hook failed")

    monkeypatch.setattr(pipeline, "_on_store", [broken])
    with pytest.raises(RuntimeError):
        pipeline.ingest([mention(1)])

    assert not MentionKey.objects.exists()
    monkeypatch.undo()
    assert pipeline.ingest([mention(1)]).stored == [("x", "1")]


def test_mentions_made_by_the_orm_claim_their_keys():
    made = MentionFactory(platform="x", external_id="k1")
    (bulk,) = Mention.objects.bulk_create(
        [Mention(platform="x", external_id="k2", text="t", published_at=made.published_at)]
    )

    assert _keys() == [("x", "k1", made.pk), ("x", "k2", bulk.pk)]
    with pytest.raises(IntegrityError), transaction.atomic():
        MentionFactory(
            platform="x", external_id="k1", published_at=datetime(2030, 1, 1, tzinfo=UTC)
        )
    assert pipeline.ingest([mention(1, external_id="k2")]).duplicates == [("x", "k2")]


def test_deleting_a_mention_deletes_its_key_tags_and_dependants():
    kept = MentionFactory()
    gone = MentionFactory()
    tag = Tag.objects.create(name="refund")
    gone.tags.add(tag)
    MentionEvent.objects.create(mention=gone, kind="note", text="seen")
    IncidentMention.objects.create(incident=IncidentFactory(), mention=gone)

    gone.delete()

    assert _keys() == [("x", kept.external_id, kept.pk)]
    assert not MentionEvent.objects.exists()
    assert not IncidentMention.objects.exists()
    assert not Mention.tags.through.objects.exists()
    assert pipeline.ingest([mention(1, external_id=gone.external_id)]).stored


@postgresql_only
def test_the_table_is_partitioned_by_month_and_rows_land_in_their_month():
    assert partitions.is_partitioned()
    partitions.ensure_partition(date(2029, 4, 1))
    result = pipeline.ingest(
        [
            mention(1, published_at=datetime(2029, 4, 30, 23, 59, tzinfo=UTC)),
            mention(2, published_at=datetime(1999, 1, 1, tzinfo=UTC)),
        ]
    )

    assert _partition_of(result.ids[0]) == "monitoring_mention_p202904"
    assert _partition_of(result.ids[1]) == "monitoring_mention_default"


@postgresql_only
def test_making_a_month_moves_its_rows_out_of_default():
    result = pipeline.ingest(
        [
            mention(1, published_at=datetime(2001, 5, 10, tzinfo=UTC)),
            mention(2, published_at=datetime(2001, 6, 1, tzinfo=UTC)),
        ]
    )
    first, second = result.ids
    Mention.objects.get(pk=first).tags.add(Tag.objects.create(name="old"))
    assert _partition_of(first) == "monitoring_mention_default"

    assert partitions.ensure_partition(date(2001, 5, 1)) is True
    assert partitions.ensure_partition(date(2001, 5, 1)) is False

    assert _partition_of(first) == "monitoring_mention_p200105"
    assert _partition_of(second) == "monitoring_mention_default"
    moved = Mention.objects.get(pk=first)
    assert moved.published_at == datetime(2001, 5, 10, tzinfo=UTC)
    assert moved.reason_flags == 0
    assert [t.name for t in moved.tags.all()] == ["old"]
    # Its indexes came with it: the partition has every index of the table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = ANY(%s) GROUP BY tablename",
            [["monitoring_mention_p200105", "monitoring_mention_default"]],
        )
        counts = [count for (count,) in cursor.fetchall()]
    assert len(counts) == 2
    assert counts[0] == counts[1] > 20
    # And the statistics of each reason, as every partition made ahead has them.
    assert _reason_statistics("monitoring_mention_p200105") == set(REASON_BITS)
    assert _reason_statistics("monitoring_mention_default") == set(REASON_BITS)
    # A re-fetch dated in the new month is still the same post.
    again = pipeline.ingest([mention(1, published_at=datetime(2001, 5, 20, tzinfo=UTC))])
    assert again.duplicates == [("x", "1")]


@postgresql_only
def test_partitions_are_made_ahead(settings):
    settings.MONITORING_PARTITIONS_AHEAD = 2
    now = datetime(2034, 11, 20, tzinfo=UTC)

    made = partitions.ensure_partitions(now=now)

    assert made == [
        "monitoring_mention_p203411",
        "monitoring_mention_p203412",
        "monitoring_mention_p203501",
    ]
    assert all(_reason_statistics(name) == set(REASON_BITS) for name in made)
    assert partitions.ensure_partitions(now=now) == []
    from monitoring.tasks import maintain_partitions

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(partitions.timezone, "now", lambda: now + timedelta(days=15))
        maintain_partitions()
    assert date(2035, 2, 1) in partitions.partition_months()


@postgresql_only
def test_retention_exports_keeps_open_incidents_and_deletes_the_rest(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    for month in (date(2002, 3, 1), date(2002, 4, 1)):
        partitions.ensure_partition(month)
    march = datetime(2002, 3, 15, tzinfo=UTC)
    result = pipeline.ingest(
        [
            mention(1, published_at=march),
            mention(2, published_at=march),
            mention(3, published_at=march),
            mention(4, published_at=datetime(2002, 4, 2, tzinfo=UTC)),
        ]
    )
    linked, closed, plain, april = result.ids
    open_incident = IncidentFactory(status=Status.INVESTIGATING)
    IncidentMention.objects.create(incident=open_incident, mention_id=linked)
    IncidentMention.objects.create(
        incident=IncidentFactory(status=Status.RESOLVED), mention_id=closed
    )
    MentionEvent.objects.create(mention_id=plain, kind="note", text="old")
    Mention.objects.get(pk=plain).tags.add(Tag.objects.create(name="archived"))

    (outcome,) = partitions.apply_retention(now=datetime(2002, 6, 15, tzinfo=UTC), months=2)

    assert outcome["partition"] == "monitoring_mention_p200203"
    assert (outcome["mentions"], outcome["deleted"], outcome["kept_for_open_incidents"]) == (
        3,
        2,
        1,
    )
    with gzip.open(outcome["export"], "rt") as lines:
        exported = [json.loads(line) for line in lines]
    assert [row["external_id"] for row in exported] == ["1", "2", "3"]
    assert exported[0]["published_at"].startswith("2002-03-15")
    assert sorted(Mention.objects.values_list("pk", flat=True)) == [linked, april]
    assert _partition_of(linked) == "monitoring_mention_default"
    assert [key[2] for key in _keys()] == [linked, april]
    assert not MentionEvent.objects.exists()
    assert not Mention.tags.through.objects.exists()
    assert list(IncidentMention.objects.values_list("mention_id", flat=True)) == [linked]
    assert date(2002, 3, 1) not in partitions.partition_months()
    assert date(2002, 4, 1) in partitions.partition_months()
    audit = AuditEvent.objects.get(verb="mention.retention")
    assert audit.after["export"] == outcome["export"]
    assert audit.after["deleted"] == 2
    # The post dropped is new again if it comes back; the one kept is still a duplicate.
    again = pipeline.ingest([mention(1), mention(2)])
    assert again.duplicates == [("x", "1")]
    assert again.stored == [("x", "2")]


def test_retention_does_nothing_by_default():
    assert partitions.apply_retention() == []
