"""Claims and polls: one poll per stream at a time, every fault handled, nothing lost or doubled."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.utils import timezone

from connections.services import connected_account_save
from monitoring import pipeline, services, tasks
from monitoring.connectors.base import MalformedPayload, PermanentError, RateLimited, TransientError
from monitoring.models import Mention, Stream, StreamError, StreamStatus
from tests.connections.factories import ConnectedAccountFactory
from tests.monitoring.factories import StreamFactory
from tests.monitoring.scripted import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream(scripted):
    return StreamFactory(connector="scripted", poll_interval=60, next_poll_at=timezone.now())


def poll(stream) -> services.PollOutcome | None:
    token = services.stream_claim(stream.pk, ignore_schedule=True)
    assert token, "the stream should be free"
    return services.stream_poll(stream_id=stream.pk, claim_token=token)


# --- Claims -----------------------------------------------------------------------------


def test_claim_due_takes_due_streams_once_and_queues_their_polls(
    scripted, queued_polls, django_capture_on_commit_callbacks
):
    now = timezone.now()
    due = StreamFactory(connector="scripted", next_poll_at=now - timedelta(seconds=1))
    StreamFactory(connector="scripted", next_poll_at=now + timedelta(minutes=5))
    StreamFactory(connector="scripted", next_poll_at=now, enabled=False)
    StreamFactory(connector="scripted", next_poll_at=now, status=StreamStatus.STOPPED)
    StreamFactory(connector="meta", next_poll_at=now)

    with django_capture_on_commit_callbacks(execute=True):
        claimed = services.streams_claim_due()
    assert [stream_id for stream_id, _token in claimed] == [due.pk]
    assert queued_polls == claimed

    assert services.streams_claim_due() == []  # held by the first claim


def test_an_expired_claim_can_be_taken_again(stream):
    first = services.stream_claim(stream.pk)
    assert first
    assert services.stream_claim(stream.pk) is None
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        second = services.stream_claim(stream.pk)
    assert second
    assert second != first
    # The first worker, back from the dead, finds its claim gone and does nothing.
    assert services.stream_poll(stream_id=stream.pk, claim_token=first) is None


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_stream_one_wins(scripted):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    stream = StreamFactory(connector="scripted", next_poll_at=timezone.now())
    barrier = threading.Barrier(8)
    tokens = []

    def worker():
        barrier.wait()
        try:
            tokens.append(services.stream_claim(stream.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([t for t in tokens if t]) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_claim_each_stream_once(scripted, queued_polls):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    streams = [StreamFactory(connector="scripted", next_poll_at=timezone.now()) for _ in range(30)]
    barrier = threading.Barrier(4)
    claims = []

    def tick():
        barrier.wait()
        try:
            claims.extend(services.streams_claim_due(limit=10))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [stream_id for stream_id, _token in claims]
    assert len(claimed) == len(set(claimed))
    assert set(claimed) <= {s.pk for s in streams}


# --- Polls ------------------------------------------------------------------------------


def test_poll_follows_pages_and_stores_each_with_its_cursor(stream, scripted):
    scripted.script = [page(1, 2, has_more=True), page(3, has_more=True), page(4)]

    outcome = poll(stream)

    assert (outcome.status, outcome.stored, outcome.pages) == ("ok", 4, 3)
    assert scripted.cursors_seen == [{}, {"since": 2}, {"since": 3}]
    stream.refresh_from_db()
    assert stream.cursor == {"since": 4}
    assert stream.mentions_found == 4
    assert stream.status == StreamStatus.OK
    assert stream.claim_token is None
    assert stream.last_success_at is not None
    assert stream.next_poll_at > timezone.now() + timedelta(seconds=50)


def test_a_backlog_brings_the_next_poll_forward(stream, scripted, settings):
    settings.MONITORING_MAX_PAGES_PER_POLL = 2
    scripted.script = [page(1, has_more=True), page(2, has_more=True)]
    poll(stream)
    stream.refresh_from_db()
    assert stream.next_poll_at <= timezone.now()
    assert stream.cursor == {"since": 2}


def test_repoll_of_the_same_page_stores_nothing_twice(stream, scripted):
    scripted.script = [page(1, 2, cursor={}), page(1, 2, 3, cursor={})]
    poll(stream)
    outcome = poll(stream)
    assert (outcome.stored, outcome.duplicates) == (1, 2)
    assert Mention.objects.count() == 3


def test_rate_limit_waits_until_the_reset_without_counting_a_failure(stream, scripted):
    reset = timezone.now() + timedelta(minutes=1)
    scripted.script = [RateLimited("X rate limit reached", until=reset, status_code=429)]

    outcome = poll(stream)

    stream.refresh_from_db()
    assert outcome.status == StreamStatus.RATE_LIMITED
    assert stream.next_poll_at == reset
    assert stream.consecutive_failures == 0
    assert stream.errors.get().kind == "rate_limited"
    # Polling again before the reset is not due.
    assert services.stream_claim(stream.pk) is None


def test_remaining_quota_of_zero_delays_the_next_poll(stream, scripted):
    reset = timezone.now() + timedelta(minutes=10)
    scripted.wait_until_after_fetch = reset
    scripted.script = [page(1, has_more=True)]
    outcome = poll(stream)
    stream.refresh_from_db()
    assert outcome.pages == 1  # did not hammer for page two
    assert stream.next_poll_at == reset
    assert stream.status == StreamStatus.RATE_LIMITED


def test_transient_errors_back_off_exponentially(stream, scripted):
    delays = []
    for _ in range(3):
        scripted.script = [TransientError("X answered 503", status_code=503, body="down")]
        before = timezone.now()
        poll(stream)
        stream.refresh_from_db()
        delays.append((stream.next_poll_at - before).total_seconds())
    assert stream.status == StreamStatus.FAILING
    assert stream.consecutive_failures == 3
    assert 60 * 2 * 0.8 <= delays[0] <= 60 * 2 * 1.2 + 1
    assert delays[0] < delays[1] < delays[2]
    error = stream.errors.first()
    assert (error.status_code, error.body, error.message) == (503, "down", "X answered 503")

    scripted.script = [page(1)]
    poll(stream)
    stream.refresh_from_db()
    assert (stream.status, stream.consecutive_failures) == (StreamStatus.OK, 0)


def test_permanent_error_stops_the_stream_until_someone_fixes_it(stream, scripted, admin_user):
    scripted.script = [PermanentError("401 Unauthorized: token revoked", status_code=401)]
    poll(stream)
    stream.refresh_from_db()
    assert stream.status == StreamStatus.STOPPED
    assert stream.last_error == "401 Unauthorized: token revoked"
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert services.streams_claim_due() == []

    services.stream_update(actor=admin_user, stream=stream, query="acme OR acmecorp")
    stream.refresh_from_db()
    assert stream.status == StreamStatus.NEW
    assert services.stream_claim(stream.pk) is not None


def test_new_secret_on_the_connected_account_restarts_its_stopped_streams(scripted, admin_user):
    account = ConnectedAccountFactory(kind="x", secret={"bearer_token": "old"})
    stream = StreamFactory(
        connector="x", credential=account, status=StreamStatus.STOPPED, consecutive_failures=3
    )
    connected_account_save(actor=admin_user, account=account, secrets={"bearer_token": "new"})
    stream.refresh_from_db()
    assert (stream.status, stream.consecutive_failures) == (StreamStatus.NEW, 0)


def test_token_revoked_mid_run_keeps_the_pages_already_stored(stream, scripted):
    scripted.script = [page(1, 2, has_more=True), PermanentError("401: revoked", status_code=401)]
    poll(stream)
    stream.refresh_from_db()
    assert Mention.objects.count() == 2
    assert stream.cursor == {"since": 2}
    assert stream.status == StreamStatus.STOPPED


def test_malformed_payload_is_recorded_with_its_body(stream, scripted):
    scripted.script = [MalformedPayload("not JSON", status_code=200, body='{"data": [')]
    outcome = poll(stream)
    assert outcome.status == StreamStatus.FAILING
    error = StreamError.objects.get(stream=stream)
    assert (error.kind, error.body) == ("malformed", '{"data": [')


def test_skipped_items_are_recorded_as_a_stream_error(stream, scripted):
    bad = page(1)
    bad.problems = ["item 7: missing created_at"]
    scripted.script = [bad]
    outcome = poll(stream)
    assert outcome.status == StreamStatus.OK
    error = StreamError.objects.get(stream=stream)
    assert error.kind == "malformed"
    assert "missing created_at" in error.body


def test_a_connector_bug_is_recorded_and_does_not_kill_the_worker(stream, scripted):
    scripted.script = [KeyError("id")]
    outcome = poll(stream)
    assert outcome.status == StreamStatus.FAILING
    assert "internal error: KeyError" in Stream.objects.get(pk=stream.pk).last_error


def test_a_late_poll_never_moves_the_cursor_back(stream, scripted):
    """Two overlapping polls, the first finishing last: its claim expired mid-fetch, a
    second poll took the stream and stored newer pages. The first poll's page is dropped:
    the cursor stays where the second poll left it."""
    stream.cursor = {"since": 1}
    stream.save()
    first = services.stream_claim(stream.pk, ignore_schedule=True)
    outcomes = {}

    def slow_fetch_overtaken():
        # While the first worker waits on the network, its claim expires and a second runs.
        with time_machine.travel(timezone.now() + timedelta(minutes=10)):
            second = services.stream_claim(stream.pk, ignore_schedule=True)
            assert second
            scripted.script.insert(0, page(4, 5, cursor={"since": 5}))
            outcomes["second"] = services.stream_poll(stream_id=stream.pk, claim_token=second)
        return page(2, 3, cursor={"since": 3})

    scripted.script = [slow_fetch_overtaken]
    outcomes["first"] = services.stream_poll(stream_id=stream.pk, claim_token=first)

    assert outcomes["second"].stored == 2
    assert outcomes["first"] is None
    stream.refresh_from_db()
    assert stream.cursor == {"since": 5}
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["4", "5"]
    assert stream.claim_token is None
    assert stream.mentions_found == 2


def test_a_page_is_stored_only_under_the_claim_that_fetched_it(stream, scripted):
    """The same through the pipeline itself: a cursor moves only under its own claim."""
    first = services.stream_claim(stream.pk, ignore_schedule=True)
    Stream.objects.filter(pk=stream.pk).update(claim_token="00000000-0000-0000-0000-000000000001")
    with pytest.raises(pipeline.ClaimLost):
        pipeline.ingest(page(7).mentions, stream=stream, cursor={"since": 7}, claim_token=first)
    assert Stream.objects.get(pk=stream.pk).cursor == {}
    assert not Mention.objects.exists()


def test_worker_killed_mid_poll_loses_nothing_and_doubles_nothing(stream, scripted, monkeypatch):
    """Killed after the insert, before the cursor: the page rolls back; the claim expires."""
    scripted.script = [page(1, 2)]
    real_advance = pipeline._advance

    def killed(*args, **kwargs):
        raise SystemExit("SIGKILL")

    monkeypatch.setattr(pipeline, "_advance", killed)
    with pytest.raises(SystemExit):
        poll(stream)
    monkeypatch.setattr(pipeline, "_advance", real_advance)
    assert Mention.objects.count() == 0
    assert services.stream_claim(stream.pk) is None  # still held by the dead worker

    scripted.script = [page(1, 2)]
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        token = services.stream_claim(stream.pk)
        services.stream_poll(stream_id=stream.pk, claim_token=token)
    assert Mention.objects.count() == 2
    assert Stream.objects.get(pk=stream.pk).cursor == {"since": 2}


def test_database_lost_mid_poll_fails_cleanly_and_the_next_poll_recovers(
    stream, scripted, monkeypatch
):
    scripted.script = [page(1, 2)]
    real_store = pipeline._store

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pipeline, "_store", database_gone)
    token = services.stream_claim(stream.pk)
    tasks.poll_stream.run(stream.pk, token)  # logs, does not raise
    monkeypatch.setattr(pipeline, "_store", real_store)
    assert Mention.objects.count() == 0

    scripted.script = [page(1, 2)]
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        token = services.stream_claim(stream.pk)
        tasks.poll_stream.run(stream.pk, token)
    assert Mention.objects.count() == 2


def test_poll_now_claims_and_queues_unless_already_polling(
    stream, social_user, queued_polls, django_capture_on_commit_callbacks
):
    stream.next_poll_at = timezone.now() + timedelta(hours=1)
    stream.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.stream_poll_now(actor=social_user, stream=stream) is True
    assert [stream_id for stream_id, _ in queued_polls] == [stream.pk]
    assert services.stream_poll_now(actor=social_user, stream=stream) is False


def test_poll_now_needs_the_permission(stream, manager_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.stream_poll_now(actor=manager_user, stream=stream)


def test_poll_due_streams_task_queues_polls(
    stream, queued_polls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tasks.poll_due_streams.run()
    assert [stream_id for stream_id, _ in queued_polls] == [stream.pk]


def test_poll_of_a_deleted_stream_exits_quietly(stream):
    token = services.stream_claim(stream.pk)
    Stream.objects.filter(pk=stream.pk).delete()
    assert tasks.poll_stream.run(stream.pk, token) is None


@pytest.mark.django_db(transaction=True)
def test_postgresql_connection_killed_mid_poll_then_recovered(scripted):
    """A real restart of the database session: the poll fails cleanly, the next one recovers."""
    if connection.vendor != "postgresql":
        pytest.skip("terminates a PostgreSQL backend")
    import psycopg

    stream = StreamFactory(connector="scripted", next_poll_at=timezone.now())
    settings_dict = connection.settings_dict

    def kill_my_session():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with psycopg.connect(
            host=settings_dict["HOST"] or None,
            port=settings_dict["PORT"] or None,
            user=settings_dict["USER"],
            dbname=settings_dict["NAME"],
            autocommit=True,
        ) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return page(1, 2)

    scripted.script = [kill_my_session]
    token = services.stream_claim(stream.pk)
    tasks.poll_stream.run(stream.pk, token)  # fails cleanly, logs
    connection.close()  # what Celery's Django fixup does after a task whose connection broke

    assert Mention.objects.count() == 0
    scripted.script = [page(1, 2)]
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        token = services.stream_claim(stream.pk)
        assert token
        tasks.poll_stream.run(stream.pk, token)
    assert Mention.objects.count() == 2


def test_a_poll_out_of_time_keeps_its_pages_and_comes_back_soon(stream, scripted):
    from celery.exceptions import SoftTimeLimitExceeded

    scripted.script = [page(1, has_more=True), SoftTimeLimitExceeded()]
    outcome = poll(stream)
    stream.refresh_from_db()
    assert outcome.status == StreamStatus.FAILING
    assert "ran out of time" in stream.last_error
    assert Mention.objects.count() == 1
    assert stream.next_poll_at <= timezone.now()


def test_errors_older_than_a_month_are_pruned(stream, scripted):
    StreamError.objects.create(
        stream=stream,
        kind="transient",
        message="old",
        occurred_at=timezone.now() - timedelta(days=40),
    )
    scripted.script = [TransientError("down")]
    poll(stream)
    assert list(StreamError.objects.values_list("message", flat=True)) == ["down"]
