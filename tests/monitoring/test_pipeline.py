"""The store step: exactly once, in bulk, with the cursor in the same commit."""

import pytest
from django.db import connection, transaction

from monitoring import pipeline
from monitoring.models import Mention, Stream
from tests.monitoring.factories import MentionFactory, StreamFactory
from tests.monitoring.scripted import mention

pytestmark = pytest.mark.django_db


def test_stores_new_mentions_and_reports_duplicates():
    MentionFactory(platform="x", external_id="2")
    batch = [mention(1), mention(2), mention(3), mention(1)]

    result = pipeline.ingest(batch)

    assert sorted(result.stored) == [("x", "1"), ("x", "3")]
    assert sorted(result.duplicates) == [("x", "1"), ("x", "2")]
    assert len(result.ids) == 2
    assert Mention.objects.count() == 3
    stored = Mention.objects.get(external_id="3")
    assert stored.text == "post 3 about Acme"
    assert stored.author_handle == "author3"


def test_same_id_on_two_networks_is_two_mentions():
    pipeline.ingest([mention(1), mention(1, platform="reddit")])
    assert Mention.objects.filter(external_id="1").count() == 2


def test_advances_the_stream_cursor_and_count_in_the_same_commit():
    stream = StreamFactory(cursor={"since": 0})

    pipeline.ingest([mention(1), mention(2)], stream=stream, cursor={"since": 2})
    pipeline.ingest([mention(2), mention(3)], stream=stream, cursor={"since": 3})

    stream.refresh_from_db()
    assert stream.cursor == {"since": 3}
    assert stream.mentions_found == 3
    assert set(Mention.objects.values_list("stream", flat=True)) == {stream.pk}


def test_crash_before_the_cursor_is_saved_keeps_nothing(monkeypatch):
    """A worker dying between the insert and the cursor update loses the whole page: re-polled."""
    stream = StreamFactory(cursor={"since": 0})

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(pipeline, "_advance", die)
    with pytest.raises(SystemExit):
        pipeline.ingest([mention(1), mention(2)], stream=stream, cursor={"since": 2})
    monkeypatch.undo()

    assert Mention.objects.count() == 0
    stream.refresh_from_db()
    assert stream.cursor == {"since": 0}

    pipeline.ingest([mention(1), mention(2)], stream=stream, cursor={"since": 2})
    assert Mention.objects.count() == 2


def test_hostile_and_odd_text_is_stored_as_is_but_storable(settings):
    settings.MONITORING_MAX_TEXT = 1000
    texts = {
        "1": "<script>alert('x')</script> & <b>bold</b>",
        "2": "🔥🔥🔥 Acme 💥👎🏽 " * 20,
        "3": "هذا المنتج سيء جداً، أريد استرداد أموالي",
        "4": "עברית: המוצר הזה מסוכן",
        "5": "nul\x00byte",
        "6": "x" * 5000,
    }
    pipeline.ingest([mention(int(k), text=v) for k, v in texts.items()])

    stored = dict(Mention.objects.values_list("external_id", "text"))
    assert stored["1"] == texts["1"]
    assert stored["2"] == texts["2"][:1000]
    assert stored["3"] == texts["3"]
    assert stored["4"] == texts["4"]
    assert stored["5"] == "nulbyte"
    assert len(stored["6"]) == 1000


def test_overlong_fields_are_cut_to_their_columns():
    pipeline.ingest([mention(1, author_handle="h" * 400, url="https://x.com/" + "p" * 3000)])
    stored = Mention.objects.get()
    assert len(stored.author_handle) == 255
    assert len(stored.url) == 2048


def test_steps_see_each_key_once_and_store_hooks_see_what_was_inserted(monkeypatch):
    MentionFactory(platform="x", external_id="1")
    seen, stored = [], []
    monkeypatch.setattr(pipeline, "_steps", [lambda batch: seen.extend(m.key for m in batch)])
    monkeypatch.setattr(pipeline, "_on_store", [stored.extend])

    result = pipeline.ingest([mention(1), mention(2), mention(2)])

    assert seen == [("x", "1"), ("x", "2")]
    assert result.stored == [("x", "2")]
    assert [(pk, m.key) for pk, m in stored] == list(zip(result.ids, result.stored, strict=True))


def test_a_step_failing_stores_nothing(monkeypatch):
    def broken(batch):
        raise RuntimeError("enrichment down")

    monkeypatch.setattr(pipeline, "_steps", [broken])
    stream = StreamFactory(cursor={"since": 0})
    with pytest.raises(RuntimeError):
        pipeline.ingest([mention(1)], stream=stream, cursor={"since": 1})
    assert Mention.objects.count() == 0
    assert Stream.objects.get(pk=stream.pk).cursor == {"since": 0}


def test_works_inside_an_outer_transaction_twice():
    with transaction.atomic():
        pipeline.ingest([mention(1)])
        pipeline.ingest([mention(1), mention(2)])
    assert Mention.objects.count() == 2


def test_problems_of_names_each_missing_field():
    bad = mention(1, platform="myspace", external_id=" ", text="", published_at=None)
    assert set(pipeline.problems_of(bad)) == {"platform", "external_id", "text", "published_at"}
    assert pipeline.problems_of(mention(2)) == {}


def test_unstorable_mentions_are_reported_not_stored():
    result = pipeline.ingest([mention(1, text="  "), mention(2)])
    assert result.stored == [("x", "2")]
    assert result.invalid == ["x:1: text missing"]


def test_stored_times_filter_and_sort_with_those_the_orm_wrote():
    from datetime import UTC, datetime

    noon = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    MentionFactory(external_id="early", published_at=noon.replace(hour=11))
    MentionFactory(external_id="late", published_at=noon.replace(hour=13))
    pipeline.ingest([mention(1, published_at=noon)])

    assert list(Mention.objects.order_by("published_at").values_list("external_id", flat=True)) == [
        "early",
        "1",
        "late",
    ]
    assert Mention.objects.filter(published_at__gte=noon).count() == 2
    assert Mention.objects.get(external_id="1").published_at == noon
    assert Mention.objects.get(external_id="1").raw == {}


def test_the_ids_reported_are_those_of_the_stored_rows(monkeypatch):
    monkeypatch.setattr(pipeline, "_direct_skips", 0)  # PostgreSQL: the direct COPY
    result = pipeline.ingest([mention(n) for n in range(1, 6)])

    stored = dict(zip(result.stored, result.ids, strict=True))
    rows = Mention.objects.values_list("platform", "external_id", "pk")
    assert stored == {(platform, external_id): pk for platform, external_id, pk in rows}


def test_a_batch_meeting_a_stored_key_is_stored_once_through_on_conflict(monkeypatch):
    monkeypatch.setattr(pipeline, "_direct_skips", 0)
    MentionFactory(platform="x", external_id="5")

    result = pipeline.ingest([mention(4), mention(5), mention(6)])

    assert sorted(result.stored) == [("x", "4"), ("x", "6")]
    assert result.duplicates == [("x", "5")]
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["4", "5", "6"]
    if connection.vendor == "postgresql":  # the next batches skip the COPY that would fail
        assert pipeline._direct_skips == pipeline.DIRECT_RETRY_AFTER
        again = pipeline.ingest([mention(7)])
        assert pipeline._direct_skips == pipeline.DIRECT_RETRY_AFTER - 1
        assert again.ids == [Mention.objects.get(external_id="7").pk]
