"""Links riskdesk prints, stores and mails use the address actually served, not port 8000.

`make run` and `make seed` set RISKDESK_BASE_URL to http://HOST:PORT and the demo servers'
URLs to their ports; everything else reads those settings.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command

from accounts import services as account_services
from alerting.models import Notification, NotificationChannel
from alerting.services.sending import message_lines
from monitoring.demo import DEMO_STREAM_NAME
from monitoring.models import Stream
from riskdesk.mail import absolute_url

BASE_DIR = Path(django_settings.BASE_DIR)
MAKEFILE = BASE_DIR / "Makefile"
SKIPPED = {".venv", ".tools", ".compiled", "var", "locale", "tests", "node_modules", ".git"}


def _recipe(target: str) -> str:
    return re.search(rf"^{target}:.*?(?=^\S)", MAKEFILE.read_text(), re.S | re.M).group(0)


def test_make_seed_and_make_run_pass_the_address_they_serve():
    links = re.search(r"^LINKS :=(.*?)(?=^\S)", MAKEFILE.read_text(), re.S | re.M).group(1)
    assert "RISKDESK_BASE_URL=$${RISKDESK_BASE_URL:-http://$(HOST):$(PORT)}" in links
    assert "$(DEMO_NETWORK_PORT)" in links
    assert "$(DEMO_SINK_PORT)" in links
    assert "$(LINKS)" in _recipe("seed")
    assert "$(LINKS)" in _recipe("run")


def test_no_module_hard_codes_the_default_address():
    """Only settings.py names port 8000 (its default): the rest reads RISKDESK_BASE_URL."""
    offenders = []
    for path in BASE_DIR.rglob("*"):
        relative = path.relative_to(BASE_DIR)
        if relative.parts[0] in SKIPPED or path.suffix not in {".py", ".html", ".txt", ".md"}:
            continue
        if relative == Path("riskdesk/settings.py") or relative.name == "README.md":
            continue
        if re.search(r"(127\.0\.0\.1|localhost):8000\b", path.read_text(errors="ignore")):
            offenders.append(str(relative))
    assert offenders == []


@pytest.mark.django_db
def test_seed_demo_prints_and_stores_the_addresses_in_use(settings, capsys):
    settings.RISKDESK_BASE_URL = "http://127.0.0.1:9123"
    settings.MONITORING_DEMO_NETWORK_URL = "http://127.0.0.1:9765"
    settings.MONITORING_DEMO_SINK_URL = "http://127.0.0.1:9766"

    call_command("seed_demo")

    out = capsys.readouterr().out
    assert "Sign in at http://127.0.0.1:9123/login/" in out
    assert ":8000" not in out
    assert Stream.objects.get(name=DEMO_STREAM_NAME).base_url == "http://127.0.0.1:9765"
    targets = list(NotificationChannel.objects.values_list("target", flat=True))
    assert targets
    assert all(t.startswith("http://127.0.0.1:9766/") for t in targets)


def test_notifications_link_to_the_address_in_use(settings):
    settings.RISKDESK_BASE_URL = "http://127.0.0.1:9123"

    assert absolute_url("/inbox/") == "http://127.0.0.1:9123/inbox/"
    lines = message_lines(Notification(subject="Spike", payload={}))
    assert lines[-1] == "http://127.0.0.1:9123/"


@pytest.mark.django_db(transaction=True)
def test_the_invitation_mail_links_to_the_address_in_use(settings, admin_user):
    settings.RISKDESK_BASE_URL = "http://127.0.0.1:9123"

    account_services.user_create(actor=admin_user, email="new@example.com", display_name="New")

    (message,) = mail.outbox
    assert "http://127.0.0.1:9123/" in message.body
    assert ":8000" not in message.body
