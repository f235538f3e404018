"""Editing playbooks (admins). Incidents copy a playbook's steps into their own tasks when
declared, so editing or deleting a playbook never touches an incident already running."""

from importlib import import_module

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents.models import IncidentRole, Playbook, PlaybookStep, Scenario, Severity
from riskdesk.audit import audit_record, snapshot
from riskdesk.permissions import require

PLAYBOOK_FIELDS = ["name", "scenario", "description", "default_severity", "is_active"]
STEP_FIELDS = ["title", "instructions", "role", "due_minutes", "policy_reference"]
MAX_STEPS = 50
MAX_DUE = 60 * 24 * 30


def _steps_snapshot(playbook: Playbook) -> list[dict]:
    return [
        {k: getattr(step, k) for k in STEP_FIELDS}
        for step in playbook.steps.order_by("position", "id")
    ]


def _validate(playbook: Playbook, steps: list[dict]) -> list[dict]:
    errors: dict = {}
    playbook.name = (playbook.name or "").strip()
    if not playbook.name:
        errors["name"] = _("Give the playbook a name.")
    elif len(playbook.name) > 120:
        errors["name"] = _("At most %(max)d characters.") % {"max": 120}
    elif Playbook.objects.filter(name__iexact=playbook.name).exclude(pk=playbook.pk).exists():
        errors["name"] = _("Another playbook has this name.")
    if playbook.scenario not in Scenario.values:
        errors["scenario"] = _("Choose a scenario from the list.")
    if playbook.default_severity not in Severity.values:
        errors["default_severity"] = _("Choose a severity from SEV1 to SEV4.")
    cleaned = []
    problems = []
    if len(steps) > MAX_STEPS:
        problems.append(_("At most %(max)d steps.") % {"max": MAX_STEPS})
    for n, step in enumerate(steps, start=1):
        title = (step.get("title") or "").strip()
        role = step.get("role") or ""
        try:
            due = int(step.get("due_minutes"))
        except (TypeError, ValueError):
            due = -1
        wrong = []
        if not title:
            wrong.append(_("say what to do"))
        elif len(title) > 200:
            wrong.append(_("the step is longer than 200 characters"))
        if role not in IncidentRole.values:
            wrong.append(_("choose who owns it"))
        if not 0 <= due <= MAX_DUE:
            wrong.append(_("the due time is 0 to 43200 minutes after declaring"))
        reference = (step.get("policy_reference") or "").strip()
        if len(reference) > 200:
            wrong.append(_("the policy section is longer than 200 characters"))
        if wrong:
            problems.append(_("Step %(n)d: %(problems)s.") % {"n": n, "problems": ", ".join(wrong)})
        cleaned.append(
            {
                "title": title,
                "instructions": (step.get("instructions") or "").strip(),
                "role": role,
                "due_minutes": due,
                "policy_reference": reference,
            }
        )
    if problems:
        errors["steps"] = problems
    if errors:
        raise ValidationError(errors)
    return cleaned


def _replace_steps(playbook: Playbook, steps: list[dict]) -> None:
    playbook.steps.all().delete()
    PlaybookStep.objects.bulk_create(
        [
            PlaybookStep(playbook=playbook, position=n, **step)
            for n, step in enumerate(steps, start=1)
        ]
    )


@transaction.atomic
def playbook_create(*, actor, steps=(), **fields) -> Playbook:
    require(actor, "playbook.manage")
    playbook = Playbook(**{k: v for k, v in fields.items() if k in PLAYBOOK_FIELDS})
    cleaned = _validate(playbook, list(steps))
    playbook.save()
    _replace_steps(playbook, cleaned)
    audit_record(
        actor=actor,
        verb="playbook.create",
        target=playbook,
        after=snapshot(playbook, PLAYBOOK_FIELDS) | {"steps": cleaned},
    )
    return playbook


@transaction.atomic
def playbook_update(*, actor, playbook: Playbook, steps=None, **changes) -> Playbook:
    """Change the playbook; `steps` (a list of dicts), when given, replaces every step."""
    require(actor, "playbook.manage", playbook)
    playbook = Playbook.objects.select_for_update(of=("self",)).get(pk=playbook.pk)
    before = snapshot(playbook, PLAYBOOK_FIELDS) | {"steps": _steps_snapshot(playbook)}
    for key, value in changes.items():
        if key in PLAYBOOK_FIELDS:
            setattr(playbook, key, value)
    cleaned = _validate(playbook, list(steps) if steps is not None else before["steps"])
    playbook.save()
    if steps is not None:
        _replace_steps(playbook, cleaned)
    audit_record(
        actor=actor,
        verb="playbook.update",
        target=playbook,
        before=before,
        after=snapshot(playbook, PLAYBOOK_FIELDS) | {"steps": _steps_snapshot(playbook)},
    )
    return playbook


@transaction.atomic
def playbook_delete(*, actor, playbook: Playbook) -> None:
    """Delete it; incidents that used it keep their tasks (copied) and their scenario."""
    require(actor, "playbook.manage", playbook)
    before = snapshot(playbook, PLAYBOOK_FIELDS) | {"steps": _steps_snapshot(playbook)}
    audit_record(actor=actor, verb="playbook.delete", target=playbook, before=before)
    playbook.delete()


def playbooks_seed() -> int:
    """Create the starting playbooks that are missing (the data migration's set); returns how
    many. For demo data and tests, whose database may have been emptied since migrate."""
    seeding = import_module("incidents.migrations.0002_seed_playbooks")
    before = Playbook.objects.count()
    seeding.seed(apps, None)
    return Playbook.objects.count() - before
