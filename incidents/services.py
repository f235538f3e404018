"""Declaring and running incidents: status, severity, roles, tasks, notes, linked mentions.

Each service checks the actor's permission, makes the change, writes the
timeline entry and the audit event, all in one transaction. Holding statements
live in incidents.statements, the publishing freeze in incidents.freeze,
playbooks in incidents.playbooks.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, TeamMembership
from alerting.models import Rule, SpikeAlert
from incidents.models import (
    OPEN_STATUSES,
    Incident,
    IncidentMention,
    IncidentRole,
    IncidentTask,
    Playbook,
    PostIncidentReview,
    PublishingFreeze,
    Scenario,
    Severity,
    Source,
    Status,
    TimelineEntry,
    severity_short,
)
from incidents.timeline import timeline_add
from monitoring.models import Mention
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people
from riskdesk.models import MAX_ID
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


# --- Declaring --------------------------------------------------------------------------


def _default_lead(rule: Rule | None):
    """The lead of the rule's team, else of the catch-all team: an incident never has no owner."""
    from django.conf import settings

    team_id = (rule.actions or {}).get("team") if rule is not None else None
    memberships = TeamMembership.objects.filter(is_lead=True, user__is_active=True).select_related(
        "user"
    )
    if team_id:
        found = memberships.filter(team_id=team_id).order_by("joined_at", "pk").first()
        if found:
            return found.user
    found = (
        memberships.filter(team__slug=getattr(settings, "MONITORING_CATCH_ALL_TEAM", "social"))
        .order_by("joined_at", "pk")
        .first()
    )
    return found.user if found else None


def _create_tasks(incident: Incident, playbook: Playbook | None) -> int:
    if playbook is None:
        return 0
    holders = incident.role_ids()
    tasks = [
        IncidentTask(
            incident=incident,
            step=step,
            kind=IncidentTask.Kind.PLAYBOOK,
            position=index,
            title=step.title,
            instructions=step.instructions,
            role=step.role,
            assignee_id=holders.get(step.role),
            policy_reference=step.policy_reference,
            due_at=incident.declared_at + timedelta(minutes=step.due_minutes),
        )
        for index, step in enumerate(playbook.steps.order_by("position", "id"), start=1)
    ]
    IncidentTask.objects.bulk_create(tasks)
    return len(tasks)


def _notify_declared(incident: Incident, actor) -> None:
    """Mail the people holding a role and tell the channels of the teams involved."""
    from alerting.services import notify_team

    subject = _("[riskdesk] %(ref)s declared (%(sev)s): %(title)s") % {
        "ref": incident.reference,
        "sev": incident.severity_label,
        "title": incident.title,
    }
    url = absolute_url(_link_path(incident))
    people = [
        holder
        for role in IncidentRole.values
        if (holder := getattr(incident, role)) is not None and holder != actor
    ]
    body = _(
        "An incident was declared and you hold a role in it.\n\n"
        "%(ref)s %(title)s\nSeverity: %(sev)s\nLead: %(lead)s\n\n%(summary)s\n\nOpen it: %(url)s\n"
    ) % {
        "ref": incident.reference,
        "title": incident.title,
        "sev": incident.severity_label,
        "lead": incident.lead or _("nobody yet"),
        "summary": incident.summary,
        "url": url,
    }
    mail_people(people=people, subject=subject, body=body)
    teams = Team.objects.filter(
        Q(mentions__incident_links__incident=incident)
        | Q(memberships__user_id=incident.lead_id or 0)
    ).distinct()
    for team in teams:
        notify_team(
            team=team,
            subject=subject,
            payload={
                "event": "incident.declared",
                "summary": f"{incident.summary[:300]} {url}".strip(),
                "count": incident.mention_count,
                "incident": {
                    "id": incident.pk,
                    "reference": incident.reference,
                    "title": incident.title,
                    "severity": incident.severity_label,
                    "status": incident.status,
                    "lead": str(incident.lead) if incident.lead else None,
                    "link": _link_path(incident),
                },
            },
        )


def _open_incident_for_spike(spike: SpikeAlert) -> Incident | None:
    return (
        Incident.objects.filter(spike=spike, status__in=OPEN_STATUSES)
        .order_by("-declared_at")
        .first()
    )


def _open_incident_for_mention(mention_id: int) -> Incident | None:
    return (
        Incident.objects.filter(mention_links__mention_id=mention_id, status__in=OPEN_STATUSES)
        .order_by("-declared_at")
        .first()
    )


def _declare(
    *,
    actor,
    title: str,
    severity,
    summary: str,
    playbook: Playbook | None,
    lead,
    mention_ids: list[int],
    source: str,
    spike: SpikeAlert | None = None,
    rule: Rule | None = None,
    scenario: str | None = None,
) -> Incident:
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the incident a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("At most %(max)d characters.") % {"max": TITLE_MAX}
    try:
        severity = severity_clean(severity)
    except ValidationError as exc:
        errors |= exc.message_dict
    if playbook is not None and not playbook.is_active:
        errors["playbook"] = _("This playbook is retired; choose another.")
    if scenario is not None and scenario not in Scenario.values:
        errors["scenario"] = _("Choose a scenario from the list.")
    if lead is not None:
        try:
            _check_person(lead, "lead")
        except ValidationError as exc:
            errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    if scenario is None:
        if playbook is not None:
            scenario = playbook.scenario
        elif source == Source.IMPERSONATION:
            scenario = Scenario.IMPERSONATION
        else:
            scenario = Scenario.OTHER
    incident = Incident.objects.create(
        title=title,
        summary=(summary or "").strip(),
        playbook=playbook,
        scenario=scenario,
        severity=severity,
        source=source,
        spike=spike,
        rule=rule,
        lead=lead,
        declared_by=actor if _is_active_user(actor) else None,
    )
    tasks = _create_tasks(incident, playbook)
    timeline_add(
        incident=incident,
        kind=Kind.DECLARED,
        actor=actor,
        at=incident.declared_at,
        data={
            "source": source,
            "severity": severity,
            "playbook": playbook.name if playbook else None,
            "scenario": scenario,
            "tasks": tasks,
            "spike": spike.pk if spike else None,
            "rule": rule.name if rule else None,
        },
    )
    if lead is not None:
        timeline_add(
            incident=incident,
            kind=Kind.ROLE,
            actor=actor,
            at=incident.declared_at,
            data={"role": IncidentRole.LEAD, "person": lead.pk, "name": str(lead)},
        )
    if mention_ids:
        _link(incident, mention_ids, actor=actor, rule=rule)
    if spike is not None and spike.status != SpikeAlert.Status.ESCALATED:
        before = spike.status
        SpikeAlert.objects.filter(pk=spike.pk).update(status=SpikeAlert.Status.ESCALATED)
        spike.status = SpikeAlert.Status.ESCALATED
        audit_record(
            actor=actor,
            verb="spike.escalate",
            target=spike,
            before={"status": before},
            after={"status": spike.status, "incident": incident.pk},
        )
    _audit(
        actor,
        "incident.declare",
        incident,
        after=snapshot(incident, INCIDENT_AUDIT_FIELDS) | {"mentions": len(mention_ids)},
    )
    _notify_declared(incident, actor)
    incident.created = True
    return incident


@transaction.atomic
def incident_declare(
    *,
    actor,
    title: str,
    playbook: Playbook | None = None,
    severity,
    summary: str = "",
    lead=None,
    mentions=(),
    spike=None,
    impersonation_mention=None,
    scenario: str | None = None,
) -> Incident:
    """Open an incident, by hand or from the inbox, a spike or an impersonation flag.

    Creates the playbook's tasks with their due times, links the mentions, notifies
    the people holding a role and the channels of the teams involved. Declaring again
    from a spike (or impersonation flag) that already has an open incident links to that
    incident instead: the returned incident then has `created` False.
    """
    require(actor, "incident.declare")
    ids = mention_ids_clean(mentions)
    source = Source.INBOX if ids else Source.MANUAL
    spike_obj = None
    if spike not in (None, ""):
        spike_obj = (
            SpikeAlert.objects.select_for_update(of=("self",))
            .filter(pk=_pk(spike))
            .first()  # one at a time
        )
        if spike_obj is None:
            raise ValidationError({"spike": _("This spike alert does not exist.")})
        source = Source.SPIKE
        ids = [*ids, *(pk for pk in spike_obj.top_mention_ids if pk not in ids)]
    impersonation_id = (
        _pk(impersonation_mention) if impersonation_mention not in (None, "") else None
    )
    if impersonation_id is not None:
        if impersonation_id not in ids:
            ids.insert(0, impersonation_id)
        if spike_obj is None:
            source = Source.IMPERSONATION
    if ids:
        require(actor, "incident.link_mentions")
        found = _visible_ids(actor, ids)
        missing = [pk for pk in ids if pk not in found]
        if missing and (impersonation_id in missing or spike_obj is None):
            raise ValidationError(
                {"mentions": _("Unknown mention: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
            )
        # A spike's mentions may have been deleted, or be in a queue the actor may not see.
        ids = [pk for pk in ids if pk in found]
    existing = None
    if spike_obj is not None:
        existing = _open_incident_for_spike(spike_obj)
    elif impersonation_id is not None:
        Mention.objects.select_for_update(of=("self",)).filter(pk=impersonation_id).first()
        existing = _open_incident_for_mention(impersonation_id)
    if existing is not None:
        if ids:
            require(actor, "incident.link_mentions", existing)
            _link(existing, ids, actor=actor)
        existing.created = False
        return existing
    return _declare(
        actor=actor,
        title=title,
        severity=severity,
        summary=summary,
        playbook=playbook,
        lead=lead if lead is not None else actor,
        mention_ids=ids,
        source=source,
        spike=spike_obj,
        scenario=scenario,
    )


# --- Linked mentions ----------------------------------------------------------------------


def _visible_ids(actor, ids: list[int]) -> set[int]:
    """The ids of `ids` naming mentions `actor` may see: a hidden one is as unknown as a
    missing one (same error), so ids cannot be probed."""
    ids = [pk for pk in ids if 0 < pk <= MAX_ID]  # no row has another id (nor fits SQLite)
    return set(Mention.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))


def _link(incident: Incident, ids: list[int], *, actor=None, rule: Rule | None = None) -> int:
    """Link the mentions not linked yet, in one bulk insert; returns how many were new."""
    if not ids:
        return 0
    already = set(
        IncidentMention.objects.filter(incident=incident, mention_id__in=ids).values_list(
            "mention_id", flat=True
        )
    )
    fresh = [pk for pk in ids if pk not in already]
    if not fresh:
        return 0
    now = timezone.now()
    linked_by = actor if _is_active_user(actor) else None
    IncidentMention.objects.bulk_create(
        [
            IncidentMention(
                incident=incident, mention_id=pk, linked_at=now, linked_by=linked_by, rule=rule
            )
            for pk in fresh
        ],
        ignore_conflicts=True,
    )
    first = Mention.objects.filter(pk__in=fresh).aggregate(first=Min("published_at"))["first"]
    total = IncidentMention.objects.filter(incident=incident).count()
    updates = {"mention_count": total}
    if first is not None and (
        incident.first_mention_at is None or first < incident.first_mention_at
    ):
        updates["first_mention_at"] = first
    Incident.objects.filter(pk=incident.pk).update(**updates)
    for field, value in updates.items():
        setattr(incident, field, value)
    timeline_add(
        incident=incident,
        kind=Kind.MENTIONS,
        actor=actor,
        data={"count": len(fresh), "total": total, "rule": rule.name if rule else None},
    )
    return len(fresh)


@transaction.atomic
def incident_link_mentions(*, actor, incident: Incident, mentions) -> int:
    """Link mentions to the incident; already linked ones are left alone. Returns how many
    were newly linked."""
    incident = _locked(incident)
    require(actor, "incident.link_mentions", incident)
    ids = mention_ids_clean(mentions)
    if not ids:
        raise ValidationError({"mentions": _("Choose at least one mention.")})
    if incident.status == Status.REVIEWED:
        raise ValidationError(_("This incident is reviewed and closed: declare a new one."))
    found = _visible_ids(actor, ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"mentions": _("Unknown mention: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    linked = _link(incident, ids, actor=actor)
    if linked:
        _audit(actor, "incident.link_mentions", incident, after={"mentions": ids, "linked": linked})
    return linked


def incident_open_or_link_for_rule(
    *, rule: Rule, mention_ids, playbook: Playbook | None = None, severity=None, incident=None
) -> Incident | None:
    """A rule's "open an incident" action, run by the pipeline inside its batch transaction.

    Links to `incident` if it is still open; otherwise to the open incident this rule
    opened earlier; otherwise declares one (title from the rule, SEV3 unless told), led
    by the lead of the rule's team. Audited as the system. None when there is nothing to
    link.
    """
    ids = mention_ids_clean(mention_ids)
    if not ids:
        return None
    with transaction.atomic():
        target = None
        if incident is not None:
            target = (
                Incident.objects.select_for_update(of=("self",))
                .filter(pk=_pk(incident), status__in=OPEN_STATUSES)
                .first()
            )
        if target is None:
            target = (
                Incident.objects.select_for_update(of=("self",))
                .filter(rule=rule, status__in=OPEN_STATUSES)
                .order_by("-declared_at")
                .first()
            )
        if target is not None:
            linked = _link(target, ids, rule=rule)
            if linked:
                _audit(
                    None,
                    "incident.link_mentions",
                    target,
                    after={"mentions": ids[:100], "linked": linked, "rule": rule.pk},
                )
            target.created = False
            return target
        return _declare(
            actor=None,
            title=rule.name,
            severity=severity if severity is not None else Severity.SEV3,
            summary=_("Opened by the rule “%(rule)s”.") % {"rule": rule.name},
            playbook=playbook if playbook is not None and playbook.is_active else None,
            lead=_default_lead(rule),
            mention_ids=ids,
            source=Source.RULE,
            rule=rule,
        )


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
    if person is not None and person != actor:
        mail_people(
            people=[person],
            subject=_("[riskdesk] You are %(role)s on %(ref)s: %(title)s")
            % {
                "role": IncidentRole(role).label,
                "ref": incident.reference,
                "title": incident.title,
            },
            body=_("%(actor)s gave you the role %(role)s on %(ref)s (%(sev)s).\n\n%(url)s\n")
            % {
                "actor": actor,
                "role": IncidentRole(role).label,
                "ref": incident.reference,
                "sev": incident.severity_label,
                "url": absolute_url(_link_path(incident)),
            },
        )
    return incident


def incident_transfer(*, actor, item: Incident, new_owner) -> None:
    """Offboarding hands the lead over (riskdesk.ownership; the caller holds the transaction)."""
    _set_role(actor=actor, incident=item, role=IncidentRole.LEAD, person=new_owner)
