"""Preferences honoured (off is nothing, digest is once), audited; e-mails at once and digests."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from inbox import services as inbox_services
from notifications import services, tasks
from notifications.models import EmailMode, Notification, NotificationKind
from riskdesk.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.monitoring.factories import MentionFactory
from tests.notifications.factories import NotificationFactory, NotificationPreferenceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def assign(actor, person, n=1):
    mentions = MentionFactory.create_batch(n)
    inbox_services.mentions_assign(actor=actor, mentions=mentions, assignee=person)
    return mentions


def test_defaults_are_in_app_for_all_email_at_once_for_roles_and_sla(social_user):
    from notifications.selectors import preferences_of

    prefs = {p.kind: (p.in_app, p.email) for p in preferences_of(social_user)}
    assert prefs == {
        "note_mention": (True, "digest"),
        "assigned": (True, "digest"),
        "sla_warning": (True, "now"),
        "incident_role": (True, "now"),
    }


def test_everything_off_means_nothing_at_all(social_user, legal_user, eager):
    NotificationPreferenceFactory(
        user=legal_user, kind=NotificationKind.ASSIGNED, in_app=False, email=EmailMode.OFF
    )
    with eager(execute=True):
        assign(social_user, legal_user)
    assert not Notification.objects.filter(recipient=legal_user).exists()
    assert mail.outbox == []


def test_email_only_is_mailed_but_not_shown(social_user, legal_user, eager, client):
    NotificationPreferenceFactory(
        user=legal_user, kind=NotificationKind.ASSIGNED, in_app=False, email=EmailMode.NOW
    )
    with eager(execute=True):
        assign(social_user, legal_user)
    assert [m.to for m in mail.outbox] == [[legal_user.email]]
    assert services.selectors.unread_count(legal_user) == 0


def test_the_at_once_task_sends_once(social_user, legal_user, eager):
    NotificationPreferenceFactory(
        user=legal_user, kind=NotificationKind.ASSIGNED, in_app=True, email=EmailMode.NOW
    )
    with eager(execute=True):
        assign(social_user, legal_user)
    [notification] = Notification.objects.filter(recipient=legal_user)
    with eager(execute=True):
        tasks.send_email(notification.pk)  # a retried delivery
    tasks.send_email(987654)  # gone: quietly nothing
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[riskdesk] " + notification.title


def test_the_digest_lists_unread_digest_notifications_once(
    legal_user, settings, django_capture_on_commit_callbacks
):
    other = UserFactory(roles=["social"])
    first = NotificationFactory(recipient=legal_user, email=EmailMode.DIGEST, title="<b>first</b>")
    second = NotificationFactory(recipient=legal_user, email=EmailMode.DIGEST, title="second")
    read = NotificationFactory(recipient=legal_user, email=EmailMode.DIGEST, read_at=NOW)
    NotificationFactory(recipient=legal_user, email=EmailMode.OFF, title="not mailed")
    NotificationFactory(recipient=other, email=EmailMode.DIGEST, title="for the other")
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.send_digests()
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {legal_user.email, other.email}
    message = by_person[legal_user.email]
    assert message.subject == "[riskdesk] 2 notifications for you"
    assert "<b>first</b>" in message.body
    assert "second" in message.body
    assert "not mailed" not in message.body
    assert read.title not in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;first&lt;/b&gt;" in html  # the title is text, escaped in HTML
    link = f"{settings.RISKDESK_BASE_URL}/notifications/{first.pk}/open/"
    assert link in html
    assert link in message.body
    claimed = Notification.objects.filter(pk__in=[first.pk, second.pk, read.pk], emailed_at=NOW)
    assert claimed.count() == 3
    # The next day: nothing new, nothing sent again.
    with (
        time_machine.travel(NOW + timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.send_digests()
    assert len(mail.outbox) == 2


def test_a_digest_choice_puts_the_event_in_the_digest_not_at_once(social_user, legal_user, eager):
    with eager(execute=True):
        assign(social_user, legal_user, n=3)  # default for assignments: the digest
    assert mail.outbox == []
    with eager(execute=True):
        services.digests_send()
    [message] = mail.outbox
    assert "3 mentions assigned to you" in message.body


def test_the_digest_runs_once_a_day_at_the_set_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-daily-digest"]
    assert entry["task"] == "notifications.tasks.send_digests"
    assert entry["schedule"].hour == {settings.NOTIFICATIONS_DIGEST_HOUR}
    assert entry["schedule"].minute == {0}


def test_a_preference_change_is_audited_and_a_repeat_is_not(social_user):
    services.preference_set(actor=social_user, kind="assigned", in_app=False, email="now")
    services.preference_set(actor=social_user, kind="assigned", in_app=False, email="now")
    [event] = AuditEvent.objects.filter(verb="notification.preference")
    assert event.actor == social_user
    assert event.before == {"kind": "assigned", "in_app": True, "email": "digest"}
    assert event.after == {"kind": "assigned", "in_app": False, "email": "now"}


@pytest.mark.parametrize(
    ("kind", "in_app", "email"),
    [("nope", True, "now"), ("assigned", True, "weekly"), ("assigned", "yes", "now")],
)
def test_bad_preferences_are_refused(social_user, kind, in_app, email):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.preference_set(actor=social_user, kind=kind, in_app=in_app, email=email)
    assert not AuditEvent.objects.filter(verb="notification.preference").exists()


def test_the_preferences_page_saves_every_kind(client_for, social_user):
    client = client_for("social")
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert "Mention assigned to you" in page.content.decode()
    data = {
        "note_mention-in_app": "on",
        "note_mention-email": "off",
        "assigned-email": "now",
        "sla_warning-in_app": "on",
        "sla_warning-email": "digest",
        "incident_role-in_app": "on",
        "incident_role-email": "now",
    }
    response = client.post("/notifications/preferences/", data)
    assert response.status_code == 302
    from notifications.selectors import preferences_of

    prefs = {p.kind: (p.in_app, p.email) for p in preferences_of(social_user)}
    assert prefs["assigned"] == (False, "now")
    assert prefs["note_mention"] == (True, "off")
    assert AuditEvent.objects.filter(verb="notification.preference").count() == 3
    bad = client.post("/notifications/preferences/", {**data, "assigned-email": "hourly"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()
