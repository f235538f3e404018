"""SLA: due times (round the clock and in business hours), timers, breaches, report (inbox)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from inbox import selectors, services
from inbox.models import SlaTarget, TeamHours
from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention, Priority
from tests.accounts.factories import TeamFactory
from tests.inbox.factories import TeamHoursFactory
from tests.monitoring.factories import MentionFactory

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def office(**fields) -> TeamHours:
    """Unsaved hours: Monday to Friday, 9:00-17:00 in Paris unless told."""
    values = {
        "timezone": "Europe/Paris",
        "weekdays": [0, 1, 2, 3, 4],
        "opens": time(9),
        "closes": time(17),
    }
    return TeamHours(**(values | fields))


# --- Business time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # Wednesday 4 March 2026, inside the day.
        (paris(2026, 3, 4, 10), timedelta(hours=2), paris(2026, 3, 4, 12)),
        # Filling the day exactly ends at closing time, not the next morning.
        (paris(2026, 3, 4, 9), timedelta(hours=8), paris(2026, 3, 4, 17)),
        # Across closing time: one hour today, one tomorrow morning.
        (paris(2026, 3, 4, 16), timedelta(hours=2), paris(2026, 3, 5, 10)),
        # Arriving at closing time counts from the next opening.
        (paris(2026, 3, 4, 17), timedelta(hours=1), paris(2026, 3, 5, 10)),
        # Before opening: the clock starts at 9:00.
        (paris(2026, 3, 4, 6, 30), timedelta(minutes=30), paris(2026, 3, 4, 9, 30)),
        # Over a weekend: Friday 16:00 + 3 hours is Monday 11:00.
        (paris(2026, 3, 6, 16), timedelta(hours=3), paris(2026, 3, 9, 11)),
        # Arriving on Saturday waits for Monday.
        (paris(2026, 3, 7, 12), timedelta(hours=1), paris(2026, 3, 9, 10)),
        # Several days of business time: 24 hours is three whole days.
        (paris(2026, 3, 4, 9), timedelta(hours=24), paris(2026, 3, 6, 17)),
        # Across the spring clock change (Sunday 29 March): still Monday 10:00 local.
        (paris(2026, 3, 27, 16), timedelta(hours=2), paris(2026, 3, 30, 10)),
    ],
)
def test_business_time(start, duration, due):
    got = selectors.add_business_time(start, duration, office())
    assert got == due
    assert got.utcoffset() == due.utcoffset()


def test_business_time_across_the_clock_change_in_utc():
    start = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # Friday 16:00 CET
    due = selectors.add_business_time(start, timedelta(hours=2), office())
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 CEST
    assert due.tzinfo is UTC  # answered in the caller's zone


def test_business_time_in_the_team_time_zone():
    """New York opens at 9:00 there, which is 14:00 UTC in early March."""
    hours = office(timezone="America/New_York")
    start = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # 7:00 in New York
    assert selectors.add_business_time(start, timedelta(hours=1), hours) == datetime(
        2026, 3, 4, 15, 0, tzinfo=UTC
    )
    # The same instant counted in Paris hours is already 13:00 there.
    assert selectors.add_business_time(start, timedelta(hours=1), office()) == datetime(
        2026, 3, 4, 13, 0, tzinfo=UTC
    )


def test_business_time_with_a_weekend_team():
    hours = office(weekdays=[5, 6], opens=time(10), closes=time(14))
    start = paris(2026, 3, 4, 12)  # Wednesday
    assert selectors.add_business_time(start, timedelta(hours=5), hours) == paris(2026, 3, 8, 11)


@pytest.mark.parametrize(
    "hours",
    [
        None,
        office(weekdays=[]),
        office(opens=time(17), closes=time(9)),
        office(opens=time(9), closes=time(9)),
    ],
)
def test_without_usable_hours_the_clock_runs_round_the_clock(hours):
    start = paris(2026, 3, 7, 23)  # a Saturday night
    assert selectors.add_business_time(start, timedelta(hours=3), hours) == start + timedelta(
        hours=3
    )


# --- Targets ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_targets_count_business_hours_for_low_and_normal_only():
    team = TeamFactory()
    TeamHoursFactory(team=team)
    targets = selectors.Targets.load()
    friday_evening = paris(2026, 3, 6, 18)

    urgent = targets.due(start=friday_evening, priority=Priority.URGENT, team_id=team.pk)
    assert urgent == (friday_evening + timedelta(minutes=30), friday_evening + timedelta(hours=4))

    first, resolve = targets.due(start=friday_evening, priority=Priority.NORMAL, team_id=team.pk)
    assert first == paris(2026, 3, 9, 11)  # 2 business hours (the policy's): Monday 11:00
    assert resolve == paris(2026, 3, 19, 17)  # 72 business hours: nine working days

    # A team without hours is served round the clock, even for business-hours targets.
    other = targets.due(start=friday_evening, priority=Priority.NORMAL, team_id=None)
    assert other == (friday_evening + timedelta(hours=2), friday_evening + timedelta(days=3))


@pytest.mark.django_db
def test_a_priority_without_target_has_no_due_time():
    SlaTarget.objects.filter(priority=Priority.LOW).delete()
    targets = selectors.Targets.load()
    assert targets.due(start=paris(2026, 3, 4, 9), priority=Priority.LOW, team_id=None) == (
        None,
        None,
    )


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 3, 4, 10, 0, tzinfo=UTC), tick=False)
def test_the_pipeline_step_stamps_each_arriving_mention():
    team = TeamFactory()
    TeamHoursFactory(team=team, timezone="UTC", opens=time(8), closes=time(12))
    batch = [
        NormalizedMention(
            platform="x",
            external_id=str(n),
            text="t",
            published_at=datetime(2026, 3, 4, tzinfo=UTC),
        )
        for n in range(3)
    ]
    batch[0].priority, batch[0].team_id = Priority.URGENT, None
    batch[1].priority, batch[1].team_id = Priority.NORMAL, team.pk
    batch[2].priority, batch[2].team_id = Priority.NORMAL, None

    services.apply_sla(batch)

    now = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert batch[0].first_response_due_at == now + timedelta(minutes=30)
    assert batch[0].resolve_due_at == now + timedelta(hours=4)
    # The 2 business hours of Normal fit in what is left of Wednesday (10-12 UTC).
    assert batch[1].first_response_due_at == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert batch[2].first_response_due_at == now + timedelta(hours=2)


# --- Timers ----------------------------------------------------------------------------------

ARRIVED = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def _mention(**fields) -> Mention:
    values = {
        "status": "new",
        "received_at": ARRIVED,
        "first_response_due_at": ARRIVED + timedelta(hours=2),
        "resolve_due_at": ARRIVED + timedelta(hours=24),
    }
    return Mention(**(values | fields))


@pytest.mark.parametrize(
    ("after", "state", "left"),
    [
        (timedelta(minutes=10), "ok", timedelta(minutes=110)),
        (timedelta(minutes=89), "ok", timedelta(minutes=31)),
        (timedelta(minutes=90), "warn", timedelta(minutes=30)),  # a quarter left
        (timedelta(minutes=119), "warn", timedelta(minutes=1)),
        (timedelta(minutes=120), "warn", timedelta(0)),  # due now: not late yet
        (timedelta(minutes=121), "breached", timedelta(minutes=-1)),
    ],
)
def test_first_response_timer_states(after, state, left):
    timer = selectors.timer(_mention(), ARRIVED + after)
    assert (timer.label, timer.state, timer.left) == ("first_response", state, left)
    assert timer.due_at == ARRIVED + timedelta(hours=2)


def test_once_answered_the_resolution_clock_runs():
    answered = _mention(first_response_at=ARRIVED + timedelta(minutes=5), status="in_progress")
    timer = selectors.timer(answered, ARRIVED + timedelta(hours=3))
    assert (timer.label, timer.state) == ("resolution", "ok")
    assert selectors.timer(answered, ARRIVED + timedelta(hours=19)).state == "warn"
    assert selectors.timer(answered, ARRIVED + timedelta(hours=25)).state == "breached"


def test_a_late_first_response_shows_the_resolution_clock_when_none_is_set():
    mention = _mention(resolve_due_at=None)
    assert selectors.timer(mention, ARRIVED + timedelta(hours=3)).state == "breached"
    mention.first_response_at = ARRIVED + timedelta(hours=3)
    assert selectors.timer(mention, ARRIVED + timedelta(hours=4)) is None


@pytest.mark.parametrize("status", ["resolved", "ignored"])
def test_closed_mentions_have_no_timer(status):
    assert selectors.timer(_mention(status=status), ARRIVED + timedelta(days=9)) is None


def test_mentions_without_targets_have_no_timer():
    mention = _mention(first_response_due_at=None, resolve_due_at=None)
    assert selectors.timer(mention, ARRIVED) is None


@time_machine.travel(ARRIVED + timedelta(hours=1), tick=False)
def test_timer_defaults_to_now():
    assert selectors.timer(_mention()).left == timedelta(hours=1)


# --- Breaches --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_breaches_count_open_mentions_past_either_target():
    now = ARRIVED + timedelta(hours=3)

    def make(**fields):
        values = {
            "received_at": ARRIVED,
            "first_response_due_at": ARRIVED + timedelta(hours=2),
            "resolve_due_at": ARRIVED + timedelta(hours=24),
        }
        return MentionFactory(**(values | fields))

    unanswered = make()
    make(first_response_at=ARRIVED + timedelta(hours=1))  # answered in time: not breached
    late_answer = make(first_response_at=ARRIVED + timedelta(hours=2, minutes=30))  # answered
    overdue = make(
        status="waiting",
        first_response_at=ARRIVED,
        resolve_due_at=ARRIVED + timedelta(hours=2, minutes=59),
    )
    make(status="resolved")  # closed: never counts
    make(status="ignored", resolve_due_at=ARRIVED)
    make(first_response_due_at=None, resolve_due_at=None)  # no target
    make(first_response_due_at=ARRIVED + timedelta(hours=4))  # still running

    breached = set(Mention.objects.filter(selectors.breached_q(now)).values_list("pk", flat=True))
    assert breached == {unanswered.pk, overdue.pk}
    assert late_answer.pk not in breached  # answered late, but the answer is given
    assert selectors.breach_count(Mention.objects.all(), now) == 2
    assert selectors.breach_count(Mention.objects.filter(status="waiting"), now) == 1


@pytest.mark.django_db
def test_breach_count_defaults_to_now():
    MentionFactory(received_at=ARRIVED, first_response_due_at=ARRIVED + timedelta(hours=1))
    with time_machine.travel(ARRIVED + timedelta(minutes=59), tick=False):
        assert selectors.breach_count(Mention.objects.all()) == 0
    with time_machine.travel(ARRIVED + timedelta(minutes=61), tick=False):
        assert selectors.breach_count(Mention.objects.all()) == 1


# --- Weekly report ----------------------------------------------------------------------------

REPORT_NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # Wednesday of the week of 16 March
WEEK = datetime(2026, 3, 9, tzinfo=UTC)  # Monday, the week before


def _arrived(team, *, day=0, answered=None, resolved=None, first_due=2, resolve_due=24, **extra):
    """A mention that arrived on WEEK + day, with targets `first_due`/`resolve_due` hours later;
    `answered`/`resolved`: hours after arrival, or None."""
    received = WEEK + timedelta(days=day, hours=10)

    def at(hours):
        return None if hours is None else received + timedelta(hours=hours)

    return MentionFactory(
        team=team,
        received_at=received,
        first_response_due_at=at(first_due),
        resolve_due_at=at(resolve_due),
        first_response_at=at(answered),
        resolved_at=at(resolved),
        status="resolved" if resolved is not None else "new",
        **extra,
    )


@pytest.mark.django_db
@time_machine.travel(REPORT_NOW, tick=False)
def test_weekly_report_gives_the_share_of_each_target_met_per_team_and_week():
    care = TeamFactory(name="Care")
    press = TeamFactory(name="Press")
    # Care, week of 9 March: first responses 2 met of 4 due; resolutions 1 met of 2 due.
    _arrived(care, answered=1, resolved=10)  # both met
    _arrived(care, answered=1.5, resolved=30)  # answered in time, resolved late
    _arrived(care, answered=3)  # answered late; resolution overdue (still open)
    _arrived(care, day=1)  # never answered: first response missed, resolution missed
    # Still running (targets in the future): not counted yet either way.
    _arrived(care, day=8, first_due=24 * 30, resolve_due=24 * 60)
    # No targets: not in the report at all.
    _arrived(care, first_due=None, resolve_due=None)
    # Press, same week: everything met.
    _arrived(press, answered=0.5, resolved=2)
    # Too old for an 8-week report.
    MentionFactory(
        team=care,
        received_at=REPORT_NOW - timedelta(weeks=9),
        first_response_due_at=REPORT_NOW - timedelta(weeks=9),
        resolve_due_at=REPORT_NOW - timedelta(weeks=9),
    )

    report = selectors.weekly_report(Mention.objects.all())

    assert [(r["week"], r["team"], r["total"]) for r in report] == [
        (WEEK + timedelta(days=7), "Care", 1),
        (WEEK, "Care", 4),
        (WEEK, "Press", 1),
    ]
    later, care_row, press_row = report
    assert (care_row["first_response_pct"], care_row["resolution_pct"]) == (50.0, 25.0)
    assert (press_row["first_response_pct"], press_row["resolution_pct"]) == (100.0, 100.0)
    # Nothing due yet: no percentage rather than a misleading 0 or 100.
    assert (later["first_response_pct"], later["resolution_pct"]) == (None, None)


@pytest.mark.django_db
@time_machine.travel(REPORT_NOW, tick=False)
def test_weekly_report_rounds_and_respects_the_queryset_and_window():
    care = TeamFactory(name="Care")
    for answered in (1, 1, 3):  # two of three in time
        _arrived(care, answered=answered, resolve_due=None)
    report = selectors.weekly_report(Mention.objects.all())
    assert report[0]["first_response_pct"] == 66.7
    assert report[0]["resolution_pct"] is None

    assert selectors.weekly_report(Mention.objects.exclude(team=care)) == []
    assert selectors.weekly_report(Mention.objects.all(), weeks=1) == []
