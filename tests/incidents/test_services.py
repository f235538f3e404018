"""Declaring, linking, running and closing incidents through the services."""

from datetime import timedelta

import pytest
import time_machine
from celery import current_app
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import TeamMembership
from alerting.models import Notification, NotificationChannel, Rule, SpikeAlert
from incidents.models import (
    Incident,
    IncidentMention,
    IncidentTask,
    PlaybookStep,
    Severity,
    Source,
    Status,
    TimelineEntry,
)
from incidents.selectors import incidents_for_mention, open_incidents, open_tasks_for
from incidents.services import (
    incident_assign_role,
    incident_change_severity,
    incident_change_status,
    incident_declare,
    incident_link_mentions,
    incident_open_or_link_for_rule,
    work,
)
from riskdesk import ownership
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory, UserFactory
from tests.incidents.factories import NOW, make_spike
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db


def _kinds(incident):
    return list(incident.timeline.order_by("at", "id").values_list("kind", flat=True))


# --- Declaring --------------------------------------------------------------------------------


def test_declaring_creates_the_playbook_tasks_with_due_times_and_an_audited_timeline(
    social_user, storm_playbook, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        incident = incident_declare(
            actor=social_user, title=" Storm ", severity="SEV2", playbook=storm_playbook
        )

    assert incident.title == "Storm"
    assert incident.severity == Severity.SEV2
    assert incident.status == Status.DECLARED
    assert incident.lead == social_user  # by default, who declares leads
    assert incident.scenario == "review_storm"
    assert incident.source == Source.MANUAL
    steps = list(storm_playbook.steps.order_by("position"))
    tasks = list(incident.tasks.order_by("position"))
    assert [t.title for t in tasks] == [s.title for s in steps]
    assert [t.due_at for t in tasks] == [NOW + timedelta(minutes=s.due_minutes) for s in steps]
    assert all(t.policy_reference for t in tasks)
    # The lead's tasks are theirs from the start; other roles wait for a person.
    assert {t.assignee for t in tasks if t.role == "lead"} == {social_user}
    assert {t.assignee for t in tasks if t.role != "lead"} == {None}
    assert _kinds(incident) == ["declared", "role"]
    event = AuditEvent.objects.get(verb="incident.declare")
    assert event.actor == social_user
    assert event.after["severity"] == 2


def test_declaring_notifies_the_roles_by_mail_and_the_teams_involved(
    social_user, manager_user, django_capture_on_commit_callbacks
):
    customer_service = TeamFactory(name="Customer service")
    management = TeamFactory(name="Management")
    TeamMembership.objects.create(team=management, user=manager_user)
    for team in (customer_service, management):
        NotificationChannel.objects.create(
            team=team, name="mail", kind="email", target="team@example.com"
        )
    mention = MentionFactory(team=customer_service)

    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_declare(
            actor=social_user,
            title="Complaints",
            severity=3,
            lead=manager_user,
            mentions=[mention.pk],
        )

    assert incident.source == Source.INBOX
    assert [m.to for m in mail.outbox if "declared" in m.subject] == [[manager_user.email]]
    notified = Notification.objects.filter(payload__event="incident.declared")
    assert {n.channel.team for n in notified} == {customer_service, management}
    assert notified.first().payload["incident"]["reference"] == incident.reference


def test_declaring_checks_the_permission_and_the_input(no_role_user, social_user, hr_user):
    with pytest.raises(PermissionDenied):
        incident_declare(actor=no_role_user, title="x", severity=1)
    with pytest.raises(ValidationError) as bad:
        incident_declare(actor=social_user, title="  ", severity=9)
    assert set(bad.value.message_dict) == {"title", "severity"}
    with pytest.raises(ValidationError) as unknown:
        incident_declare(actor=social_user, title="x", severity=1, mentions=[999_999])
    assert "mentions" in unknown.value.message_dict
    with pytest.raises(ValidationError) as lead:
        incident_declare(actor=social_user, title="x", severity=1, lead=UserFactory())
    assert "lead" in lead.value.message_dict  # someone without a role cannot lead
    # HR may declare but cannot see mentions, so cannot link them.
    with pytest.raises(PermissionDenied):
        incident_declare(actor=hr_user, title="x", severity=1, mentions=[MentionFactory().pk])
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(verb="incident.declare").exists()


def test_declaring_twice_from_the_same_spike_links_to_the_first_incident(
    social_user, storm_playbook
):
    spike = make_spike(mentions=3)

    first = incident_declare(
        actor=social_user, title="Storm", severity=2, playbook=storm_playbook, spike=spike.pk
    )
    later = MentionFactory()
    second = incident_declare(
        actor=social_user, title="Storm again", severity=1, spike=spike, mentions=[later.pk]
    )

    assert first.created is True
    assert second.created is False
    assert second.pk == first.pk
    assert Incident.objects.count() == 1
    assert first.source == Source.SPIKE
    assert IncidentMention.objects.filter(incident=first).count() == 4
    spike.refresh_from_db()
    assert spike.status == SpikeAlert.Status.ESCALATED
    assert AuditEvent.objects.filter(verb="spike.escalate").count() == 1


def test_declaring_from_an_impersonation_flag_uses_its_mention(social_user, impersonation_playbook):
    impostor = MentionFactory(author_handle="lumora_officiaI")
    incident = incident_declare(
        actor=social_user,
        title="Fake account",
        severity=2,
        playbook=impersonation_playbook,
        impersonation_mention=impostor.pk,
    )
    again = incident_declare(
        actor=social_user, title="Fake account", severity=2, impersonation_mention=impostor
    )

    assert incident.source == Source.IMPERSONATION
    assert incident.scenario == "impersonation"
    assert again.pk == incident.pk
    assert incidents_for_mention([impostor.pk]) == {impostor.pk: [incident]}


# --- Linked mentions --------------------------------------------------------------------------


def test_linking_is_idempotent_and_keeps_the_first_mention_time(social_user):
    early = MentionFactory(published_at=NOW - timedelta(hours=5))
    late = MentionFactory(published_at=NOW)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        incident = incident_declare(actor=social_user, title="x", severity=3)

    assert incident_link_mentions(actor=social_user, incident=incident, mentions=[late.pk]) == 1
    assert (
        incident_link_mentions(
            actor=social_user, incident=incident, mentions=[late.pk, str(early.pk)]
        )
        == 1
    )
    assert incident_link_mentions(actor=social_user, incident=incident, mentions=[early]) == 0

    incident.refresh_from_db()
    assert incident.mention_count == 2
    assert incident.first_mention_at == early.published_at
    assert incident.time_to_detect == timedelta(hours=6)
    assert _kinds(incident).count("mentions") == 2  # the no-op link wrote nothing
    assert AuditEvent.objects.filter(verb="incident.link_mentions").count() == 2


def test_linking_refuses_bad_input_and_people_who_cannot_see_mentions(social_user, hr_user):
    incident = incident_declare(actor=social_user, title="x", severity=3)
    with pytest.raises(ValidationError):
        incident_link_mentions(actor=social_user, incident=incident, mentions=[])
    with pytest.raises(ValidationError):
        incident_link_mentions(actor=social_user, incident=incident, mentions=["abc"])
    with pytest.raises(PermissionDenied):
        incident_link_mentions(actor=hr_user, incident=incident, mentions=[MentionFactory().pk])
    assert not IncidentMention.objects.exists()


def test_a_rule_declares_once_then_links_to_its_open_incident(
    admin_user, django_assert_max_num_queries
):
    team = TeamFactory(slug="security")
    TeamMembership.objects.create(team=team, user=admin_user, is_lead=True)
    rule = Rule.objects.create(name="Impersonation of our accounts", actions={"team": team.pk})
    batch = MentionFactory.create_batch(30)

    incident = incident_open_or_link_for_rule(rule=rule, mention_ids=[m.pk for m in batch[:20]])
    with django_assert_max_num_queries(12):  # cheap inside a pipeline batch
        again = incident_open_or_link_for_rule(rule=rule, mention_ids=[m.pk for m in batch[10:]])

    assert again.pk == incident.pk
    assert incident.title == rule.name
    assert incident.severity == Severity.SEV3
    assert incident.source == Source.RULE
    assert incident.lead == admin_user  # the rule's team lead
    assert IncidentMention.objects.filter(incident=incident).count() == 30
    assert IncidentMention.objects.filter(rule=rule).count() == 30
    declared = AuditEvent.objects.get(verb="incident.declare")
    assert declared.actor is None  # the system
    entry = incident.timeline.get(kind="declared")
    assert entry.data["rule"] == rule.name
    assert incident_open_or_link_for_rule(rule=rule, mention_ids=[]) is None


def test_a_rule_links_to_the_incident_given_while_open_or_opens_a_new_one(social_user):
    rule = Rule.objects.create(name="Legal threats")
    chosen = incident_declare(actor=social_user, title="Chosen", severity=2)
    m1, m2 = MentionFactory.create_batch(2)

    assert (
        incident_open_or_link_for_rule(rule=rule, mention_ids=[m1.pk], incident=chosen).pk
        == chosen.pk
    )
    Incident.objects.filter(pk=chosen.pk).update(status=Status.RESOLVED)
    fresh = incident_open_or_link_for_rule(
        rule=rule, mention_ids=[m2.pk], incident=chosen, severity=1
    )
    assert fresh.pk != chosen.pk
    assert fresh.severity == 1
    assert list(open_incidents(social_user)) == [fresh]


# --- Running it -------------------------------------------------------------------------------


def test_status_moves_are_checked_and_timestamped(social_user, manager_user):
    with time_machine.travel(NOW, tick=False):
        incident = incident_declare(actor=social_user, title="x", severity=2)
    with pytest.raises(ValidationError, match="cannot go from declared to reviewed"):
        incident_change_status(actor=social_user, incident=incident, status="reviewed")
    with pytest.raises(ValidationError, match="already"):
        incident_change_status(actor=social_user, incident=incident, status="declared")
    with pytest.raises(PermissionDenied):  # not the lead, no manage permission
        incident_change_status(
            actor=UserFactory(roles=["legal"]), incident=incident, status="contained"
        )

    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        incident_change_status(actor=social_user, incident=incident, status="investigating")
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        incident_change_status(actor=manager_user, incident=incident, status="contained")
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        incident = incident_change_status(actor=social_user, incident=incident, status="resolved")

    assert incident.time_to_acknowledge == timedelta(minutes=7)
    assert incident.time_to_contain == timedelta(hours=2)
    assert incident.time_to_resolve == timedelta(hours=3)
    assert AuditEvent.objects.filter(verb="incident.status").count() == 3
    with pytest.raises(ValidationError, match="review"):
        incident_change_status(actor=social_user, incident=incident, status="reviewed")


def test_resolving_with_open_tasks_asks_for_a_reason_and_skips_them(social_user, storm_playbook):
    incident = incident_declare(actor=social_user, title="x", severity=1, playbook=storm_playbook)
    with pytest.raises(ValidationError) as refused:
        incident_change_status(actor=social_user, incident=incident, status="resolved")
    assert "reason" in refused.value.message_dict
    assert incident.tasks.filter(state="open").count() == storm_playbook.steps.count()

    incident = incident_change_status(
        actor=social_user, incident=incident, status="resolved", reason="False alarm: a parody."
    )
    assert incident.closing_note == "False alarm: a parody."
    assert not incident.tasks.filter(state="open").exists()
    entry = incident.timeline.filter(kind="status").last()
    assert entry.data["skipped"] == storm_playbook.steps.count()


def test_severity_changes_are_refused_when_pointless_or_closed(social_user):
    incident = incident_declare(actor=social_user, title="x", severity=3)
    with pytest.raises(ValidationError, match="already SEV3"):
        incident_change_severity(actor=social_user, incident=incident, severity=3)
    with pytest.raises(ValidationError):
        incident_change_severity(actor=social_user, incident=incident, severity="SEV7")
    incident = incident_change_severity(
        actor=social_user, incident=incident, severity="sev1", reason="press"
    )
    assert incident.severity == 1
    assert incident.timeline.get(kind="severity").data == {"from": 3, "to": 1, "reason": "press"}
    incident_change_status(actor=social_user, incident=incident, status="resolved")
    with pytest.raises(ValidationError, match="reopen"):
        incident_change_severity(actor=social_user, incident=incident, severity=2)


def test_assigning_a_role_hands_over_its_open_tasks_and_mails_the_person(
    social_user, legal_user, storm_playbook, django_capture_on_commit_callbacks
):
    incident = incident_declare(actor=social_user, title="x", severity=2, playbook=storm_playbook)
    # The e-mail is the person's notification, sent by a task after the commit (run here).
    current_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            incident_assign_role(
                actor=social_user, incident=incident, role="legal", person=legal_user
            )
    finally:
        current_app.conf.task_always_eager = False

    legal_tasks = incident.tasks.filter(role="legal")
    assert legal_tasks.exists()
    assert {t.assignee for t in legal_tasks} == {legal_user}
    assert [m.to for m in mail.outbox] == [[legal_user.email]]
    assert list(open_tasks_for(legal_user)) == list(legal_tasks.order_by("due_at", "id"))
    with pytest.raises(ValidationError, match="already"):
        incident_assign_role(actor=social_user, incident=incident, role="legal", person=legal_user)
    with pytest.raises(ValidationError, match="always has a lead"):
        incident_assign_role(actor=social_user, incident=incident, role="lead", person=None)
    with pytest.raises(ValidationError):
        incident_assign_role(
            actor=social_user, incident=incident, role="legal", person=UserFactory()
        )
    with pytest.raises(PermissionDenied):
        incident_assign_role(actor=legal_user, incident=incident, role="legal", person=None)


def test_a_deleted_playbook_step_never_breaks_an_open_incident(social_user, storm_playbook):
    incident = incident_declare(actor=social_user, title="x", severity=2, playbook=storm_playbook)
    PlaybookStep.objects.filter(playbook=storm_playbook).delete()
    storm_playbook.delete()

    incident.refresh_from_db()
    task = incident.tasks.first()
    assert task.step is None
    assert task.title
    assert incident.scenario == "review_storm"
    assert work.task_complete(actor=social_user, task=task).state == "done"


# --- Tasks, notes, pins -----------------------------------------------------------------------


def test_tasks_are_done_by_their_role_and_ticking_twice_changes_nothing(
    social_user, legal_user, manager_user, storm_playbook
):
    incident = incident_declare(actor=social_user, title="x", severity=2, playbook=storm_playbook)
    incident_assign_role(actor=social_user, incident=incident, role="legal", person=legal_user)
    legal_task = incident.tasks.filter(role="legal").first()
    comms_task = incident.tasks.filter(role="communications").first()

    with pytest.raises(PermissionDenied):
        work.task_complete(actor=legal_user, task=comms_task)
    work.task_complete(actor=legal_user, task=legal_task)
    work.task_complete(actor=legal_user, task=legal_task)  # a double click
    work.task_complete(actor=manager_user, task=comms_task)  # incident managers may

    assert IncidentTask.objects.get(pk=legal_task.pk).done_by == legal_user
    assert incident.timeline.filter(kind="task").count() == 2
    assert AuditEvent.objects.filter(verb="incident.task").count() == 2
    work.task_complete(actor=legal_user, task=legal_task, done=False)
    assert IncidentTask.objects.get(pk=legal_task.pk).state == "open"


def test_notes_and_pins(social_user, legal_user, hr_user):
    incident = incident_declare(actor=social_user, title="x", severity=3)
    note = work.note_add(actor=hr_user, incident=incident, text="  Called the platform.  ")
    assert note.text == "Called the platform."
    assert note.actor == hr_user
    with pytest.raises(ValidationError):
        work.note_add(actor=hr_user, incident=incident, text="   ")
    with pytest.raises(PermissionDenied):  # pins are for the people running it
        work.entry_pin(actor=hr_user, entry=note)
    assert work.entry_pin(actor=social_user, entry=note).pinned is True
    assert TimelineEntry.objects.get(pk=note.pk).pinned


def test_overdue_tasks_are_reminded_once(
    social_user, storm_playbook, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        incident_declare(actor=social_user, title="x", severity=2, playbook=storm_playbook)
    with (
        time_machine.travel(NOW + timedelta(minutes=40), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminded = work.tasks_remind_overdue()
        again = work.tasks_remind_overdue()
    lead_due = [s for s in storm_playbook.steps.all() if s.role == "lead" and s.due_minutes < 40]
    assert reminded == len(lead_due)
    assert again == 0
    assert [m.to for m in mail.outbox] == [[social_user.email]]


# --- Review -----------------------------------------------------------------------------------


def test_the_review_is_required_to_close_and_its_action_items_become_tasks(social_user, legal_user):
    incident = incident_declare(actor=social_user, title="x", severity=2)
    review = {"summary": "s", "impact": "i", "went_well": "w", "went_badly": "b"}
    with pytest.raises(ValidationError, match="Resolve"):
        work.review_submit(actor=social_user, incident=incident, **review)
    incident_change_status(actor=social_user, incident=incident, status="resolved")
    with pytest.raises(ValidationError) as missing:
        work.review_submit(
            actor=social_user,
            incident=incident,
            **(review | {"impact": " "}),
            action_items=[{"title": "Train", "assignee": None, "due_at": None}],
        )
    assert set(missing.value.message_dict) == {"impact", "action_items"}
    assert not IncidentTask.objects.filter(kind="action_item").exists()

    work.review_submit(
        actor=social_user,
        incident=incident,
        **review,
        action_items=[
            {"title": "Add the lookalikes to the watchlist", "assignee": legal_user, "due_at": NOW}
        ],
    )
    incident.refresh_from_db()
    assert incident.status == Status.REVIEWED
    assert incident.reviewed_at
    item = IncidentTask.objects.get(kind="action_item")
    assert list(open_tasks_for(legal_user)) == [item]  # in the owner's task list
    assert work.task_complete(actor=legal_user, task=item).state == "done"


def test_offboarding_hands_the_lead_over(social_user, manager_user, admin_user):
    incident = incident_declare(actor=social_user, title="x", severity=3)
    kind = ownership.kind("incidents.incident")
    assert list(kind.owned_by(social_user)) == [incident]

    from django.db import transaction

    with transaction.atomic():
        kind.transfer(actor=admin_user, item=incident, new_owner=manager_user)
    incident.refresh_from_db()
    assert incident.lead == manager_user
    assert AuditEvent.objects.filter(verb="incident.role", actor=admin_user).exists()
