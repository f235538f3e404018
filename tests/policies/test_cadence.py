"""The daily cadence, with time frozen: review flags, owners told, reminders at most weekly."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail

from policies import services
from policies.models import Policy, Reminder, ReviewStatus
from policies.services import cadence
from policies.tasks import daily_cadence
from riskdesk.models import AuditEvent
from tests.policies.factories import (
    PolicyFactory,
    TrainingModuleFactory,
    TrainingRecordFactory,
    publish,
)

pytestmark = pytest.mark.django_db

PUBLISHED = date(2025, 1, 10)


@pytest.fixture
def published(policy, owner, reviewer, user_for):
    """The policy published on PUBLISHED, every person in it having acknowledged."""
    with time_machine.travel(PUBLISHED, tick=False):
        revision = publish(policy, "# Rules\n", author=owner, reviewer=reviewer)
        for person in (owner, reviewer):
            services.acknowledgement_record(actor=person, revision=revision)
    policy.refresh_from_db()
    assert policy.next_review_on == date(2025, 7, 10)  # six months later
    return policy


def _run(day, capture):
    with time_machine.travel(day, tick=False), capture(execute=True):
        daily_cadence()


def test_review_goes_due_then_overdue_and_the_owner_is_told(
    published, owner, django_capture_on_commit_callbacks
):
    _run(date(2025, 6, 1), django_capture_on_commit_callbacks)
    assert Policy.objects.get(pk=published.pk).review_status == ReviewStatus.CURRENT
    assert mail.outbox == []

    _run(date(2025, 6, 15), django_capture_on_commit_callbacks)  # 25 days before
    assert Policy.objects.get(pk=published.pk).review_status == ReviewStatus.DUE
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "due for review" in mail.outbox[0].body

    _run(date(2025, 6, 16), django_capture_on_commit_callbacks)  # the next day: no repeat
    assert len(mail.outbox) == 1

    _run(date(2025, 7, 11), django_capture_on_commit_callbacks)  # one day late
    assert Policy.objects.get(pk=published.pk).review_status == ReviewStatus.OVERDUE
    assert len(mail.outbox) == 2
    assert "overdue" in mail.outbox[1].body

    _run(date(2025, 7, 12), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    _run(date(2025, 7, 18), django_capture_on_commit_callbacks)  # a week later: reminded again
    assert len(mail.outbox) == 3

    verbs = list(
        AuditEvent.objects.filter(verb__startswith="policy.review_")
        .order_by("pk")
        .values_list("verb", "actor")
    )
    assert verbs == [("policy.review_due", None), ("policy.review_overdue", None)]


def test_running_twice_the_same_day_sends_nothing_more(
    published, django_capture_on_commit_callbacks
):
    _run(date(2025, 7, 11), django_capture_on_commit_callbacks)
    _run(date(2025, 7, 11), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(verb__startswith="policy.review_").count() == 1


def test_publishing_resets_the_clock(
    published, owner, reviewer, django_capture_on_commit_callbacks
):
    _run(date(2025, 7, 11), django_capture_on_commit_callbacks)
    with time_machine.travel(date(2025, 7, 12), tick=False):
        publish(
            published, "# Rules\n\nReviewed.\n", author=owner, reviewer=reviewer, material=False
        )
    policy = Policy.objects.get(pk=published.pk)
    assert policy.review_status == ReviewStatus.CURRENT
    assert policy.next_review_on == date(2026, 1, 12)
    _run(date(2025, 7, 13), django_capture_on_commit_callbacks)
    assert Policy.objects.get(pk=published.pk).review_status == ReviewStatus.CURRENT


def test_pending_acknowledgements_are_reminded_a_week_after_publishing(
    policy, owner, reviewer, user_for, django_capture_on_commit_callbacks
):
    social = user_for("social")
    with (
        time_machine.travel(PUBLISHED, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        revision = publish(policy, "# Rules\n", author=owner, reviewer=reviewer)
        services.acknowledgement_record(actor=owner, revision=revision)
    announced = {tuple(m.to) for m in mail.outbox}
    assert (social.email,) in announced
    mail.outbox.clear()

    _run(PUBLISHED + timedelta(days=3), django_capture_on_commit_callbacks)
    assert mail.outbox == []  # the announcement was the first reminder

    _run(PUBLISHED + timedelta(days=7), django_capture_on_commit_callbacks)
    reminded = sorted(m.to[0] for m in mail.outbox)
    assert social.email in reminded
    assert owner.email not in reminded  # acknowledged
    assert "Read and acknowledge" in next(m for m in mail.outbox if m.to == [social.email]).body


def test_training_expiry_and_assignment_reminders(user_for, django_capture_on_commit_callbacks):
    social, hr, legal = user_for("social"), user_for("hr"), user_for("legal")
    module = TrainingModuleFactory(title="Social media essentials", validity_months=12)
    today = date(2025, 3, 1)
    TrainingRecordFactory(user=social, module=module, completed_on=date(2024, 3, 20))  # expiring
    TrainingRecordFactory(user=legal, module=module, completed_on=date(2023, 1, 5))  # expired
    with time_machine.travel(today, tick=False):
        from policies.services.training import training_assign

        admin = user_for("admin")
        training_assign(actor=admin, module=module, people=[hr], due_on=date(2025, 3, 5))
    mail.outbox.clear()

    _run(today, django_capture_on_commit_callbacks)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "expires on" in bodies[social.email]
    assert "expired on" in bodies[legal.email]
    assert "is due by" in bodies[hr.email]
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert kinds == {"training_expiry", "training_due"}

    mail.outbox.clear()
    _run(today + timedelta(days=1), django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_review_status_thresholds():
    policy = Policy(next_review_on=date(2025, 5, 1))
    assert cadence.review_status_on(policy, date(2025, 3, 31)) == ReviewStatus.CURRENT
    assert cadence.review_status_on(policy, date(2025, 4, 1)) == ReviewStatus.DUE
    assert cadence.review_status_on(policy, date(2025, 5, 1)) == ReviewStatus.DUE
    assert cadence.review_status_on(policy, date(2025, 5, 2)) == ReviewStatus.OVERDUE
    assert cadence.review_status_on(Policy(), date(2025, 5, 2)) == ReviewStatus.CURRENT


def test_month_arithmetic_keeps_the_end_of_month():
    policy = PolicyFactory.build(review_interval_months=1)
    assert policy.review_date_after(date(2025, 1, 31)) == date(2025, 2, 28)
    policy.review_interval_months = 12
    assert policy.review_date_after(date(2024, 2, 29)) == date(2025, 2, 28)
