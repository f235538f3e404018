"""The whole flow from a spike to a reviewed incident; metrics; playbook pages; demo data."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.demo import demo_email, seed_people_and_teams
from incidents.demo import DEMO_TITLE, seed_incidents
from incidents.freeze import current_freeze, freeze_lift, freeze_start
from incidents.markdown import incident_markdown
from incidents.models import HoldingStatement, Incident, Playbook
from incidents.selectors.metrics import duration_label, metrics_report
from incidents.services import (
    incident_assign_role,
    incident_change_status,
    incident_declare,
)
from incidents.services.statements import statement_approve, statement_create, statement_submit
from incidents.services.work import review_submit, task_complete
from riskdesk.models import AuditEvent
from tests.incidents.factories import NOW, IncidentFactory, make_spike

pytestmark = pytest.mark.django_db


def test_from_a_spike_to_a_reviewed_incident(
    social_user, legal_user, manager_user, storm_playbook, client_for
):
    spike = make_spike(mentions=4)
    from monitoring.models import Mention

    Mention.objects.update(published_at=NOW - timedelta(minutes=50))
    with time_machine.travel(NOW, tick=False):
        incident = incident_declare(
            actor=social_user,
            title="Firmware storm",
            severity=2,
            playbook=storm_playbook,
            spike=spike,
            lead=manager_user,
        )
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        incident_change_status(actor=manager_user, incident=incident, status="investigating")
        for role, person in [("legal", legal_user), ("communications", social_user)]:
            incident_assign_role(actor=manager_user, incident=incident, role=role, person=person)
        freeze_start(actor=manager_user, incident=incident, reason="Storm over the firmware")
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        statement = statement_submit(
            actor=social_user,
            statement=statement_create(
                actor=social_user, incident=incident, title="Reply", text="We are on it."
            ),
        )
        statement_approve(actor=legal_user, statement=statement, digest=statement.digest())
        for task in incident.tasks.all():
            task_complete(actor=manager_user, task=task)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        incident_change_status(actor=manager_user, incident=incident, status="contained")
        freeze_lift(actor=manager_user, incident=incident)
    with time_machine.travel(NOW + timedelta(hours=6), tick=False):
        incident_change_status(actor=manager_user, incident=incident, status="resolved")
        review_submit(
            actor=manager_user,
            incident=incident,
            summary="A firmware update bricked some machines.",
            impact="4 mentions in the spike, 1 hour of frozen publishing.",
            went_well="Acknowledged within the hour.",
            went_badly="Nobody owned customer service for 5 minutes.",
            action_items=[
                {
                    "title": "Name a backup",
                    "assignee": social_user,
                    "due_at": NOW + timedelta(days=7),
                }
            ],
        )

    incident.refresh_from_db()
    assert incident.status == "reviewed"
    assert incident.time_to_detect == timedelta(minutes=50)
    assert incident.time_to_acknowledge == timedelta(minutes=5)
    assert incident.time_to_contain == timedelta(hours=2)
    assert incident.time_to_resolve == timedelta(hours=6)
    assert current_freeze() is None
    assert HoldingStatement.objects.get().is_cleared
    kinds = set(incident.timeline.values_list("kind", flat=True))
    assert kinds == {
        "declared", "role", "mentions", "status", "freeze", "statement", "task", "review"
    }  # fmt: skip
    assert AuditEvent.objects.filter(target_id=str(incident.pk)).count() >= 10

    page = client_for("hr").get(reverse("incident_detail", kwargs={"pk": incident.pk}))
    html = page.content.decode()
    assert "50 min" in html
    assert "6 h 00 min" in html
    markdown = incident_markdown(incident)
    assert "A firmware update bricked some machines" in markdown
    assert "Time to resolve** (declared → resolved): 6 h 00 min" in markdown


def test_the_report_gives_monthly_medians():
    with time_machine.travel(NOW, tick=False):
        for hours in (1, 3, 5):
            IncidentFactory(
                declared_at=NOW - timedelta(days=1),
                resolved_at=NOW - timedelta(days=1) + timedelta(hours=hours),
                severity=2,
            )
        IncidentFactory(declared_at=NOW - timedelta(days=400))  # outside the year
        report = metrics_report()
    march = report["periods"][-1]
    assert march.count == 0  # NOW is March 1st: the incidents were declared in February
    february = report["periods"][-2]
    assert february.count == 3
    assert february.medians["resolve"] == timedelta(hours=3)
    assert dict(february.severity_counts)[2] == 3
    assert report["total"].count == 3
    assert len(report["periods"]) == 12
    assert duration_label(timedelta(days=3, hours=4)) == "3 d 4 h"
    assert duration_label(None) == "—"


def test_admins_edit_playbooks_on_their_pages(client_for, storm_playbook):
    url = reverse("playbook_edit", kwargs={"pk": storm_playbook.pk})
    assert client_for("social").get(url).status_code == 403
    admin = client_for("admin")
    page = admin.get(url).content.decode()
    first = storm_playbook.steps.order_by("position").first()
    assert first.title in page
    form = {
        "name": storm_playbook.name,
        "scenario": "review_storm",
        "default_severity": "2",
        "description": "Edited",
        "is_active": "on",
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "0",
        "steps-0-title": "Confirm the storm",
        "steps-0-role": "social_lead",
        "steps-0-due_minutes": "10",
        "steps-0-policy_reference": "Crisis communication plan §1",
        "steps-1-title": "Dropped",
        "steps-1-role": "lead",
        "steps-1-due_minutes": "10",
        "steps-1-DELETE": "on",
    }
    response = admin.post(url, form)
    assert response.status_code == 302
    storm_playbook.refresh_from_db()
    assert [s.title for s in storm_playbook.steps.all()] == ["Confirm the storm"]
    assert storm_playbook.description == "Edited"
    taken = admin.post(reverse("playbook_create"), form | {"steps-1-DELETE": ""})
    assert "Another playbook has this name." in taken.content.decode()
    admin.post(reverse("playbook_delete", kwargs={"pk": storm_playbook.pk}))
    assert not Playbook.objects.filter(pk=storm_playbook.pk).exists()


def test_the_demo_incident_is_seeded_once(settings):
    seed_people_and_teams()
    first = seed_incidents()
    second = seed_incidents()

    assert first["incidents"] == 1
    assert first["statements"] == 1
    assert second == {"playbooks": 0, "incidents": 0, "statements": 0}
    incident = Incident.objects.get(title=DEMO_TITLE)
    assert incident.lead.email == demo_email("manager")
    assert incident.legal.email == demo_email("legal")
    assert incident.status == "investigating"
    assert incident.scenario == "impersonation"
    assert incident.tasks.exists()
    assert HoldingStatement.objects.get().state == "pending"  # waiting for legal
