"""Business operations on training: modules, records and assignments.

A record is unique per person, module and completion date, so entering or
importing the same completion twice updates it (or changes nothing) instead of
adding a second one.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from policies.models import (
    Policy,
    RecordSource,
    TrainingAssignment,
    TrainingModule,
    TrainingRecord,
)
from policies.services.policies import _validate_audience
from riskdesk.audit import audit_record, snapshot
from riskdesk.mail import absolute_url, mail_people
from riskdesk.permissions import require

MODULE_FIELDS = [
    "title",
    "code",
    "description",
    "policy",
    "validity_months",
    "audience_everyone",
    "audience_teams",
    "audience_roles",
    "is_active",
    "self_service",
]
RECORD_FIELDS = ["user", "module", "completed_on", "score", "evidence", "expires_on", "source"]


# --- Modules ------------------------------------------------------------------------------


def _validate_module(module: TrainingModule, teams) -> None:
    module.title = (module.title or "").strip()
    module.code = (module.code or "").strip().lower()
    errors = _validate_audience(module, teams)
    if not module.title:
        errors["title"] = _("Give the module a title.")
    elif TrainingModule.objects.filter(title__iexact=module.title).exclude(pk=module.pk).exists():
        errors["title"] = _("A module with this title already exists.")
    if not module.code:
        errors["code"] = _("Give the module's code in the learning platform.")
    elif TrainingModule.objects.filter(code=module.code).exclude(pk=module.pk).exists():
        errors["code"] = _("Another module already has this code.")
    if module.validity_months is not None and not 1 <= module.validity_months <= 120:
        errors["validity_months"] = _("Choose from 1 to 120 months, or leave it empty.")
    if errors:
        raise ValidationError(errors)
    module.full_clean(exclude=["policy", "audience_teams"], validate_unique=False)


@transaction.atomic
def training_module_create(
    *,
    actor,
    title: str,
    code: str,
    description: str = "",
    policy: Policy | None = None,
    validity_months: int | None = 12,
    audience_everyone: bool = False,
    audience_teams=(),
    audience_roles=(),
    is_active: bool = True,
    self_service: bool = False,
) -> TrainingModule:
    require(actor, "training.manage")
    teams = list(audience_teams)
    module = TrainingModule(
        title=title,
        code=code,
        description=description,
        policy=policy,
        validity_months=validity_months,
        audience_everyone=audience_everyone,
        audience_roles=list(audience_roles),
        is_active=is_active,
        self_service=self_service,
    )
    _validate_module(module, teams)
    module.save()
    module.audience_teams.set(teams)
    audit_record(
        actor=actor,
        verb="training_module.create",
        target=module,
        after=snapshot(module, MODULE_FIELDS),
    )
    return module


@transaction.atomic
def training_module_update(*, actor, module: TrainingModule, **changes) -> TrainingModule:
    require(actor, "training.manage", module)
    unknown = set(changes) - set(MODULE_FIELDS)
    if unknown:
        raise ValueError(f"not module fields: {sorted(unknown)}")
    module = TrainingModule.objects.select_for_update(of=("self",)).get(pk=module.pk)
    before = snapshot(module, MODULE_FIELDS)
    teams = list(changes.pop("audience_teams", module.audience_teams.all()))
    for name, value in changes.items():
        setattr(module, name, list(value) if name == "audience_roles" else value)
    _validate_module(module, teams)
    module.save()
    module.audience_teams.set(teams)
    after = snapshot(module, MODULE_FIELDS)
    if after != before:
        audit_record(
            actor=actor, verb="training_module.update", target=module, before=before, after=after
        )
    return module


# --- Records ------------------------------------------------------------------------------


@dataclass
class RecordValues:
    """A completion, checked: what `record_upsert` writes."""

    user: User
    module: TrainingModule
    completed_on: date
    score: Decimal | None
    evidence: str
    expires_on: date | None


def clean_record(
    *, user, module, completed_on, score=None, evidence="", expires_on=None, today=None
) -> RecordValues:
    """Check one completion; raises ValidationError with field errors."""
    today = today or timezone.localdate()
    errors = {}
    if module is not None and not module.is_active:
        errors["module"] = _("This module is retired: it takes no new records.")
    if completed_on is not None and completed_on > today:
        errors["completed_on"] = _("A completion date cannot be in the future.")
    if score is not None:
        try:
            score = Decimal(str(score)).quantize(Decimal("0.01"))
        except InvalidOperation:
            errors["score"] = _("Give the score as a number from 0 to 100.")
        else:
            if not Decimal(0) <= score <= Decimal(100):
                errors["score"] = _("Give the score as a number from 0 to 100.")
    evidence = (evidence or "").strip()
    if len(evidence) > 500:
        errors["evidence"] = _("Evidence has at most 500 characters: give a link or a reference.")
    if expires_on is None and module is not None and completed_on is not None:
        expires_on = module.expiry_after(completed_on)
    if expires_on is not None and completed_on is not None and expires_on < completed_on:
        errors["expires_on"] = _("The expiry date comes before the completion date.")
    if errors:
        raise ValidationError(errors)
    return RecordValues(user, module, completed_on, score, evidence, expires_on)


def record_upsert(values: RecordValues, *, actor, source: str) -> tuple[TrainingRecord, str]:
    """Write a checked completion: "created", "updated" or "unchanged" (caller's transaction)."""
    record = (
        TrainingRecord.objects.select_for_update(of=("self",))
        .filter(user=values.user, module=values.module, completed_on=values.completed_on)
        .first()
    )
    fields = {"score": values.score, "evidence": values.evidence, "expires_on": values.expires_on}
    if record is None:
        record = TrainingRecord.objects.create(
            user=values.user,
            module=values.module,
            completed_on=values.completed_on,
            source=source,
            recorded_by=actor,
            **fields,
        )
        outcome = "created"
    elif all(getattr(record, name) == value for name, value in fields.items()):
        return record, "unchanged"
    else:
        for name, value in fields.items():
            setattr(record, name, value)
        record.recorded_by = actor
        record.save()
        outcome = "updated"
    TrainingAssignment.objects.filter(
        user=values.user,
        module=values.module,
        completed_on__isnull=True,
        assigned_at__date__lte=values.completed_on,
    ).update(completed_on=values.completed_on)
    return record, outcome


@transaction.atomic
def training_record_create(
    *,
    actor,
    user: User,
    module: TrainingModule,
    completed_on: date,
    score=None,
    evidence: str = "",
    expires_on: date | None = None,
    source: str = RecordSource.MANUAL,
) -> tuple[TrainingRecord, str]:
    """Record a completion; the same person, module and date again updates that record."""
    require(actor, "training.manage")
    values = clean_record(
        user=user,
        module=module,
        completed_on=completed_on,
        score=score,
        evidence=evidence,
        expires_on=expires_on,
    )
    record, outcome = record_upsert(values, actor=actor, source=source)
    if outcome != "unchanged":
        audit_record(
            actor=actor,
            verb=f"training_record.{'create' if outcome == 'created' else 'update'}",
            target=record,
            after=snapshot(record, RECORD_FIELDS),
        )
    return record, outcome


@transaction.atomic
def training_self_complete(*, actor, module: TrainingModule) -> tuple[TrainingRecord, str]:
    """The person says they completed a self-service module today: their own record."""
    require(actor, "training.complete_self", module)
    values = clean_record(user=actor, module=module, completed_on=timezone.localdate())
    values.evidence = _("Confirmed by the person")
    record, outcome = record_upsert(values, actor=actor, source=RecordSource.SELF)
    if outcome != "unchanged":
        audit_record(
            actor=actor,
            verb="training_record.self_complete",
            target=record,
            after=snapshot(record, RECORD_FIELDS),
        )
    return record, outcome


# --- Assignments --------------------------------------------------------------------------


@transaction.atomic
def training_assign(*, actor, module: TrainingModule, people, due_on: date) -> list:
    """Ask people to complete `module` by `due_on` (a new date replaces an open one)."""
    require(actor, "training.manage", module)
    people = list({p.pk: p for p in people}.values())
    errors = {}
    if not people:
        errors["people"] = _("Choose at least one person.")
    elif any(not p.is_active for p in people):
        errors["people"] = _("Only active people can be assigned training.")
    if due_on is None or due_on < timezone.localdate():
        errors["due_on"] = _("Choose a due date from today on.")
    if not module.is_active:
        errors["module"] = _("This module is retired.")
    if errors:
        raise ValidationError(errors)
    assignments = []
    for person in people:
        assignment, _created = TrainingAssignment.objects.update_or_create(
            user=person,
            module=module,
            defaults={"due_on": due_on, "assigned_by": actor, "completed_on": None},
        )
        assignments.append(assignment)
    audit_record(
        actor=actor,
        verb="training.assign",
        target=module,
        after={"people": sorted(p.pk for p in people), "due_on": due_on.isoformat()},
    )
    mail_people(
        people=people,
        subject=_("Training to complete: %(module)s") % {"module": module},
        body=_(
            'Please complete the training "%(module)s" by %(due)s.\n\n%(description)s\n\n'
            "Your training: %(url)s\n"
        )
        % {
            "module": module,
            "due": date_format(due_on),
            "description": module.description,
            "url": absolute_url(reverse("training_list")),
        },
    )
    return assignments
