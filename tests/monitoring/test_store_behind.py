"""The store of one page behind the preparation of the next: still exactly once, in order,
each page with its cursor in one commit (pipeline.StoreBehind)."""

import threading

import pytest

from monitoring import pipeline, threads
from monitoring.models import Mention
from tests.monitoring.factories import StreamFactory
from tests.monitoring.scripted import mention

# The store thread has a connection of its own: it sees only what is committed.
pytestmark = pytest.mark.django_db(transaction=True)


def _page(n: int, size: int = 10) -> list:
    return [mention(n * size + i) for i in range(size)]


def _poll(stream, pages: int) -> pipeline.StoreBehind:
    """Pages 0 to `pages` - 1, each with its cursor, through a StoreBehind."""
    with pipeline.StoreBehind(stream=stream) as behind:
        for n in range(pages):
            behind.submit(_page(n), cursor={"since": n})
    return behind


@pytest.fixture
def no_steps(monkeypatch):
    """The pipeline with neither steps nor hooks; tests add their own."""
    monkeypatch.setattr(pipeline, "_steps", [])
    monkeypatch.setattr(pipeline, "_on_store", [])


def test_pages_commit_in_order_each_with_its_cursor(no_steps):
    stream = StreamFactory(cursor={"since": 0})
    behind = _poll(stream, 5)

    assert [len(result.ids) for result in behind.results] == [10] * 5
    stream.refresh_from_db()
    assert stream.cursor == {"since": 4}
    assert stream.mentions_found == 50
    assert Mention.objects.count() == 50
    ids = [pk for result in behind.results for pk in result.ids]
    assert ids == sorted(ids)  # stored in the order given


def test_a_store_failing_drops_the_pages_behind_it_and_a_repoll_completes(no_steps, monkeypatch):
    """A worker killed mid-page: the committed pages stay with their cursor, the page being
    stored and those queued behind it are not stored, and the re-poll from the cursor
    stores each of them once."""
    stream = StreamFactory(cursor={"since": -1})
    stores = []

    def dies_on_the_second_page(stored):
        stores.append(len(stored))
        if len(stores) == 2:
            raise SystemExit("worker killed")

    monkeypatch.setattr(pipeline, "_on_store", [dies_on_the_second_page])
    with pytest.raises(SystemExit):
        _poll(stream, 4)

    stream.refresh_from_db()
    assert stream.cursor == {"since": 0}
    assert stream.mentions_found == 10
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == sorted(
        str(n) for n in range(10)
    )

    monkeypatch.setattr(pipeline, "_on_store", [])
    again = _poll(stream, 4)  # the re-poll starts a page early: page 0 comes twice
    assert [len(result.duplicates) for result in again.results] == [10, 0, 0, 0]
    assert Mention.objects.count() == 40
    stream.refresh_from_db()
    assert stream.cursor == {"since": 3}
    assert stream.mentions_found == 40


def test_the_next_page_is_prepared_while_the_last_is_stored(no_steps, monkeypatch):
    stream = StreamFactory()
    with pipeline.StoreBehind(stream=stream) as probe:
        overlapped = probe.overlapped
    if not overlapped:
        pytest.skip("stored in the caller's thread without PostgreSQL")
    second_prepared = threading.Event()
    waited = []

    def step(batch):
        if batch and batch[0].external_id == "10":
            second_prepared.set()

    def hook(stored):
        if stored[0][1].external_id == "0":  # page 0's store waits for page 1's steps
            waited.append(second_prepared.wait(timeout=30))

    monkeypatch.setattr(pipeline, "_steps", [step])
    monkeypatch.setattr(pipeline, "_on_store", [hook])
    with pipeline.StoreBehind(stream=stream) as behind:
        behind.submit(_page(0), cursor={"since": 0})
        behind.submit(_page(1), cursor={"since": 1})

    assert waited == [True]
    assert Mention.objects.count() == 20


def test_a_reply_learns_from_a_parent_whose_page_is_still_being_stored(no_steps, monkeypatch):
    stream = StreamFactory()
    reply_prepared = threading.Event()

    def flag_the_parent(batch):
        for m in batch:
            if m.external_id == "1":
                m.risk_score, m.risk_reasons = 80, [{"code": "crisis", "detail": "recall"}]
            if m.external_id == "2":
                reply_prepared.set()

    def hold_the_parent(stored):
        if stored[0][1].external_id == "1":
            reply_prepared.wait(timeout=30)  # on PostgreSQL, not committed while page 2 runs

    monkeypatch.setattr(pipeline, "_steps", [flag_the_parent, threads.thread_context])
    monkeypatch.setattr(pipeline, "_on_store", [hold_the_parent])
    with pipeline.StoreBehind(stream=stream) as behind:
        behind.submit([mention(1)], cursor={"since": 1})
        behind.submit([mention(2, parent_id="1")], cursor={"since": 2})

    reply = Mention.objects.get(external_id="2")
    assert reply.thread_id == "1"
    assert [r["code"] for r in reply.risk_reasons] == ["crisis"]
    assert "flagged crisis" in reply.risk_reasons[0]["detail"]


def test_invalid_mentions_are_reported_as_ingest_reports_them(no_steps):
    with pipeline.StoreBehind() as behind:
        behind.submit([mention(1), mention(2, text="  "), mention(1)])
    (result,) = behind.results
    assert len(result.ids) == 1
    assert result.duplicates == [("x", "1")]
    assert result.invalid == ["x:2: text missing"]
