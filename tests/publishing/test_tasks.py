"""The beat's sweep: posts whose minute has come are sent; a freeze holds the rest."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils.module_loading import import_string

from incidents.freeze import freeze_start
from publishing import tasks
from publishing.models import PostStatus
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_every_beat_entry_names_a_task():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = import_string(entry["task"])
        assert task.name == entry["task"], name


def test_the_sweep_sends_what_is_due_and_holds_what_a_freeze_stops(
    write, monkeypatch, manager_user
):
    sent = []
    monkeypatch.setattr(tasks.send_delivery, "delay", sent.append)
    due = write(schedule=True)
    later = write(schedule=True, scheduled_at=due.scheduled_at + timedelta(days=1))
    with time_machine.travel(due.scheduled_at + timedelta(seconds=10)):
        tasks.send_due_posts()
    assert sent == [due.deliveries.get().pk]
    freeze_start(actor=manager_user, incident=IncidentFactory(severity=1), reason="Recall")
    tasks.send_due_posts()
    later.refresh_from_db()
    assert later.status == PostStatus.HELD
