"""The SLA clocks follow the settings: business hours and holidays pause them, a team's own
target beats the default, and a change recomputes the open mentions' due times."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from inbox import selectors
from inbox import services as inbox_services
from inbox.models import SlaTarget
from monitoring.models import Mention, MentionStatus, Priority
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.inbox.factories import TeamHoursFactory
from tests.monitoring.factories import MentionFactory
from tests.workspace.factories import HolidayFactory, SlaTargetFactory
from workspace import services, tasks

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
FRIDAY_1630 = datetime(2026, 3, 6, 16, 30, tzinfo=PARIS)
MONDAY = date(2026, 3, 9)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def team():
    team = TeamFactory(name="Support")
    TeamHoursFactory(team=team)  # Monday to Friday, 9:00-17:00 in Paris
    return team


def arrive(team, priority=Priority.NORMAL) -> Mention:
    """A mention arriving now, stamped by the pipeline's SLA step."""
    mention = MentionFactory.build(team=team, priority=priority, status=MentionStatus.NEW)
    inbox_services.apply_sla([mention])
    mention.save()
    return mention


def test_the_default_normal_target_keeps_the_policys_two_working_hours():
    target = SlaTarget.objects.get(team=None, priority=Priority.NORMAL)
    assert target.first_response == timedelta(hours=2)
    assert target.business_hours


def test_business_hours_pause_the_clock(team):
    with time_machine.travel(FRIDAY_1630, tick=False):
        mention = arrive(team)
    # Half an hour on Friday, the weekend paused, an hour and a half on Monday.
    assert mention.first_response_due_at == paris(2026, 3, 9, 10, 30)


def test_a_holiday_pauses_the_clock(team):
    HolidayFactory(team=team, date=MONDAY, name="Team day off")
    with time_machine.travel(FRIDAY_1630, tick=False):
        mention = arrive(team)
    assert mention.first_response_due_at == paris(2026, 3, 10, 10, 30)


def test_another_teams_holiday_does_not(team):
    HolidayFactory(date=MONDAY)
    with time_machine.travel(FRIDAY_1630, tick=False):
        mention = arrive(team)
    assert mention.first_response_due_at == paris(2026, 3, 9, 10, 30)


def test_holidays_in_business_time_directly():
    hours = TeamHoursFactory.build(weekdays=[0, 1, 2, 3, 4], opens=time(9), closes=time(17))
    start = paris(2026, 3, 6, 16)
    holidays = frozenset({MONDAY, date(2026, 3, 10)})
    due = selectors.add_business_time(start, timedelta(hours=2), hours, holidays)
    assert due == paris(2026, 3, 11, 10)


def test_a_teams_own_target_beats_the_default(team):
    SlaTargetFactory(
        team=team, priority=Priority.NORMAL, first_response=timedelta(minutes=20),
        resolution=timedelta(hours=4), business_hours=False,
    )  # fmt: skip
    other = TeamFactory(name="Elsewhere")
    with time_machine.travel(FRIDAY_1630, tick=False):
        own = arrive(team)
        default = arrive(other)
    assert own.first_response_due_at == paris(2026, 3, 6, 16, 50)
    assert own.resolve_due_at == paris(2026, 3, 6, 20, 30)
    # The other team has no hours: the default two hours run round the clock.
    assert default.first_response_due_at == paris(2026, 3, 6, 18, 30)


def test_an_admin_sets_two_hours_with_business_hours_and_the_clocks_change(team, admin_user):
    normal = SlaTarget.objects.get(team=None, priority=Priority.NORMAL)
    with time_machine.travel(FRIDAY_1630, tick=False):
        services.sla_target_update(
            actor=admin_user, target=normal, first_response=timedelta(hours=8),
            business_hours=False,
        )  # fmt: skip
        mention = arrive(team)
        done = MentionFactory(
            team=team, priority=Priority.NORMAL, status=MentionStatus.RESOLVED,
            first_response_due_at=paris(2026, 3, 7), resolve_due_at=paris(2026, 3, 8),
        )  # fmt: skip
        assert mention.first_response_due_at == paris(2026, 3, 7, 0, 30)
        services.sla_target_update(
            actor=admin_user, target=normal, first_response=timedelta(hours=2),
            business_hours=True,
        )  # fmt: skip
    mention.refresh_from_db()
    assert mention.first_response_due_at == paris(2026, 3, 9, 10, 30)
    done.refresh_from_db()
    assert done.first_response_due_at == paris(2026, 3, 7)  # closed: left alone
    event = AuditEvent.objects.filter(verb="sla_target.update").latest("pk")
    assert event.before["first_response"] == "8 h"
    assert event.after == {
        "team": None,
        "priority": Priority.NORMAL,
        "first_response": "2 h",
        "resolution": "3 d",
        "business_hours": True,
    }


def test_changing_hours_and_holidays_recomputes_the_teams_open_mentions(team, admin_user):
    with time_machine.travel(FRIDAY_1630, tick=False):
        mention = arrive(team)
        services.holiday_add(actor=admin_user, team=team, date=MONDAY, name="Day off")
        mention.refresh_from_db()
        assert mention.first_response_due_at == paris(2026, 3, 10, 10, 30)
        services.team_hours_set(
            actor=admin_user, team=team, timezone="Europe/Paris",
            weekdays=[0, 1, 2, 3, 4, 5, 6], opens=time(8), closes=time(20),
        )  # fmt: skip
        mention.refresh_from_db()
        # Open until 20:00 every day: the two hours end on Friday evening.
        assert mention.first_response_due_at == paris(2026, 3, 6, 18, 30)
        services.team_hours_clear(actor=admin_user, team=team)
        mention.refresh_from_db()
        assert mention.first_response_due_at == paris(2026, 3, 6, 18, 30)


def test_many_mentions_are_recomputed_by_a_worker(team, admin_user, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "RECOMPUTE_INLINE", 1)
    monkeypatch.setattr(services, "RECOMPUTE_BATCH", 2)
    monkeypatch.setattr(
        services, "enqueue_on_commit", lambda name, *calls: queued.append((name, calls))
    )
    normal = SlaTarget.objects.get(team=None, priority=Priority.NORMAL)
    with time_machine.travel(FRIDAY_1630, tick=False):
        mentions = [arrive(team) for _ in range(5)]
        services.sla_target_update(actor=admin_user, target=normal, business_hours=False)
        untouched = Mention.objects.get(pk=mentions[0].pk)
        assert untouched.first_response_due_at == paris(2026, 3, 9, 10, 30)  # not yet
        assert queued == [("workspace.tasks.recompute_due_dates", ((Priority.NORMAL, None),))]
        assert tasks.recompute_due_dates(Priority.NORMAL, None) == 5
    due = set(
        Mention.objects.filter(pk__in=[m.pk for m in mentions]).values_list(
            "first_response_due_at", flat=True
        )
    )
    assert due == {paris(2026, 3, 6, 18, 30)}
