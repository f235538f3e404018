"""Spike detection: a storm raises one alert with its words and riskiest mentions, then cools."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.generators import SchemaGenerator

from alerting.models import Notification, NotificationChannel, SpikeAlert
from alerting.services import spikes, words
from monitoring.models import Mention, Tag
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.accounts.test_api import assert_matches_schema
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
QUIET = "Love my Lumora speaker, great sound"
STORM = [
    "My Lumora speaker got bricked by the firmware update!!",
    "Firmware 2.1 bricked the Lumora, thanks for nothing https://example.com/x @lumora_help",
    "Le firmware a planté mon enceinte Lumora, bricked, c'est nul",
]


def post(stream, n, *, hours_ago=0, label="negative", text=QUIET, tags=(), risk=None, at=NOW):
    """`n` mentions published (and received) in the hour ending `hours_ago` hours before `at`."""
    end = at - hours_ago * HOUR
    mentions = Mention.objects.bulk_create(
        MentionFactory.build(
            stream=stream,
            published_at=end - timedelta(seconds=30 + i * 3500 // n),  # spread over the hour
            received_at=end - timedelta(seconds=30 + i * 3500 // n),
            sentiment_label=label,
            text=text[i % len(text)] if isinstance(text, list) else text,
            risk_score=risk(i) if risk else 10,
        )
        for i in range(n)
    )
    for tag in tags:
        Mention.tags.through.objects.bulk_create(
            Mention.tags.through(mention_id=m.pk, tag_id=tag.pk) for m in mentions
        )
    return mentions


def quiet_day(stream, per_hour=1, label="negative", **kwargs):
    for hours_ago in range(1, 25):
        post(stream, per_hour, hours_ago=hours_ago, label=label, **kwargs)


def history(stream, hours=24, tags=()):
    """One neutral mention `hours` ago: a day of history, nearly silent."""
    return post(stream, 1, hours_ago=hours - 1, label="neutral", text="Lumora", tags=tags)


@pytest.fixture
def lumora():
    return StreamFactory(name="Lumora on the demo network", team=TeamFactory(name="Brand care"))


# --- The figures --------------------------------------------------------------------------


def test_score_floors_the_deviation_of_a_quiet_baseline():
    figures = spikes.score([3] + [0] * 24)
    assert (figures.mean, figures.std, figures.z) == (0, 1.0, 3.0)
    figures = spikes.score([60] + [40, 60] * 12)
    assert (figures.mean, figures.std, figures.z) == (50, 10, 1.0)


# --- Detection ----------------------------------------------------------------------------


def test_a_negative_storm_over_a_quiet_baseline_raises_one_alert(lumora, notified):
    quiet_day(lumora)
    post(lumora, 30, text=STORM)

    raised = spikes.detect_spikes(now=NOW)

    assert len(raised) == 1  # the negative alert covers the total volume too
    alert = raised[0]
    assert (alert.stream, alert.tag, alert.negative_only) == (lumora, None, True)
    assert (alert.count, alert.baseline_mean, alert.baseline_std) == (30, 1.0, 1.0)
    assert alert.zscore == 29.0
    assert (alert.window_start, alert.window_end) == (NOW - HOUR, NOW)
    assert alert.status == SpikeAlert.Status.OPEN
    assert SpikeAlert.objects.count() == 1


def test_a_storm_of_any_sentiment_raises_a_total_volume_alert(lumora, notified):
    quiet_day(lumora, label="neutral")
    post(lumora, 40, label="positive", text="Lumora won the design award!")

    [alert] = spikes.detect_spikes(now=NOW)

    assert (alert.negative_only, alert.count) == (False, 40)


def test_below_the_minimum_count_nothing_is_raised(lumora, notified):
    history(lumora)
    post(lumora, 9, text=STORM)  # z = 9 against a silent baseline, but only 9 posts

    assert spikes.detect_spikes(now=NOW) == []


def test_steady_high_volume_is_not_a_spike(lumora, notified):
    for hours_ago in range(1, 25):
        post(lumora, 40 if hours_ago % 2 else 60, hours_ago=hours_ago)
    post(lumora, 65)  # z = 1.5

    assert spikes.detect_spikes(now=NOW) == []


def test_settings_move_the_thresholds(lumora, notified, settings):
    history(lumora)
    post(lumora, 9, text=STORM)
    settings.MONITORING_SPIKE_MIN_COUNT = 5

    assert len(spikes.detect_spikes(now=NOW)) == 1


def test_a_shorter_window_compares_against_24_windows_of_its_length(lumora, notified, settings):
    settings.MONITORING_SPIKE_WINDOW = 10

    def at(minutes_ago, n=1):
        Mention.objects.bulk_create(
            MentionFactory.build(
                stream=lumora,
                published_at=NOW - timedelta(minutes=minutes_ago),
                received_at=NOW - timedelta(minutes=minutes_ago),
                sentiment_label="negative",
            )
            for _ in range(n)
        )

    at(5, n=12)
    for k in range(1, 25):
        at(k * 10 + 5)  # one in each of the 24 windows before
    at(255, n=50)  # beyond the 250 minutes looked at

    [alert] = spikes.detect_spikes(now=NOW)

    assert (alert.count, alert.baseline_mean) == (12, 1.0)
    assert alert.window_end - alert.window_start == timedelta(minutes=10)
    assert "12 negative mentions in the last 10 minutes (usual 1)" in notified[0]["subject"]


def test_a_disabled_stream_is_not_watched(lumora, notified):
    lumora.enabled = False
    lumora.save()
    post(lumora, 30, text=STORM)

    assert spikes.detect_spikes(now=NOW) == []


def test_a_continuing_storm_is_one_alert_until_the_cool_down_ends(lumora, notified):
    quiet_day(lumora)
    post(lumora, 30, text=STORM)
    assert len(spikes.detect_spikes(now=NOW)) == 1

    later = NOW + timedelta(minutes=30)
    post(lumora, 40, text=STORM, at=later)  # still raging, now in total volume too
    assert spikes.detect_spikes(now=later) == []
    assert spikes.detect_spikes(now=NOW + timedelta(minutes=179)) == []

    after = NOW + timedelta(hours=4)
    post(lumora, 200, text=STORM, at=after)  # a new storm once the first has cooled down
    assert len(spikes.detect_spikes(now=after)) == 1
    assert SpikeAlert.objects.count() == 2


def test_a_total_alert_does_not_hold_back_a_negative_one(lumora, notified):
    history(lumora)
    post(lumora, 20, label="neutral")
    [total] = spikes.detect_spikes(now=NOW)
    later = NOW + timedelta(minutes=20)
    post(lumora, 25, text=STORM, at=later)

    [negative] = spikes.detect_spikes(now=later)

    assert (total.negative_only, negative.negative_only) == (False, True)


def test_a_tag_spikes_across_streams(notified):
    social = TeamFactory(name="Social", slug="social")  # the catch-all team
    recall = Tag.objects.create(name="recall")
    streams = [StreamFactory() for _ in range(3)]
    history(streams[0], tags=[recall])
    for stream in streams:
        post(stream, 5, text=STORM, tags=[recall])  # 5 per stream: no stream spikes
    post(None, 2, text=STORM, tags=[recall])  # pushed without a stream: still tagged

    [alert] = spikes.detect_spikes(now=NOW)

    assert (alert.stream, alert.tag, alert.count) == (None, recall, 17)
    assert notified[0]["subject"].startswith("Spike on the tag “recall”: 17 negative mentions")
    assert notified[0]["team"] == social


def test_a_storm_alerted_on_its_stream_is_not_alerted_again_on_its_tag(lumora, notified):
    complaint = Tag.objects.create(name="complaint")
    quiet_day(lumora, tags=[complaint])
    post(lumora, 30, text=STORM, tags=[complaint])

    raised = spikes.detect_spikes(now=NOW)
    later = spikes.detect_spikes(now=NOW + timedelta(minutes=10))

    assert [(a.stream, a.tag) for a in raised] == [(lumora, None)]
    assert later == []
    assert SpikeAlert.objects.count() == len(notified) == 1


def test_score_takes_a_count_s_own_noise_as_the_least_spread():
    """An even baseline of 9 an hour: 13 is the noise of a Poisson count, not a storm."""
    figures = spikes.score([13] + [9] * 24)
    assert (figures.std, figures.z) == (3.0, 4 / 3)
    assert not spikes.is_spike(figures)


def test_alerts_keep_the_riskiest_mentions_and_the_storm_words(lumora, notified):
    quiet_day(lumora, text=[QUIET, "Les enceintes Lumora sont superbes", "Lumora support was fast"])
    storm = post(lumora, 30, text=STORM, risk=lambda i: i)

    [alert] = spikes.detect_spikes(now=NOW)

    riskiest = sorted(storm, key=lambda m: m.risk_score, reverse=True)[:10]
    assert alert.top_mention_ids == [m.pk for m in riskiest]
    assert {"firmware", "bricked"} <= set(alert.top_words[:3])
    assert len(alert.top_words) <= 10
    assert "plante" in alert.top_words  # accent-folded French
    for noise in ("the", "by", "mon", "les", "c", "com", "lumora_help", "https", "example"):
        assert noise not in alert.top_words
    assert all(len(word) >= 3 for word in alert.top_words)
    assert alert.top_words.index("firmware") < alert.top_words.index("lumora")


def test_rising_words_ignores_words_as_common_as_usual():
    window = ["refund please now", "refund denied again", "great speaker"]
    baseline = ["great speaker", "great sound", "refund"] * 10
    assert words.rising_words(window, baseline) == ["refund"]
    assert words.tokens("Don't @bob https://x.io/a l'appareil 2024 Ça va ÉTÉ") == {"appareil"}


def test_the_stream_team_is_notified_with_the_spike(lumora, notified):
    quiet_day(lumora, per_hour=6)
    storm = post(lumora, 84, text=[STORM[0] + " " + "x" * 300], risk=lambda i: i)

    [alert] = spikes.detect_spikes(now=NOW)

    [call] = notified
    assert call["team"] == lumora.team
    assert call["subject"] == (
        "Spike on Lumora on the demo network: 84 negative mentions in the last hour (usual 6)"
    )
    assert call["mention_ids"] == alert.top_mention_ids
    payload = call["payload"]
    assert payload["count"] == 84
    assert payload["spike"]["link"] == f"/spikes/{alert.pk}/"
    assert payload["spike"]["top_words"] == alert.top_words
    assert f"/spikes/{alert.pk}/" in payload["summary"]
    assert [m["id"] for m in payload["mentions"]] == alert.top_mention_ids
    assert payload["mentions"][0]["text"] == storm[83].text[:200]
    json.dumps(payload)  # the outbox stores it as JSON


def test_without_a_stream_team_the_catch_all_team_is_notified(notified, settings):
    settings.MONITORING_CATCH_ALL_TEAM = "front-desk"
    front_desk = TeamFactory(name="Front desk", slug="front-desk")
    stream = StreamFactory(team=None)
    history(stream)
    post(stream, 30, text=STORM)

    spikes.detect_spikes(now=NOW)

    assert notified[0]["team"] == front_desk


def test_the_alert_reaches_the_team_outbox(lumora):
    channel = NotificationChannel.objects.create(
        team=lumora.team, name="Care inbox", kind="email", target="care@example.com"
    )
    history(lumora)
    post(lumora, 30, text=STORM)

    [alert] = spikes.detect_spikes(now=NOW)

    [row] = Notification.objects.all()
    assert row.channel == channel
    assert row.subject.startswith("Spike on Lumora on the demo network: 30 negative mentions")
    assert row.mention_ids == alert.top_mention_ids


def test_detection_queries_do_not_grow_with_streams(notified, django_assert_max_num_queries):
    recall = Tag.objects.create(name="recall")
    for _ in range(40):
        stream = StreamFactory()
        for hours_ago in range(0, 25, 3):
            post(stream, 2, hours_ago=hours_ago, tags=[recall] if hours_ago else [])
    with django_assert_max_num_queries(3):  # streams, tags: nothing to raise, nothing else
        assert spikes.detect_spikes(now=NOW) == []

    stormy = [StreamFactory() for _ in range(3)]
    for stream in stormy:
        history(stream)
        post(stream, 30, text=STORM)
    # Per run: the loud streams' history, the cool-downs, the restricted queues (their words
    # are not shown), the brand's names. Per alert: savepoint, lock, cool-down check, window,
    # baseline, insert, team, release.
    with django_assert_max_num_queries(6 + 3 * 9):  # each alert: is it a storm seen already?
        assert len(spikes.detect_spikes(now=NOW)) == 3


# --- Acknowledging ------------------------------------------------------------------------


@pytest.fixture
def spike(lumora):
    mention = MentionFactory(stream=lumora, text="<script>alert('owned')</script> bricked")
    return SpikeAlert.objects.create(
        stream=lumora,
        negative_only=True,
        window_start=NOW - HOUR,
        window_end=NOW,
        count=84,
        baseline_mean=6.2,
        baseline_std=2.0,
        zscore=38.9,
        top_mention_ids=[mention.pk],
        top_words=["firmware", "<b>bricked</b>"],
    )


def test_acknowledge_is_audited(spike, social_user):
    spikes.spike_acknowledge(actor=social_user, spike=spike)

    spike.refresh_from_db()
    assert spike.status == SpikeAlert.Status.ACKNOWLEDGED
    event = AuditEvent.objects.get(verb="spike.acknowledge")
    assert (event.actor, event.target_id) == (social_user, str(spike.pk))
    assert (event.before, event.after) == ({"status": "open"}, {"status": "acknowledged"})


def test_acknowledge_needs_the_right_and_an_open_spike(spike, manager_user, social_user):
    with pytest.raises(PermissionDenied):
        spikes.spike_acknowledge(actor=manager_user, spike=spike)
    spikes.spike_acknowledge(actor=social_user, spike=spike)
    with pytest.raises(ValidationError):
        spikes.spike_acknowledge(actor=social_user, spike=spike)
    assert AuditEvent.objects.filter(verb="spike.acknowledge").count() == 1


# --- Pages and API ------------------------------------------------------------------------

COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE, ANONYMOUS]
VIEWERS = {"social", "manager", "admin"}
ACKNOWLEDGERS = {"social", "admin"}


def expect(allowed: set, ok: int, anonymous: int) -> dict:
    return {role: ok if role in allowed else 403 for role in COLUMNS} | {ANONYMOUS: anonymous}


MATRIX = [
    ("GET", "/spikes/", expect(VIEWERS, 200, 302)),
    ("GET", "/spikes/{spike}/", expect(VIEWERS, 200, 302)),
    ("POST", "/spikes/{spike}/acknowledge/", expect(ACKNOWLEDGERS, 302, 302)),
    ("GET", "/api/v1/spikes/", expect(VIEWERS, 200, 401)),
    ("GET", "/api/v1/spikes/{spike}/", expect(VIEWERS, 200, 401)),
    ("POST", "/api/v1/spikes/{spike}/acknowledge/", expect(ACKNOWLEDGERS, 200, 401)),
    ("DELETE", "/api/v1/spikes/{spike}/", expect(set(COLUMNS), 405, 401)),
    ("PATCH", "/api/v1/spikes/{spike}/", expect(set(COLUMNS), 405, 401)),
]


@pytest.mark.parametrize(
    ("method", "path", "role", "expected"),
    [
        pytest.param(method, path, role, expected[role], id=f"{method} {path} as {role}")
        for method, path, expected in MATRIX
        for role in COLUMNS
    ],
)
def test_permission_matrix(client_for, spike, method, path, role, expected):
    is_api = path.startswith("/api/")
    client = client_for(role, api=is_api)
    url = path.format(spike=spike.pk)
    before = (AuditEvent.objects.count(), spike.status)

    response = client.generic(method, url)

    assert response.status_code == expected, response.content[:300]
    spike.refresh_from_db()
    if expected in (401, 403, 405) or role == ANONYMOUS:
        assert (AuditEvent.objects.count(), spike.status) == before
    elif method == "POST":
        assert spike.status == SpikeAlert.Status.ACKNOWLEDGED
    if role == ANONYMOUS and not is_api:
        assert response["Location"] == f"/login/?next={url}"


def test_pages_escape_hostile_text(client_for, spike):
    spike.stream.name = "<i>Lumora</i>"
    spike.stream.save()
    client = client_for("social")

    for url in ("/spikes/", f"/spikes/{spike.pk}/"):
        content = client.get(url).content.decode()
        assert "<b>bricked</b>" not in content
        assert "&lt;b&gt;bricked&lt;/b&gt;" in content
        assert "<i>Lumora</i>" not in content
        assert "&lt;i&gt;Lumora&lt;/i&gt;" in content
    assert "<script>alert(" not in content
    assert "&lt;script&gt;alert(" in content


def test_the_detail_page_shows_the_figures_and_acknowledges(client_for, spike):
    client = client_for("social")
    content = client.get(f"/spikes/{spike.pk}/").content.decode()
    assert "84 negative mentions in the last hour (usual 6.2)" in content
    assert "38.9" in content
    assert "firmware" in content
    assert f'action="/spikes/{spike.pk}/acknowledge/"' in content

    response = client.post(f"/spikes/{spike.pk}/acknowledge/", follow=True)

    assert "Spike acknowledged." in response.content.decode()
    assert "/acknowledge/" not in response.content.decode()  # nothing left to acknowledge


def test_the_manager_sees_no_acknowledge_button(client_for, spike):
    content = client_for("manager").get(f"/spikes/{spike.pk}/").content.decode()
    assert "/acknowledge/" not in content
    assert "bricked" in content


def test_the_list_shows_open_spikes_first(client_for, spike, django_assert_max_num_queries):
    for minutes in range(1, 20):
        SpikeAlert.objects.create(
            tag=Tag.objects.create(name=f"tag-{minutes}"),
            window_start=NOW - HOUR,
            window_end=NOW,
            count=20,
            baseline_mean=1,
            baseline_std=1,
            zscore=19,
            status=SpikeAlert.Status.ACKNOWLEDGED,
            created_at=NOW + timedelta(minutes=minutes),  # newer than the open one
        )
    client = client_for("manager")

    with django_assert_max_num_queries(11):  # 2 of them: the streams and tags still learning
        response = client.get("/spikes/")

    listed = response.context["spikes"]
    assert len(listed) == 20
    assert listed[0] == spike
    assert listed[1].created_at > listed[2].created_at
    content = response.content.decode()
    assert "the tag “tag-19”" in content


def test_the_api_lists_filters_and_acknowledges(api_client_for, spike):
    openapi_schema = SchemaGenerator().get_schema(request=None, public=True)
    client = api_client_for("social")

    listed = client.get("/api/v1/spikes/?status=open").json()["results"]
    assert_matches_schema(openapi_schema, "Spike", listed[0])
    assert [item["id"] for item in listed] == [spike.pk]
    assert listed[0]["target"] == spike.stream.name
    assert listed[0]["top_words"] == ["firmware", "<b>bricked</b>"]
    assert client.get("/api/v1/spikes/?status=acknowledged").json()["results"] == []

    response = client.post(f"/api/v1/spikes/{spike.pk}/acknowledge/")
    assert response.json()["status"] == "acknowledged"
    assert_matches_schema(openapi_schema, "Spike", response.json())
    again = client.post(f"/api/v1/spikes/{spike.pk}/acknowledge/")
    assert again.status_code == 400


def test_the_list_refreshes_as_a_fragment(client_for, spike):
    response = client_for("social").get("/spikes/?status=open", headers={"HX-Request": "true"})

    content = response.content.decode()
    assert "<html" not in content
    assert f'href="/spikes/{spike.pk}/"' in content
