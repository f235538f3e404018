"""The beat task that warns before an SLA deadline, with time frozen."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from monitoring.models import MentionStatus
from notifications import tasks
from notifications.models import Notification, NotificationKind
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory
from tests.inbox.factories import restricted_team
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def warnings_for(person):
    return list(Notification.objects.filter(recipient=person, kind=NotificationKind.SLA_WARNING))


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        tasks.sla_warnings()


def test_the_assignee_is_warned_once_per_deadline(social_user):
    mention = MentionFactory(
        assignee=social_user,
        first_response_due_at=NOW + timedelta(minutes=10),
        resolve_due_at=NOW + timedelta(hours=8),
    )
    run_at(NOW)
    [warning] = warnings_for(social_user)
    assert warning.title == f"First response due in 10 min: mention by @{mention.author_handle}"
    assert warning.path == f"/inbox/{mention.pk}/"
    run_at(NOW + timedelta(minutes=1))  # the next tick: still within 15 minutes
    assert len(warnings_for(social_user)) == 1


def test_nothing_outside_the_window_answered_or_closed(social_user):
    MentionFactory(assignee=social_user, first_response_due_at=NOW + timedelta(minutes=16))
    MentionFactory(assignee=social_user, first_response_due_at=NOW - timedelta(minutes=1))
    MentionFactory(
        assignee=social_user,
        first_response_due_at=NOW + timedelta(minutes=5),
        first_response_at=NOW - timedelta(minutes=1),
    )
    MentionFactory(
        assignee=social_user,
        status=MentionStatus.RESOLVED,
        resolve_due_at=NOW + timedelta(minutes=5),
    )
    run_at(NOW)
    assert warnings_for(social_user) == []


def test_the_window_is_a_setting(settings, social_user):
    settings.NOTIFICATIONS_SLA_WARNING_MINUTES = 30
    MentionFactory(assignee=social_user, first_response_due_at=NOW + timedelta(minutes=25))
    run_at(NOW)
    assert len(warnings_for(social_user)) == 1


def test_a_new_deadline_is_warned_again(social_user):
    mention = MentionFactory(assignee=social_user, resolve_due_at=NOW + timedelta(minutes=10))
    run_at(NOW)
    mention.resolve_due_at = NOW + timedelta(minutes=40)  # priority lowered: a later deadline
    mention.save()
    run_at(NOW + timedelta(minutes=30))
    titles = [w.title for w in warnings_for(social_user)]
    assert len(titles) == 2
    assert all(t.startswith("Resolution due in 10 min") for t in titles)


def test_without_an_assignee_the_team_leads_are_warned(social_user):
    team = TeamFactory()
    lead = UserFactory(roles=["social"])
    TeamMembershipFactory(team=team, user=lead, is_lead=True)
    TeamMembershipFactory(team=team, user=social_user)
    MentionFactory(team=team, first_response_due_at=NOW + timedelta(minutes=5))
    run_at(NOW)
    assert len(warnings_for(lead)) == 1
    assert warnings_for(social_user) == []


def test_a_team_without_leads_warns_its_members(social_user):
    team = TeamFactory()
    TeamMembershipFactory(team=team, user=social_user)
    MentionFactory(team=team, first_response_due_at=NOW + timedelta(minutes=5))
    run_at(NOW)
    assert len(warnings_for(social_user)) == 1


def test_a_restricted_queue_warns_only_who_may_read_it(social_user, legal_user):
    team = restricted_team(members=[legal_user])
    # A lead who lost access to mentions (no role) is a member but cannot read them.
    roleless = UserFactory(roles=[])
    TeamMembershipFactory(team=team, user=roleless, is_lead=True)
    TeamMembershipFactory(team=team, user=social_user, is_lead=True)
    team.memberships.filter(user=legal_user).update(is_lead=True)
    MentionFactory(team=team, first_response_due_at=NOW + timedelta(minutes=5))
    run_at(NOW)
    assert len(warnings_for(legal_user)) == 1
    assert len(warnings_for(social_user)) == 1  # a member of the queue
    assert warnings_for(roleless) == []


def test_the_beat_schedule_runs_it_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-sla-warnings"]
    assert entry["task"] == "notifications.tasks.sla_warnings"
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] <= 60.0
