"""A small organisation whose report figures are worked out by hand in test_figures.py.

The period is 1 to 7 March 2026 (UTC); the previous one 22 to 28 February. `now` is 10 March.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import factory

from accounts.models import TeamKind
from monitoring.models import MentionStatus
from reports.models import ReportSubscription
from reports.selectors import Period
from tests.accounts.factories import TeamFactory, UserFactory
from tests.incidents.factories import IncidentFactory
from tests.monitoring.factories import MentionFactory, StreamFactory

PERIOD = Period(datetime(2026, 3, 1).date(), datetime(2026, 3, 7).date())
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


class ReportSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportSubscription

    user = factory.SubFactory(UserFactory, roles=["manager"])


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _mention(received, *, first=None, resolved=None, due=True, reasons=(), **fields):
    return MentionFactory(
        published_at=received,
        received_at=received,
        first_response_at=received + first * MIN if first is not None else None,
        resolved_at=received + resolved * MIN if resolved is not None else None,
        first_response_due_at=received + 30 * MIN if due else None,
        resolve_due_at=received + 120 * MIN if due else None,
        risk_reasons=[{"code": code, "detail": ""} for code in reasons],
        **fields,
    )


@dataclass
class Org:
    team: object
    legal: object
    alice: object
    bob: object
    stream: object
    rival: object
    mentions: dict


def organisation() -> Org:
    team = TeamFactory(name="Care")
    legal = TeamFactory(name="Legal desk", kind=TeamKind.LEGAL)
    alice = UserFactory(display_name="Alice", roles=["social"])
    bob = UserFactory(display_name="Bob", roles=["social"])
    stream = StreamFactory(name="Brand")
    rival = StreamFactory(name="Rival", is_competitor=True)
    m = {}
    m["m1"] = _mention(
        at(1), first=10, resolved=60, platform="x", stream=stream, team=team, assignee=alice,
        sentiment=-0.6, sentiment_label="negative", reasons=("legal", "crisis"), risk_score=80,
        status=MentionStatus.RESOLVED,
    )  # fmt: skip
    m["m2"] = _mention(
        at(2), first=20, resolved=240, platform="x", stream=stream, team=team, assignee=alice,
        sentiment=0.0, sentiment_label="neutral", reasons=("legal",), risk_score=20,
        status=MentionStatus.RESOLVED,
    )  # fmt: skip
    m["m3"] = _mention(
        at(3), first=60, platform="mastodon", stream=stream, team=team, assignee=bob,
        sentiment=0.6, sentiment_label="positive", status=MentionStatus.IN_PROGRESS,
    )  # fmt: skip
    m["m4"] = _mention(
        at(4), due=False, platform="mastodon", sentiment=0.2, sentiment_label="positive",
        reasons=("security",),
    )  # fmt: skip
    # A competitor's mention: in the share of voice only.
    m["m5"] = _mention(at(5), due=False, stream=rival, sentiment_label="neutral", sentiment=0.0)
    # The brand's own post: never counted.
    m["m6"] = _mention(at(5), due=False, status=MentionStatus.OWN, stream=stream)
    # In the Legal queue: counted only for who may read it.
    m["m7"] = _mention(
        at(6), due=False, team=legal, sentiment=-0.9, sentiment_label="negative", reasons=("legal",)
    )
    # Outside the period: 31 March, and the previous period's one mention.
    m["after"] = _mention(at(8), due=False, sentiment_label="negative", sentiment=-0.5)
    m["before"] = _mention(
        at(25, month=2), first=5, resolved=50, platform="x", stream=stream, team=team,
        sentiment=-0.4, sentiment_label="negative",
    )  # fmt: skip
    IncidentFactory(
        title="Outage", declared_at=at(2, 12), first_mention_at=at(2, 10), resolved_at=at(3, 12)
    )
    IncidentFactory(title="Rumour", declared_at=at(5, 12))
    return Org(team, legal, alice, bob, stream, rival, m)
