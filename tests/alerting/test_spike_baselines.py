"""Spikes without false alarms: a target learns its usual first, the brand's own posts and the
words it searches for never make a spike, a spike needs volume, and a real storm is seen fast.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.formats import date_format

from alerting import tasks
from alerting.models import SpikeAlert
from alerting.services import baselines, spikes
from monitoring.models import Mention, MentionStatus, Tag
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory, StreamFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a fresh install, or a storm's first post
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
CHATTER = [
    "Morning coffee from my Lumora Brew, perfect crema",
    "Is the Lumora Brew descaling reminder too frequent?",
    "Recipe: iced oat cortado on the Lumora Brew",
]
STORM = [
    "My #Lumora Brew is DEAD after the firmware update, red light blinking",
    "Firmware 3.2 bricked my lumora brew. Dead. Red light. Thanks for nothing",
    "LUMORA brew bricked by the update, dead machine, red light",
]


def arrive(stream, published, *, label="neutral", text=CHATTER, received=None, tags=(), **fields):
    """Mentions published at each of `published`; received as published, or at `received`."""
    mentions = Mention.objects.bulk_create(
        MentionFactory.build(
            stream=stream,
            published_at=at,
            received_at=received or at,
            sentiment_label=label,
            text=text[i % len(text)],
            **fields,
        )
        for i, at in enumerate(published)
    )
    for tag in tags:
        Mention.tags.through.objects.bulk_create(
            Mention.tags.through(mention_id=m.pk, tag_id=tag.pk) for m in mentions
        )
    return mentions


def spread(n, end, length=HOUR):
    """`n` moments spread over the `length` before `end`."""
    return [end - length + (i + 1) * length / (n + 1) for i in range(n)]


def ordinary_day(stream, *, end=START, hours=24, per_hour=12, negative=1, tags=()):
    """`hours` of chatter before `end`, received as published: a stream that has run a while."""
    for h in range(hours):
        hour_end = end - h * HOUR
        busier = (h % 3 - 1) * (per_hour // 4)  # hours differ, as they do
        arrive(stream, spread(per_hour + busier - negative, hour_end), tags=tags)
        arrive(stream, spread(negative, hour_end), label="negative", tags=tags)


# --- Learning first -----------------------------------------------------------------------


def test_a_fresh_install_raises_nothing_in_its_first_hour(notified):
    """Ordinary chatter at a realistic pace, with bursts, on a stream created a minute ago.

    The first poll brings 40 posts of the last three hours; then a few posts a minute,
    with bursts of complaints twice. Without the learning rule the bursts are storms
    against a near-empty day ("32 mentions (usual 0)").
    """
    with time_machine.travel(START, tick=False) as clock:
        stream = StreamFactory(query="#lumora")
        complaint = Tag.objects.create(name="complaint")
        arrive(stream, spread(40, START, 3 * HOUR), received=START)  # the first page
        for minute in range(1, 61):
            now = START + minute * MINUTE
            clock.move_to(now)
            burst = minute in (5, 6, 31)
            arrive(stream, spread(3, now, MINUTE), received=now)
            negative = spread(16 if burst else 1, now, MINUTE)
            arrive(stream, negative, label="negative", text=STORM, received=now, tags=[complaint])
            tasks.detect_spikes()  # what beat runs every minute

        assert SpikeAlert.objects.count() == 0
        assert notified == []
        [stream_state, tag_state] = baselines.learning()
        assert (stream_state.stream, stream_state.baseline.windows) == (stream, 0)
        assert stream_state.baseline.ready_at == START + 7 * HOUR
        assert tag_state.tag == complaint
        assert tag_state.baseline.ready_at == START + MINUTE + 7 * HOUR  # its first came later


def test_a_target_is_ready_after_its_minimum_windows_of_history(settings):
    window = timedelta(minutes=60)
    first = START - 7 * HOUR
    assert not baselines.baseline(first, START - MINUTE, window).ready  # 5 whole windows
    ready = baselines.baseline(first, START, window)
    assert (ready.ready, ready.windows, ready.ready_at) == (True, 6, START)
    assert baselines.baseline(first - 30 * HOUR, START, window).windows == 24
    assert baselines.baseline(None, START, window) == baselines.Baseline(None, 0, None)
    settings.MONITORING_SPIKE_MIN_BASELINE_WINDOWS = 2
    assert baselines.baseline(START - 3 * HOUR, START, window).ready


def test_the_usual_is_measured_on_the_history_not_on_empty_windows(notified):
    stream = StreamFactory()
    ordinary_day(stream, end=START - HOUR, hours=8, per_hour=20, negative=0)  # 15 to 25 an hour
    arrive(stream, spread(40, START))  # twice the usual

    [alert] = spikes.detect_spikes(now=START)

    assert (alert.negative_only, alert.count) == (False, 40)
    # The 7 whole hours of history, not 24 windows of which 17 were before the stream began
    # (a usual of 6.5 ± 9).
    assert alert.baseline_windows == 7
    assert alert.baseline_mean == pytest.approx((15 + 20 + 25) * 2 / 7 + 15 / 7)
    assert alert.zscore == pytest.approx(spikes.score([40, 15, 20, 25, 15, 20, 25, 15]).z)


def test_a_backfill_of_old_posts_does_not_make_a_new_stream_ready(notified):
    stream = StreamFactory()
    yesterday = spread(24, START - HOUR, 24 * HOUR)
    arrive(stream, yesterday, received=START - 10 * MINUTE)  # the first poll, ten minutes ago
    arrive(stream, spread(30, START), label="negative", text=STORM, received=START)

    assert spikes.detect_spikes(now=START) == []


# --- What never counts ----------------------------------------------------------------------


def test_the_brands_own_posts_count_nowhere(notified):
    brand = BrandAccountFactory(handle="lumora", display_name="Lumora")
    stream = StreamFactory(query="#lumora")
    ordinary_day(stream, hours=8)
    for h in range(8):  # the brand posts forty times an hour, every hour
        arrive(stream, spread(40, START - h * HOUR), owned_by=brand, status=MentionStatus.OWN)
    own_storm = arrive(
        stream,
        spread(30, START),
        label="negative",
        text=["Recall notice: firmware rollback scheduled tonight"],
        owned_by=brand,
        status=MentionStatus.OWN,
        risk_score=99,
    )

    assert spikes.detect_spikes(now=START) == []  # the brand's own storm is not one

    storm = arrive(stream, spread(12, START), label="negative", text=STORM, risk_score=50)
    [alert] = spikes.detect_spikes(now=START)

    assert (alert.negative_only, alert.count, alert.baseline_mean) == (True, 13, 1)
    assert set(alert.top_mention_ids) <= {m.pk for m in storm}
    assert not {m.pk for m in own_storm} & set(alert.top_mention_ids)
    for word in ("recall", "rollback", "scheduled", "tonight"):
        assert word not in alert.top_words


def test_the_query_and_the_brands_names_are_not_driving_words(notified):
    BrandAccountFactory(platform="mastodon", handle="lumora_support", display_name="Lumora Support")
    BrandAccountFactory(platform="bluesky", handle="brewco.bsky.social", display_name="BrewCo")
    stream = StreamFactory(query="#Lumôra OR crème", options={"hashtag": "lumora", "any": ["Brew"]})
    ordinary_day(stream, hours=8, per_hour=3, negative=0, tags=())
    storm = [
        "#LUMORA Brew dead after the update, Crème mode gone, support says wait. #BrewCo",
        "lumôra brew: dead machine after the update, creme setting lost, support useless brewco",
        "Dead @lumora_support Lumora brew after update, CRÈME button dead, support silent",
    ]
    arrive(stream, spread(20, START), label="negative", text=storm)

    [alert] = spikes.detect_spikes(now=START)

    assert {"dead", "update"} <= set(alert.top_words)
    assert "support" in alert.top_words  # an ordinary word, though an account's name has it
    for searched in ("lumora", "creme", "brew", "brewco"):
        assert searched not in alert.top_words


def test_a_tag_spike_leaves_out_the_tag_name_and_its_streams_queries(notified):
    recall = Tag.objects.create(name="recall")
    streams = [StreamFactory(query="lumora"), StreamFactory(query="#brewco")]
    for stream in streams:
        ordinary_day(stream, hours=8, per_hour=2, negative=0, tags=[recall])
    for stream in streams:  # under 10 each: no stream spikes, the tag does
        arrive(stream, spread(5, START), label="negative", text=STORM, tags=[recall])
    recalls = ["Brewco recall now, recall"]
    arrive(streams[1], spread(2, START), label="negative", text=recalls, tags=[recall])

    [alert] = spikes.detect_spikes(now=START)

    assert (alert.tag, alert.count) == (recall, 12)
    assert "dead" in alert.top_words
    for searched in ("recall", "lumora", "brewco"):
        assert searched not in alert.top_words


# --- Volume ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "raised"), [(9, False), (10, True)])
def test_a_spike_needs_the_minimum_volume_besides_its_z_score(notified, count, raised):
    assert django_settings.MONITORING_SPIKE_MIN_COUNT == 10
    stream = StreamFactory()
    ordinary_day(stream, end=START - HOUR, hours=8, per_hour=1, negative=0)  # one post an hour
    arrive(stream, spread(count, START), label="negative", text=STORM)

    alerts = spikes.detect_spikes(now=START)

    assert bool(alerts) is raised  # z = 9 or 10 either way: only the volume differs


# --- Latency ---------------------------------------------------------------------------------


def beat_interval() -> float:
    return django_settings.CELERY_BEAT_SCHEDULE["detect-spikes"]["schedule"]


def test_beat_checks_for_spikes_every_minute_or_more_often():
    entry = django_settings.CELERY_BEAT_SCHEDULE["detect-spikes"]
    assert entry["schedule"] <= 60
    assert entry["options"]["expires"] <= entry["schedule"]


def test_a_real_storm_alerts_within_five_minutes_of_its_start(notified):
    """Beat ticks at its interval; the last tick came one second after the storm's first post.

    The storm: four negative posts a minute (240 an hour) over a day of twelve posts an hour,
    one negative; each poll brings what was published since the previous one, 15 s apart.
    """
    stream = StreamFactory(query="#lumora", team=TeamFactory())
    ordinary_day(stream)
    tick = timedelta(seconds=beat_interval())
    next_tick = START + timedelta(seconds=1)
    poll = timedelta(seconds=15)
    with time_machine.travel(START, tick=False) as clock:
        moment = START
        while moment < START + 10 * MINUTE and not SpikeAlert.objects.exists():
            moment += poll
            clock.move_to(moment)
            arrive(stream, spread(1, moment, poll), label="negative", text=STORM, received=moment)
            if moment >= next_tick:
                tasks.detect_spikes()
                next_tick += tick

    alert = SpikeAlert.objects.get()
    assert alert.created_at - START <= 5 * MINUTE
    assert (alert.stream, alert.negative_only) == (stream, True)
    assert notified[0]["subject"].startswith("Spike on ")


# --- The page ------------------------------------------------------------------------------


def test_the_spikes_page_says_which_targets_are_still_learning(client_for):
    with time_machine.travel(START, tick=False):
        young = StreamFactory(name="Lumora on Bluesky")
        arrive(young, spread(5, START - 2 * HOUR + MINUTE, MINUTE), received=START - 2 * HOUR)
        silent = StreamFactory(name="Lumora on Reddit")
        seasoned = StreamFactory(name="Lumora on X")
        ordinary_day(seasoned, hours=8)
        complaint = Tag.objects.create(name="complaint")
        arrive(young, [START - MINUTE], tags=[complaint])
        StreamFactory(name="Lumora on RSS", enabled=False)

        page = " ".join(client_for("social").get("/spikes/").content.decode().split())

    content = page.partition("Still learning their usual volume")[2].partition("</section>")[0]
    assert "until it has 6 windows of its own history" in content
    ready_at = START + 5 * HOUR
    assert (
        f'href="/streams/{young.pk}/">Lumora on Bluesky</a>: learning, 1 of 6 windows so far; '
        f'spike alerts from <time datetime="{ready_at.isoformat()}">'
        f"{date_format(timezone.localtime(ready_at), 'Y-m-d H:i')}</time>."
    ) in content
    waiting = "Lumora on Reddit</a>: learning, waiting for its first mention."
    assert f'href="/streams/{silent.pk}/">{waiting}' in content
    assert "the tag “complaint”: learning, 0 of 6 windows so far; spike alerts from" in content
    assert "Lumora on X" not in content  # ready: nothing to say
    assert "Lumora on RSS" not in content  # disabled: not watched
