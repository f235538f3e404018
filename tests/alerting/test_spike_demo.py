"""The demo still tells its story: the complaint storm raises its spike alert when the demo runs
(seed_demo, then the demo network's day read by the real connector, beat's check every
minute), and the same day on a fresh install without the seeded history raises nothing.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from alerting.demo import history_plan
from alerting.models import SpikeAlert
from alerting.services import baselines, spikes
from monitoring import services
from monitoring.demo import DEMO_STREAM_NAME
from monitoring.demo.day import SCRIPT
from monitoring.demo.network import build_server
from monitoring.models import Mention, MentionStatus, Stream
from riskdesk.management.commands import seed_demo

pytestmark = pytest.mark.django_db

POLL = 15  # seconds: the demo stream's poll interval
STORM = next(n for n, post in enumerate(SCRIPT) if post.at >= 9 * 3600)  # first bricked machine


@pytest.fixture
def network(clock):
    server = build_server("127.0.0.1", 0, clock=clock)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def play(stream, network, clock, *, until: float, until_alert: bool = False, poll: int = POLL):
    """Poll every `poll` seconds and run beat's spike check every minute, as `make run` does."""
    stream.base_url = network.url
    stream.save()
    start = clock.now
    checked = 0
    while clock.now < until:
        clock.now += poll
        token = services.stream_claim(stream.pk, ignore_schedule=True)
        services.stream_poll(stream_id=stream.pk, claim_token=token)
        if clock.now - start >= (checked + 1) * 60:
            checked += 1
            spikes.detect_spikes(now=datetime.fromtimestamp(clock.now, UTC))
            if until_alert and SpikeAlert.objects.exists():
                return


def test_the_demo_storm_raises_its_spike_alert(network, clock, notified):
    call_command("seed_demo", verbosity=0)
    stream = Stream.objects.get(name=DEMO_STREAM_NAME)
    history = Mention.objects.filter(stream=stream)
    assert history.count() == len(history_plan(datetime.now(UTC)))
    assert not history.exclude(status__in=[MentionStatus.RESOLVED, MentionStatus.OWN]).exists()
    storm_starts = network.network.due(STORM)

    play(stream, network, clock, until=storm_starts + 5 * 60, until_alert=True)

    alert = SpikeAlert.objects.get()
    raised = alert.created_at.timestamp()
    assert storm_starts < raised <= storm_starts + 5 * 60  # not before the storm, soon after
    assert (alert.stream, alert.negative_only) == (stream, True)
    assert 0 < alert.baseline_mean < alert.count
    assert alert.baseline_windows >= baselines.min_baseline_windows()
    assert "lumora" not in alert.top_words
    assert {"dead", "update"} & set(alert.top_words)
    assert notified[0]["subject"] == (
        f"Spike on Lumora on the demo network: {alert.count} negative mentions in the last hour "
        f"(usual {spikes.usual_label(alert.baseline_mean)})"
    )

    play(stream, network, clock, until=clock.now + 10 * 60)  # the storm goes on, the lookalikes

    assert SpikeAlert.objects.count() == 1  # one storm, one alert


def test_the_demo_history_is_seeded_once(clock):
    call_command("seed_demo", verbosity=0)
    seeded = Mention.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Mention.objects.count() == seeded


def test_a_fresh_demo_without_history_raises_nothing(network, clock, notified, monkeypatch):
    monkeypatch.setattr(
        seed_demo, "PARTS", [part for part in seed_demo.PARTS if part[0] != "stream history"]
    )
    call_command("seed_demo", verbosity=0)
    stream = Stream.objects.get(name=DEMO_STREAM_NAME)
    assert not Mention.objects.exists()

    # Two days of the script: two storms, two scams. Polled once a minute (pages of 40).
    play(stream, network, clock, until=clock.now + 60 * 60, poll=60)

    assert Mention.objects.filter(stream=stream, sentiment_label="negative").count() > 50
    assert SpikeAlert.objects.count() == 0
    assert notified == []
    [state, *tags] = baselines.learning(datetime.fromtimestamp(clock.now, UTC))
    assert state.stream == stream
    assert state.baseline.ready_at > datetime.fromtimestamp(clock.now, UTC) + timedelta(hours=5)
    assert {learning.tag.name for learning in tags} >= {"complaint", "legal-threat"}
