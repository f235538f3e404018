"""Notifications for people in a real Chromium: a mention is assigned to the social person
while their page is open; the bell shows 1 without a reload, within a poll; they open the
centre and follow the notification to the mention, which marks it read."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.demo import demo_email
from accounts.models import User
from inbox import services as inbox_services
from notifications.models import Notification
from tests.e2e.session import sign_in
from tests.monitoring.factories import MentionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page):
    """Every console error and uncaught exception of the page (CSP violations included)."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_the_bell_counts_a_new_assignment_live_and_leads_to_the_mention(
    page, live_server, demo, settings, console_errors, shots
):
    settings.NOTIFICATIONS_POLL_SECONDS = 1
    social = User.objects.get(email=demo_email("social"))
    manager = User.objects.get(email=demo_email("admin"))
    Notification.objects.filter(recipient=social).update(read_at=timezone.now())
    mention = MentionFactory(author_handle="kettle_fan", text="My Lumora kettle <b>hums</b>")

    sign_in(page, live_server, "social", demo)
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "No unread notifications")

    inbox_services.mentions_assign(actor=manager, mentions=[mention], assignee=social)

    # No reload: the bell's poll brings the count.
    expect(bell).to_have_attribute("aria-label", "1 unread notification", timeout=5000)
    expect(bell.locator(".bell__count")).to_have_text("1")
    shots(page, "bell")

    bell.click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    link = page.get_by_role("link", name=re.compile("assigned you a mention by @kettle_fan"))
    expect(link).to_be_visible()
    shots(page, "centre")

    link.click()
    page.wait_for_url(f"{live_server.url}/inbox/{mention.pk}/")
    expect(page.get_by_text("My Lumora kettle <b>hums</b>")).to_be_visible()
    expect(page.locator("#notification-bell")).to_have_attribute(
        "aria-label", "No unread notifications", timeout=5000
    )
    assert Notification.objects.get(
        recipient=social, read_at__isnull=False, path__endswith=f"/{mention.pk}/"
    )

    page.goto("about:blank")  # stop polling before the tables are flushed
    page.wait_for_timeout(300)
    assert page.csp_violations == []
    assert console_errors == []
