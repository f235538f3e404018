"""The report's figures against hand-computed ones (tests/reports/factories.py)."""

import pytest
from django.db import models

from reports import selectors
from reports.selectors import figures
from tests.reports.factories import NOW, PERIOD, organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(settings):
    settings.TIME_ZONE = "UTC"
    return organisation()


def _figures(user):
    report = selectors.report_for(user, PERIOD, now=NOW)
    return report, {f.key: f for f in report.figures}


def test_headline_figures_and_their_change(org, social_user):
    _report, f = _figures(social_user)
    # m1..m4: the competitor's, the brand's own post and the Legal queue's are not counted.
    assert f["mentions"].value == 4
    assert f["mentions"].previous == 1
    assert f["mentions"].change_label == "+300 %"
    assert f["negative_share"].value == 25.0
    assert f["negative_share"].previous == 100.0
    assert f["negative_share"].change_label == "-75 pts"
    assert f["average_sentiment"].value == 0.05
    assert f["high_risk"].value == 1
    assert f["share_of_voice"].value == 80.0
    assert f["incidents"].value == 2
    assert f["incidents"].previous == 0
    assert f["detect_p50"].value == 7200


def test_volume_and_sentiment_by_network_stream_and_day(org, social_user):
    networks = {row["platform"]: row for row in figures.volume_by_network(social_user, PERIOD)}
    assert {
        k: (r["total"], r["negative"], r["neutral"], r["positive"]) for k, r in networks.items()
    } == {
        "x": (2, 1, 1, 0),
        "mastodon": (2, 0, 0, 2),
    }
    assert networks["x"]["negative_share"] == 50.0
    assert networks["x"]["average"] == -0.3
    streams = {row["label"]: row["total"] for row in figures.volume_by_stream(social_user, PERIOD)}
    assert streams == {"Brand": 3, "—": 1}
    days = figures.volume_over_time(social_user, PERIOD)
    assert [row["total"] for row in days] == [1, 1, 1, 1, 0, 0, 0]
    assert [row["day"].day for row in days] == [1, 2, 3, 4, 5, 6, 7]


def test_risk_by_reason_counts_mentions_carrying_each(org, social_user):
    counts = {row["code"]: row["count"] for row in figures.risk_by_reason(social_user, PERIOD)}
    assert counts["legal"] == 2  # m1, m2 (m7 is in the Legal queue)
    assert counts["crisis"] == 1
    assert counts["security"] == 1
    assert counts["profanity"] == 0


def test_share_of_voice(org, social_user):
    voice = figures.share_of_voice(social_user, PERIOD)
    assert [(row["label"], row["count"], row["share"]) for row in voice] == [
        ("", 4, 80.0),
        ("Rival", 1, 20.0),
    ]


def test_response_times_overall_by_team_and_person(org, social_user):
    overall = figures.response_times(social_user, PERIOD, by=None, now=NOW)[0]
    assert overall["total"] == 4
    assert overall["responded"] == 3
    # First responses 10, 20 and 60 min: median 20 min, p90 20 + 0.8 x 40 = 52 min.
    assert overall["first_response_p50"] == 1200
    assert overall["first_response_p90"] == 3120
    # Resolutions 60 and 240 min: median 150 min, p90 60 + 0.9 x 180 = 222 min.
    assert overall["resolution_p50"] == 9000
    assert overall["resolution_p90"] == 13320
    # First response met by m1, m2 of m1..m3; resolution met by m1 only (m2 late, m3 overdue).
    assert overall["first_response_sla"] == 66.7
    assert overall["resolution_sla"] == 33.3
    teams = {
        row["label"]: row for row in figures.response_times(social_user, PERIOD, by="team", now=NOW)
    }
    assert teams["Care"]["total"] == 3
    assert teams[""]["total"] == 1
    assert teams[""]["first_response_p50"] is None
    people = {
        row["label"]: row
        for row in figures.response_times(social_user, PERIOD, by="assignee", now=NOW)
    }
    assert people["Alice"]["first_response_p50"] == 900
    assert people["Alice"]["resolution_sla"] == 50.0
    assert people["Bob"]["first_response_p50"] == 3600
    assert people["Bob"]["first_response_sla"] == 0.0


def test_incidents_time_to_detect_and_resolve(org, social_user):
    summary = figures.incident_times(social_user, PERIOD)
    assert summary["count"] == 2
    assert summary["resolved"] == 1
    assert summary["detect_p50"] == 7200
    assert summary["resolve_p50"] == 86400
    rows = list(figures.incidents_in(social_user, PERIOD))
    assert [round(r.detect) if r.detect is not None else None for r in rows] == [7200, None]


def test_a_restricted_queue_counts_only_for_who_may_read_it(org, social_user, admin_user):
    _report, mine = _figures(social_user)
    _report, admins = _figures(admin_user)
    assert mine["mentions"].value == 4
    assert admins["mentions"].value == 5
    legal = {r["code"]: r["count"] for r in figures.risk_by_reason(admin_user, PERIOD)}
    assert legal["legal"] == 3


def test_days_are_the_report_time_zone_s(settings, social_user):
    """23:30 UTC on 1 March is 2 March in Paris."""
    from datetime import UTC, datetime

    from tests.monitoring.factories import MentionFactory

    settings.TIME_ZONE = "Europe/Paris"
    MentionFactory(published_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    days = figures.volume_over_time(social_user, PERIOD)
    assert [row["total"] for row in days][:2] == [0, 1]


def test_a_long_range_is_counted_by_week(org, social_user):
    period = selectors.Period(PERIOD.first.replace(month=1), PERIOD.last)
    weeks = figures.volume_over_time(social_user, period)
    assert period.bucket == "week"
    assert all(row["day"].weekday() == 0 for row in weeks)
    assert sum(row["total"] for row in weeks) == 5  # the previous period's one too


def test_a_reply_found_before_the_mention_was_received_counts_as_answered_at_once(org, social_user):
    from datetime import timedelta

    from monitoring.models import Mention

    Mention.objects.exclude(first_response_at=None).update(
        first_response_at=models.F("received_at") - timedelta(seconds=4)
    )
    overall = figures.response_times(social_user, PERIOD, by=None, now=NOW)[0]
    assert overall["first_response_p50"] == 0
    assert overall["first_response_p90"] == 0
