"""Beat's tick to stored mentions: the real tasks, services, connectors and fake networks."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from monitoring import tasks
from monitoring.models import Mention, Stream, StreamStatus
from tests.connections.factories import ConnectedAccountFactory
from tests.fakes.base import GARBAGE, Fault
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.reddit import FakeReddit
from tests.fakes.x import FakeX
from tests.monitoring.factories import StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tick(queued_polls, django_capture_on_commit_callbacks):
    """One beat tick, then every poll it queued, as a worker would run them."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            tasks.poll_due_streams.run()
        polls, queued_polls[:] = list(queued_polls), []
        for stream_id, token in polls:
            tasks.poll_stream.run(stream_id, token)
        return len(polls)

    return run


@pytest.fixture
def x():
    with FakeX() as fake:
        yield fake


@pytest.fixture
def x_stream(x):
    credential = ConnectedAccountFactory(kind="x", secret={"bearer_token": "good-token"})
    return StreamFactory(
        connector="x", base_url=x.url, credential=credential, query="acme", poll_interval=60
    )


def later(minutes: int):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes))


def test_x_stream_fills_then_only_adds_what_is_new(x, x_stream, tick):
    for n in range(3):
        x.add_tweet(f"acme post {n}")
    assert tick() == 1
    assert Mention.objects.filter(stream=x_stream).count() == 3
    assert tick() == 0  # not due again before its interval

    x.add_tweet("acme is down again")
    with later(2):
        assert tick() == 1
    stream = Stream.objects.get(pk=x_stream.pk)
    assert stream.mentions_found == 4
    assert stream.status == StreamStatus.OK
    assert Mention.objects.filter(text="acme is down again").count() == 1


def test_x_answering_429_for_a_while_is_waited_out(x, x_stream, tick):
    reset = int((timezone.now() + timedelta(minutes=1)).timestamp())
    x.inject(
        Fault(
            status=429,
            body={"title": "Too Many Requests", "type": "about:blank", "status": 429},
            headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
            times=5,
        )
    )
    x.add_tweet("acme")
    tick()
    stream = Stream.objects.get(pk=x_stream.pk)
    assert stream.status == StreamStatus.RATE_LIMITED
    assert stream.next_poll_at == datetime.fromtimestamp(reset, tz=UTC)
    assert tick() == 0  # waits instead of hammering
    requests_so_far = len(x.requests)

    x.clear_faults()
    with later(2):
        assert tick() == 1
    assert len(x.requests) == requests_so_far + 1
    assert Mention.objects.count() == 1


def test_x_token_revoked_mid_run_stops_the_stream(x, x_stream, tick):
    x.add_tweet("acme")
    tick()
    x.tokens.clear()  # revoked
    x.add_tweet("acme again")
    with later(2):
        tick()
    stream = Stream.objects.get(pk=x_stream.pk)
    assert stream.status == StreamStatus.STOPPED
    assert "401" in stream.last_error
    with later(60):
        assert tick() == 0
    assert Mention.objects.count() == 1


def test_x_garbage_is_recorded_and_the_next_poll_recovers(x, x_stream, tick):
    x.add_tweet("acme")
    x.inject(Fault(status=200, body=GARBAGE))
    tick()
    stream = Stream.objects.get(pk=x_stream.pk)
    assert stream.status == StreamStatus.FAILING
    assert stream.errors.get().body == GARBAGE.decode()
    with later(5):
        tick()
    assert Stream.objects.get(pk=x_stream.pk).status == StreamStatus.OK
    assert Mention.objects.count() == 1


def test_a_slow_network_does_not_hold_the_others(x, x_stream, tick):
    with FakeMastodon() as mastodon:
        mastodon.post("Talking about #acme")
        StreamFactory(connector="mastodon", base_url=mastodon.url, options={"hashtag": "acme"})
        x.inject(Fault(delay=1.0, times=3))  # longer than the test timeout, every try
        x.add_tweet("acme")
        assert tick() == 2
    assert Stream.objects.get(pk=x_stream.pk).status == StreamStatus.FAILING
    assert Mention.objects.filter(platform="mastodon").count() == 1


def test_reddit_stream_through_the_tick(tick, settings):
    # A retried token request on a loaded machine would blur what this test counts.
    settings.MONITORING_HTTP = settings.MONITORING_HTTP | {"timeout": 5.0}
    with FakeReddit() as reddit:
        reddit.add_post("Acme kettle leaks")
        reddit.add_post("Acme kettle is great")
        credential = ConnectedAccountFactory(
            kind="reddit", secret={"client_id": "client-id", "client_secret": "client-secret"}
        )
        StreamFactory(connector="reddit", base_url=reddit.url, credential=credential, query="acme")
        tick()
        with later(2):
            tick()
        assert len(reddit.token_requests) == 1
    assert Mention.objects.filter(platform="reddit").count() == 2


def test_private_addresses_are_refused_when_not_allowed(x, x_stream, tick, settings):
    settings.RISKDESK_OUTBOUND_ALLOW = []
    x.add_tweet("acme")
    tick()
    stream = Stream.objects.get(pk=x_stream.pk)
    assert stream.status == StreamStatus.STOPPED
    assert "not a public address" in stream.last_error
    assert x.requests == []
