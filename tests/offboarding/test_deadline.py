"""The deadline: a reminder as it nears, one escalation to the HR leads and security near it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accounts.models import TeamKind
from alerting.models import Notification, NotificationChannel
from offboarding import services
from offboarding.tasks import offboarding_sweep
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory
from tests.offboarding.factories import AccessGrantFactory

pytestmark = pytest.mark.django_db

DEPARTURE = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # deadline: the next day at 17:00


@pytest.fixture
def people(hr_user):
    hr_lead = UserFactory(email="hr-lead@example.com", roles=["hr"])
    TeamMembershipFactory(team=TeamFactory(kind=TeamKind.HR), user=hr_lead, is_lead=True)
    security = UserFactory(email="security@example.com", roles=["admin"])
    security_team = TeamFactory(kind=TeamKind.SECURITY, name="Security")
    TeamMembershipFactory(team=security_team, user=security)
    NotificationChannel.objects.create(
        team=security_team, name="Security inbox", kind="email", target="sec@example.com"
    )
    return {"hr": hr_user, "hr_lead": hr_lead, "security": security}


@pytest.fixture
def case(people, monkeypatch):
    from offboarding import tasks

    monkeypatch.setattr(tasks.revoke_access, "delay", lambda task_id: None)
    leaver = UserFactory(display_name="Jules Moreau")
    AccessGrantFactory(person=leaver, via="tool_seat", tool="Hootsuite")
    with time_machine.travel(DEPARTURE, tick=False):
        case, _ = services.offboarding_case_open(
            actor=people["hr"], person=leaver, departure_at=DEPARTURE
        )
    return case


def check(at):
    mail.outbox.clear()
    with time_machine.travel(at, tick=False):
        return services.offboarding_deadlines_check()


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_nothing_while_there_is_time(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = check(case.deadline - timedelta(hours=9))
    assert sent == {"reminded": [], "escalated": []}
    assert mail.outbox == []


def test_reminder_then_escalation_each_once(case, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = check(case.deadline - timedelta(hours=7))
    assert sent["reminded"] == [case.pk]
    assert not sent["escalated"]
    assert recipients() == [people["hr"].email]  # the assignee, who opened it
    assert "7 h 00 min left" in mail.outbox[0].subject
    assert "Remove admin access" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        assert check(case.deadline - timedelta(hours=6)) == {"reminded": [], "escalated": []}
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        sent = check(case.deadline - timedelta(hours=1, minutes=30))
    assert sent["escalated"] == [case.pk]
    assert recipients() == sorted(
        [people["hr"].email, people["hr_lead"].email, people["security"].email]
    )
    assert mail.outbox[0].subject.startswith(
        "Escalation: offboarding of Jules Moreau, 1 h 30 min left"
    )
    assert Notification.objects.filter(channel__name="Security inbox").count() == 1
    assert AuditEvent.objects.filter(verb="offboarding.escalate", target_id=str(case.pk)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert check(case.deadline + timedelta(hours=3))["escalated"] == []
    assert mail.outbox == []


def test_a_case_found_late_is_escalated_at_once(case, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = check(case.deadline + timedelta(minutes=10))
    assert sent == {"reminded": [], "escalated": [case.pk]}
    assert "overdue by 0 h 10 min" in mail.outbox[0].subject


def test_completed_cases_are_left_alone(case, people, django_capture_on_commit_callbacks):
    for task in case.tasks.all():
        services.offboarding_task_complete(actor=people["hr"], task=task, evidence="Done.")
    with django_capture_on_commit_callbacks(execute=True):
        assert check(case.deadline + timedelta(hours=1)) == {"reminded": [], "escalated": []}


def test_the_beat_task_runs_the_check(case, monkeypatch):
    from offboarding import tasks

    queued = []
    monkeypatch.setattr(tasks.revoke_access, "delay", queued.append)
    with time_machine.travel(case.deadline - timedelta(hours=1), tick=False):
        offboarding_sweep()
    case.refresh_from_db()
    assert case.escalated_at is not None
