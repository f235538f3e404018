"""The reports' daily roll-ups give every figure the mentions give, whatever was written since.

Each test compares the figures read through the roll-ups (`reports.selectors.rolled` and
`responses`) with the live ones (`reports.selectors.figures`) on periods whose days are rolled
up, after a triage write that changes an old day, after a late mention dated in the past, and
at report moments before and after a target falls due. The tests commit (transaction=True):
`updated_at` is the writing transaction's start, as in production.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import TeamMembership
from inbox.services import mentions_assign
from monitoring.models import Mention, MentionStatus, Stream
from reports import rollups
from reports.models import MentionDay, ResponseDay, RolledDay
from reports.selectors import Period, figures, local_today, report_for, responses, rolled
from tests.monitoring.factories import MentionFactory
from tests.reports.factories import MIN, NOW, PERIOD, at, organisation

pytestmark = pytest.mark.django_db(transaction=True)

LONG = Period(PERIOD.first - timedelta(days=70), PERIOD.last)  # shown by week
PERIODS = (PERIOD, PERIOD.previous(), LONG)


@pytest.fixture
def org(settings, monkeypatch):
    settings.TIME_ZONE = "UTC"
    monkeypatch.setattr(rollups, "SQLITE_MARGIN_SECONDS", 0)
    made = organisation()
    # More days, networks, sentiments (one without a score) and risks.
    for day, platform, label, sentiment, risk, reasons in [
        (1, "mastodon", "negative", -0.25, 90, ["profanity"]),
        (2, "bluesky", "positive", 0.75, 10, []),
        (2, "x", "", None, 40, ["reach", "negative"]),
        (4, "reddit", "negative", -0.5, 75, ["crisis", "security"]),
        (6, "x", "neutral", 0.0, 0, []),
    ]:
        MentionFactory(
            published_at=at(day, 15),
            received_at=at(day, 15),
            platform=platform,
            stream=made.stream,
            team=made.team if day % 2 else None,
            sentiment=sentiment,
            sentiment_label=label,
            risk_score=risk,
            risk_reasons=[{"code": code, "detail": ""} for code in reasons],
        )
    MentionFactory(published_at=at(10, month=1), stream=made.rival, sentiment_label="negative")
    # Written an hour ago, as an installation's mentions were.
    Mention.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    return made


def _rolled(user, period, now=NOW):
    rows = rolled.published_rows(user, period)
    answered = responses.response_rows(user, period, rolled.streams_by_id())
    return {
        **{
            f"response_{by}": responses.response_times(answered, now, by=by)
            for by in (None, "team", "assignee")
        },
        "over_time": rolled.volume_over_time(rows, period),
        "networks": rolled.volume_by_network(rows),
        "streams": rolled.volume_by_stream(rows),
        "reasons": rolled.risk_by_reason(rows),
        "voice": rolled.share_of_voice(rows),
        "headline": rolled.headline_counts(rows),
    }


def _live(user, period, now=NOW):
    headline = figures.headline(user, period, NOW)
    return {
        **{
            f"response_{by}": figures.response_times(user, period, by=by, now=now)
            for by in (None, "team", "assignee")
        },
        "over_time": figures.volume_over_time(user, period),
        "networks": figures.volume_by_network(user, period),
        "streams": figures.volume_by_stream(user, period),
        "reasons": figures.risk_by_reason(user, period),
        "voice": figures.share_of_voice(user, period),
        "headline": {key: headline[key] for key in rolled.headline_counts(rolled.Rows([], {}))},
    }


def _assert_equal(users, periods=PERIODS):
    for user in users:
        for period in periods:
            got, want = _rolled(user, period), _live(user, period)
            for key in want:
                assert got[key] == want[key], (user, period, key)


def _exact_days(period, kind=rollups.PUBLICATION) -> set:
    return set(rollups.split_days(period, kind)[0])


def test_every_figure_from_the_roll_ups_equals_the_live_one(org, social_user, legal_user):
    assert _exact_days(PERIOD) == set()  # nothing rolled up yet: all live
    _assert_equal([social_user, legal_user])
    done = rollups.rollups_refresh()
    assert done["days"] > 60
    assert done["responses"]["days"] > 60
    assert MentionDay.objects.exists()
    assert ResponseDay.objects.exists()
    assert _exact_days(PERIOD) == {PERIOD.first + timedelta(days=n) for n in range(7)}
    assert _exact_days(PERIOD, rollups.RESPONSES) == _exact_days(PERIOD)
    # From the first mention's day (10 January) on.
    assert len(_exact_days(LONG)) == (PERIOD.last - at(10, month=1).date()).days + 1
    _assert_equal([social_user, legal_user])
    # The whole report reads them and shows the same figures.
    report = report_for(social_user, PERIOD, now=NOW)
    assert {f.key: f.value for f in report.figures}["mentions"] == 4 + 5
    assert report.over_time == figures.volume_over_time(social_user, PERIOD)
    assert report.teams == figures.response_times(social_user, PERIOD, by="team", now=NOW)
    assert report.people == figures.response_times(social_user, PERIOD, by="assignee", now=NOW)
    assert {f.key: f.value for f in report.figures}["first_response_p50"] == 20 * 60
    # A second run has nothing to do.
    assert rollups.rollups_refresh() == {"days": 0, "rows": 0, "responses": {"days": 0, "rows": 0}}


def test_the_roll_ups_keep_the_visibility_rule(org, social_user, legal_user, no_role_user):
    TeamMembership.objects.create(team=org.legal, user=legal_user)
    rollups.rollups_refresh()
    assert MentionDay.objects.filter(team_id=org.legal.pk).exists()
    social = {row["code"]: row["count"] for row in _rolled(social_user, PERIOD)["reasons"]}
    legal = {row["code"]: row["count"] for row in _rolled(legal_user, PERIOD)["reasons"]}
    assert social["legal"] == 2  # m7, in the Legal queue, is not counted for them
    assert legal["legal"] == 3
    assert _rolled(social_user, PERIOD)["headline"]["mentions"] == 9
    assert _rolled(legal_user, PERIOD)["headline"]["mentions"] == 10
    assert _rolled(no_role_user, PERIOD)["headline"]["mentions"] == 0
    _assert_equal([social_user, legal_user, no_role_user])


def test_a_triage_write_sends_its_day_back_to_live_until_the_next_run(
    org, social_user, legal_user, admin_user
):
    rollups.rollups_refresh()
    # m1 (1 March) moves to the Legal queue: the social team may no longer count it.
    mentions_assign(actor=admin_user, mentions=[org.mentions["m1"]], team=org.legal)
    assert PERIOD.first not in _exact_days(PERIOD)
    assert PERIOD.first not in _exact_days(PERIOD, rollups.RESPONSES)
    assert _rolled(social_user, PERIOD)["headline"]["mentions"] == 8
    assert _rolled(social_user, PERIOD)["response_None"][0]["total"] == 8
    _assert_equal([social_user, legal_user])
    done = rollups.rollups_refresh()
    assert (done["days"], done["responses"]["days"]) == (1, 1)
    assert PERIOD.first in _exact_days(PERIOD)
    assert PERIOD.first in _exact_days(PERIOD, rollups.RESPONSES)
    _assert_equal([social_user, legal_user])


def test_a_late_mention_dated_in_the_past_counts_at_once(org, social_user, legal_user):
    rollups.rollups_refresh()
    MentionFactory(
        published_at=at(3, 18), received_at=timezone.now(), sentiment_label="negative",
        sentiment=-0.5, risk_score=95, risk_reasons=[{"code": "legal", "detail": ""}],
    )  # fmt: skip
    MentionFactory(published_at=at(1, 1, month=1), sentiment_label="neutral", sentiment=0.0)
    assert at(3).date() not in _exact_days(PERIOD)
    assert _rolled(social_user, PERIOD)["headline"]["mentions"] == 10
    _assert_equal([social_user, legal_user])
    # 3 March again, and 1 to 9 January: the days now begin at the earlier mention.
    assert rollups.rollups_refresh()["days"] == 1 + 9
    assert at(3).date() in _exact_days(PERIOD)
    _assert_equal([social_user, legal_user])


def test_today_and_the_brands_own_posts(org, social_user):
    rollups.rollups_refresh()
    today = local_today()  # the report's day (the organisation's zone), not the server's
    assert not RolledDay.objects.filter(day__gte=today).exists()
    MentionFactory(published_at=timezone.now(), sentiment_label="positive", sentiment=0.5)
    MentionFactory(published_at=timezone.now(), status=MentionStatus.OWN)
    yesterday_and_today = Period(today - timedelta(days=1), today)
    assert _rolled(social_user, yesterday_and_today)["headline"]["mentions"] == 1
    _assert_equal([social_user], [yesterday_and_today])
    assert not MentionDay.objects.filter(total=0).exists()


def test_a_new_time_zone_rebuilds_every_day(org, social_user, settings):
    rollups.rollups_refresh()
    from workspace.models import Organisation
    from workspace.selectors import organisation_forget

    Organisation.objects.update_or_create(pk=1, defaults={"timezone": "America/New_York"})
    organisation_forget()
    assert _exact_days(PERIOD) == set()  # cut in UTC: none of them is a day there
    _assert_equal([social_user])
    rollups.rollups_refresh()
    assert len(_exact_days(PERIOD)) == 7
    _assert_equal([social_user])


def test_the_beat_runs_the_roll_ups(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-report-rollups"]
    assert entry["task"] == "reports.tasks.refresh_rollups"
    assert entry["options"]["expires"] <= entry["schedule"]


def test_a_deleted_stream_or_a_stream_turned_competitor(org, social_user):
    rollups.rollups_refresh()
    # Neither writes the mentions' updated_at: the roll-up rows read streams live.
    org.rival.delete()
    Stream.objects.filter(pk=org.stream.pk).update(is_competitor=True)
    assert len(_exact_days(PERIOD)) == 7
    _assert_equal([social_user])
    assert _rolled(social_user, PERIOD)["voice"][1]["label"] == "Brand"


def test_a_deleted_team_or_person(org, social_user):
    rollups.rollups_refresh()
    # Their mentions lose them without a write to updated_at: the rows name them no more.
    org.team.delete()
    org.alice.delete()
    assert _exact_days(PERIOD, rollups.RESPONSES) == _exact_days(PERIOD)
    assert len(_exact_days(PERIOD)) == 7
    _assert_equal([social_user])
    people = _rolled(social_user, PERIOD)["response_assignee"]
    assert [(row["id"], row["total"]) for row in people] == [(None, 8), (org.bob.pk, 1)]


def test_a_target_falling_due_after_the_roll_up(org, social_user, legal_user):
    # Answered after its target, one still waiting, one resolved in time, on 2 March; and on
    # 3 March, targets still to fall due when the day is rolled up.
    later = timezone.now() + timedelta(days=2)
    MentionFactory(
        published_at=at(2, 11), received_at=at(2, 11), first_response_at=at(2, 13),
        first_response_due_at=at(2, 12), resolved_at=at(2, 14), resolve_due_at=at(2, 15),
        team=org.team, assignee=org.bob,
    )  # fmt: skip
    MentionFactory(
        published_at=at(2, 12), received_at=at(2, 12), first_response_due_at=at(2, 13),
        team=org.team,
    )  # fmt: skip
    for hours in (1, 30):
        MentionFactory(
            published_at=at(3, 9), received_at=at(3, 9), first_response_due_at=later,
            resolve_due_at=later + hours * 60 * MIN, team=org.team, assignee=org.alice,
        )  # fmt: skip
    Mention.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    rollups.rollups_refresh()
    assert _exact_days(PERIOD, rollups.RESPONSES) == _exact_days(PERIOD)
    assert ResponseDay.objects.exclude(first_waiting=b"").exists()
    # Before, between and after the targets: the same figures as the mentions give then.
    moments = [NOW, later, later + 2 * 60 * MIN, later + 2 * 24 * 60 * MIN]
    dues = []
    for now in moments:
        for user in (social_user, legal_user):
            for period in PERIODS:
                got, want = _rolled(user, period, now), _live(user, period, now)
                for key in ("response_None", "response_team", "response_assignee"):
                    assert got[key] == want[key], (user, period, now, key)
        overall = _rolled(social_user, PERIOD, now)["response_None"][0]
        dues.append((overall["first_due"], overall["resolve_due"]))
    assert dues == [(5, 4), (5, 4), (7, 5), (7, 6)]
