"""The weekly report by e-mail: to subscribers, once a week, and who may choose them."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from reports import services, tasks
from reports.models import ReportDelivery, ReportSubscription
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.monitoring.factories import MentionFactory
from tests.reports.factories import ReportSubscriptionFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 9, 7, 30, tzinfo=UTC)


def test_sent_once_a_week(settings, django_capture_on_commit_callbacks):
    settings.TIME_ZONE = "UTC"
    settings.RISKDESK_BASE_URL = "https://riskdesk.example.com"
    subscription = ReportSubscriptionFactory(user__email="boss@example.com")
    MentionFactory(published_at=datetime(2026, 3, 3, 9, tzinfo=UTC))  # last week
    with time_machine.travel(MONDAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.weekly_reports() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.weekly_reports() == 0  # the same week: nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["boss@example.com"]
    assert "2026-03-02" in message.subject
    assert "2026-03-08" in message.subject
    assert "https://riskdesk.example.com/reports/?from=2026-03-02&to=2026-03-08" in message.body
    assert "https://riskdesk.example.com/reports/export/figures.csv?from=2026-03-02" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "Mentions" in html
    assert (
        ReportDelivery.objects.get(subscription=subscription).week_start.isoformat() == "2026-03-02"
    )
    next_monday = datetime(2026, 3, 16, 7, 30, tzinfo=UTC)
    with (
        time_machine.travel(next_monday, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.weekly_reports() == 1
    assert len(mail.outbox) == 2


def test_a_subscriber_who_may_no_longer_read_reports_gets_nothing(
    django_capture_on_commit_callbacks,
):
    subscription = ReportSubscriptionFactory()
    subscription.user.groups.clear()
    with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert services.weekly_reports_send() == 0
    assert mail.outbox == []


def test_managers_choose_who_receives_it(client_for, user_for):
    person = UserFactory(roles=["social"])
    client = client_for("manager")
    assert client.get("/reports/subscriptions/").status_code == 200
    response = client.post("/reports/subscriptions/", {"user": person.pk})
    assert response.status_code == 302
    subscription = ReportSubscription.objects.get(user=person)
    assert subscription.added_by == user_for("manager")
    assert AuditEvent.objects.filter(verb="report_subscription.add").count() == 1
    client.post(f"/reports/subscriptions/{subscription.pk}/delete/")
    assert not ReportSubscription.objects.exists()
    assert AuditEvent.objects.filter(verb="report_subscription.remove").count() == 1


def test_someone_who_may_not_read_reports_cannot_be_added(client_for):
    lawyer = UserFactory(roles=["legal"])
    response = client_for("admin").post("/reports/subscriptions/", {"user": lawyer.pk})
    assert response.status_code == 400
    assert not ReportSubscription.objects.exists()


@pytest.mark.parametrize("role", ["social", "legal", "hr", "no-role"])
def test_others_may_not_choose(client_for, role):
    person = UserFactory(roles=["social"])
    client = client_for(role)
    assert client.get("/reports/subscriptions/").status_code == 403
    assert client.post("/reports/subscriptions/", {"user": person.pk}).status_code == 403
    assert not ReportSubscription.objects.exists()
