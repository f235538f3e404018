"""Declaring incidents (by hand, from the inbox, a spike, an impersonation flag or a
rule) and linking mentions to them.

Same shape as incidents.services.incidents: permission, change, timeline entry and
audit event in one transaction.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
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
    Scenario,
    Severity,
    Source,
    Status,
)
from incidents.services.incidents import (
    INCIDENT_AUDIT_FIELDS,
    TITLE_MAX,
    Kind,
    _audit,
    _check_person,
    _is_active_user,
    _link_path,
    _locked,
    _pk,
    mention_ids_clean,
    severity_clean,
)
from incidents.services.timeline import timeline_add
from monitoring.models import Mention
from notifications import services as notification_services
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people
from riskdesk.models import MAX_ID
from riskdesk.permissions import require

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
    if lead is not None:
        # The declaration's e-mail told the lead already: in the app only.
        notification_services.incident_role_notify(
            actor=actor,
            incident=incident,
            role_label=IncidentRole.LEAD.label,
            person=lead,
            mail=False,
        )
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
