"""incidents.selectors.mention_stats: what the incident page shows of its linked mentions."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from incidents.models import IncidentMention
from incidents.selectors import CHART_MAX_HOURS, mention_stats
from monitoring.dashboard import CHART_HEIGHT
from tests.incidents.factories import IncidentFactory
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 20, tzinfo=UTC)  # mid-hour: "ten minutes ago" is this hour


def _linked(incident, minutes_ago: int, **fields):
    mention = MentionFactory(published_at=NOW - timedelta(minutes=minutes_ago), **fields)
    IncidentMention.objects.create(incident=incident, mention=mention)
    return mention


@time_machine.travel(NOW, tick=False)
def test_figures_riskiest_and_hourly_volume_of_the_linked_mentions(admin_user):
    incident = IncidentFactory(declared_at=NOW - timedelta(hours=2))
    _linked(incident, 10, sentiment=-0.6, sentiment_label="negative", risk_score=40)
    riskiest = _linked(incident, 15, sentiment=0.2, sentiment_label="neutral", risk_score=90)
    _linked(incident, 130, sentiment=-0.8, sentiment_label="negative", risk_score=60)
    _linked(incident, 200, sentiment=0.6, sentiment_label="positive", risk_score=10)
    MentionFactory(published_at=NOW - timedelta(minutes=5), risk_score=99)  # not linked
    incident.first_mention_at = NOW - timedelta(minutes=200)

    stats = mention_stats(incident, user=admin_user, now=NOW)

    assert (stats["count"], stats["negative"], stats["positive"]) == (4, 2, 1)
    assert stats["negative_share"] == 50
    assert stats["last_hour"] == 2
    assert stats["top_risk"] == 90
    assert stats["riskiest"][0] == riskiest
    assert [m.risk_score for m in stats["riskiest"]] == [90, 60, 40, 10]
    bars = stats["chart"].bars
    assert len(bars) == 6  # at least six hours are drawn
    assert [(bar.total, bar.negative) for bar in bars] == [
        (0, 0),
        (0, 0),
        (1, 0),  # 09:00, 200 minutes ago
        (1, 1),  # 10:00
        (0, 0),
        (2, 1),  # this hour
    ]
    assert bars[-1].height == CHART_HEIGHT
    assert bars[2].height == CHART_HEIGHT // 2


@time_machine.travel(NOW, tick=False)
def test_the_chart_goes_back_two_days_at_most_and_none_without_mentions(admin_user):
    incident = IncidentFactory(declared_at=NOW - timedelta(days=5))
    assert mention_stats(incident, user=admin_user, now=NOW)["chart"] is None

    _linked(incident, 60 * 24 * 4)
    _linked(incident, 30)
    incident.first_mention_at = NOW - timedelta(days=4)
    stats = mention_stats(incident, user=admin_user, now=NOW)

    assert stats["count"] == 2
    assert len(stats["chart"].bars) == CHART_MAX_HOURS
    assert sum(bar.total for bar in stats["chart"].bars) == 1  # the older one is off the chart
