"""Running an incident: the checks every service shares, then status, severity and roles.

Each service checks the actor's permission, makes the change, writes the
timeline entry and the audit event, all in one transaction. Declaring and linking
mentions live in incidents.services.declare, tasks, notes and the review in
incidents.services.work, holding statements in incidents.services.statements, the
publishing freeze in incidents.freeze, playbooks in incidents.services.playbooks.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import (
    Incident,
    IncidentRole,
    IncidentTask,
    PostIncidentReview,
    PublishingFreeze,
    Severity,
    Status,
    TimelineEntry,
    severity_short,
)
from incidents.services.timeline import timeline_add
from notifications import services as notification_services
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import can, require

Kind = TimelineEntry.Kind
TaskState = IncidentTask.State

INCIDENT_AUDIT_FIELDS = [
    "title",
    "severity",
    "status",
    "scenario",
    "playbook",
    "source",
    "spike",
    "rule",
    *IncidentRole.values,
]
TITLE_MAX = 200
REASON_MAX = 2_000
MAX_LINK = 5_000  # mentions linked in one go

# Where each status may go. `reviewed` needs the post-incident review (review_submit).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DECLARED: (Status.INVESTIGATING, Status.CONTAINED, Status.RESOLVED),
    Status.INVESTIGATING: (Status.CONTAINED, Status.RESOLVED),
    Status.CONTAINED: (Status.INVESTIGATING, Status.RESOLVED),
    Status.RESOLVED: (Status.INVESTIGATING, Status.REVIEWED),
    Status.REVIEWED: (),
}


# --- Helpers ---------------------------------------------------------------------------


def _pk(value) -> int | None:
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("“%(value)s” is not an id.") % {"value": value}) from None


def mention_ids_clean(mentions: Iterable) -> list[int]:
    """Ids from Mention objects, ints or digit strings, in order, without repeats."""
    seen: dict[int, None] = {}
    for value in mentions or ():
        try:
            seen[_pk(value)] = None
        except ValidationError:
            raise ValidationError(
                {"mentions": _("“%(value)s” is not a mention id.") % {"value": value}}
            ) from None
    ids = [pk for pk in seen if pk is not None]
    if len(ids) > MAX_LINK:
        raise ValidationError(
            {"mentions": _("Link at most %(max)d mentions at once.") % {"max": MAX_LINK}}
        )
    return ids


def severity_clean(value) -> int:
    if isinstance(value, str):
        value = value.strip().upper().removeprefix("SEV")
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = None
    if value not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity from SEV1 to SEV4.")})
    return value


def _check_person(person, field: str) -> None:
    if not person.is_active:
        raise ValidationError({field: _("%(name)s can no longer sign in.") % {"name": person}})
    if not can(person, "incident.view"):
        raise ValidationError(
            {
                field: _("%(name)s cannot see incidents: give them a riskdesk role first.")
                % {"name": person}
            }
        )


def _audit(actor, verb: str, incident: Incident, before=None, after=None) -> None:
    audit_record(actor=actor, verb=verb, target=incident, before=before, after=after)


def _link_path(incident: Incident) -> str:
    return reverse("incident_detail", kwargs={"pk": incident.pk})


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)


def _is_active_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# --- Running the incident -------------------------------------------------------------------


@transaction.atomic
def incident_update(*, actor, incident: Incident, title: str, summary: str) -> Incident:
    incident = _locked(incident)
    require(actor, "incident.run", incident)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the incident a title.")})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": _("At most %(max)d characters.") % {"max": TITLE_MAX}})
    before = snapshot(incident, ["title", "summary"])
    incident.title, incident.summary = title, (summary or "").strip()
    incident.save(update_fields=["title", "summary"])
    _audit(actor, "incident.update", incident, before, snapshot(incident, ["title", "summary"]))
    return incident


def allowed_statuses(incident: Incident) -> tuple[str, ...]:
    return TRANSITIONS[incident.status]


@transaction.atomic
def incident_change_status(*, actor, incident: Incident, status: str, reason: str = "") -> Incident:
    """Move along declared → investigating → contained → resolved → reviewed.

    Resolving with tasks still open needs a reason (the tasks are marked skipped);
    resolving while publishing is frozen is refused until the lead lifts the freeze;
    `reviewed` needs the post-incident review.
    """
    incident = _locked(incident)
    require(actor, "incident.run", incident)
    reason = (reason or "").strip()[:REASON_MAX]
    old = incident.status
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == old:
        raise ValidationError(
            {
                "status": _("The incident is already %(status)s.")
                % {"status": Status(old).label.lower()}
            }
        )
    if status not in TRANSITIONS[old]:
        raise ValidationError(
            {
                "status": _("An incident cannot go from %(from)s to %(to)s.")
                % {"from": Status(old).label.lower(), "to": Status(status).label.lower()}
            }
        )
    skipped = 0
    now = timezone.now()
    if status == Status.RESOLVED:
        if PublishingFreeze.objects.filter(incident=incident, lifted_at__isnull=True).exists():
            raise ValidationError(
                {"status": _("Publishing is still frozen by this incident: lift the freeze first.")}
            )
        open_tasks = IncidentTask.objects.filter(incident=incident, state=TaskState.OPEN).exclude(
            kind=IncidentTask.Kind.ACTION_ITEM
        )
        if open_tasks.exists():
            if not reason:
                raise ValidationError(
                    {"reason": _("Tasks are still open: say why the incident closes without them.")}
                )
            skipped = open_tasks.update(state=TaskState.SKIPPED, done_at=now, done_by=actor)
            incident.closing_note = reason
    if (
        status == Status.REVIEWED
        and not PostIncidentReview.objects.filter(incident=incident).exists()
    ):
        raise ValidationError({"status": _("Write the post-incident review first.")})
    before = snapshot(incident, ["status"])
    incident.status = status
    if old == Status.DECLARED and incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if status in (Status.CONTAINED, Status.RESOLVED) and incident.contained_at is None:
        incident.contained_at = now
    if status == Status.RESOLVED:
        incident.resolved_at = now
    if status == Status.INVESTIGATING and old == Status.RESOLVED:
        incident.resolved_at = None  # reopened: resolving again restarts the clock's end
    if status == Status.REVIEWED:
        incident.reviewed_at = now
    incident.save()
    timeline_add(
        incident=incident,
        kind=Kind.STATUS,
        actor=actor,
        data={"from": old, "to": status, "reason": reason, "skipped": skipped},
    )
    _audit(actor, "incident.status", incident, before, {"status": status, "reason": reason})
    return incident


@transaction.atomic
def incident_change_severity(*, actor, incident: Incident, severity, reason: str = "") -> Incident:
    incident = _locked(incident)
    require(actor, "incident.run", incident)
    severity = severity_clean(severity)
    if not incident.is_open:
        raise ValidationError(
            {"severity": _("The incident is closed: reopen it before changing its severity.")}
        )
    if severity == incident.severity:
        raise ValidationError(
            {"severity": _("The incident is already %(sev)s.") % {"sev": severity_short(severity)}}
        )
    old = incident.severity
    incident.severity = severity
    incident.save(update_fields=["severity"])
    reason = (reason or "").strip()[:REASON_MAX]
    timeline_add(
        incident=incident,
        kind=Kind.SEVERITY,
        actor=actor,
        data={"from": old, "to": severity, "reason": reason},
    )
    _audit(actor, "incident.severity", incident, {"severity": old}, {"severity": severity})
    return incident


def _set_role(*, actor, incident: Incident, role: str, person) -> None:
    """Give `role` to `person` and hand them the role's open tasks (no permission check)."""
    old_id = getattr(incident, f"{role}_id")
    setattr(incident, role, person)
    incident.save(update_fields=[role])
    IncidentTask.objects.filter(incident=incident, role=role, state=TaskState.OPEN).filter(
        Q(assignee__isnull=True) | Q(assignee_id=old_id)
    ).update(assignee=person)
    timeline_add(
        incident=incident,
        kind=Kind.ROLE,
        actor=actor,
        data={
            "role": role,
            "person": person.pk if person else None,
            "name": str(person) if person else "",
        },
    )
    audit_record(
        actor=actor,
        verb="incident.role",
        target=incident,
        before={role: old_id},
        after={role: person.pk if person else None},
    )
    if person is not None and person.pk != old_id:
        # In the app, and by e-mail as the person chose (at once by default).
        notification_services.incident_role_notify(
            actor=actor, incident=incident, role_label=IncidentRole(role).label, person=person
        )


@transaction.atomic
def incident_assign_role(*, actor, incident: Incident, role: str, person) -> Incident:
    """Give a role (lead, legal, communications...) to one person, or take it back (None)."""
    incident = _locked(incident)
    require(actor, "incident.run", incident)
    if role not in IncidentRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if incident.status == Status.REVIEWED:
        raise ValidationError(_("This incident is reviewed and closed."))
    if person is None:
        if role == IncidentRole.LEAD:
            raise ValidationError({"person": _("An incident always has a lead.")})
    else:
        _check_person(person, "person")
    if getattr(incident, f"{role}_id") == (person.pk if person else None):
        raise ValidationError({"person": _("This person already holds this role.")})
    _set_role(actor=actor, incident=incident, role=role, person=person)
    return incident


def incident_transfer(*, actor, item: Incident, new_owner) -> None:
    """Offboarding hands the lead over (riskdesk.ownership; the caller holds the transaction)."""
    _set_role(actor=actor, incident=item, role=IncidentRole.LEAD, person=new_owner)
