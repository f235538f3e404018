"""Whether publishing is frozen by an active incident.

Compliance (approving and scheduling sponsored posts) and the API's
"may I publish now?" ask `current_freeze()`. It returns the active freeze (an
object with `reason`, `incident`, `started_at` and `started_by`) or None.

An open SEV1 or SEV2 incident can freeze publishing (`freeze_start`); the freeze
stays, shown on every page, until the incident's lead (or an incident manager)
lifts it (`freeze_lift`). Both are audited and written on the timeline.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, PublishingFreeze, Severity, TimelineEntry
from incidents.services.timeline import timeline_add
from riskdesk.audit import audit_record
from riskdesk.permissions import require

REASON_MAX = 1000
FREEZING_SEVERITIES = (Severity.SEV1, Severity.SEV2)


def active_freezes():
    """The freezes in force, the earliest first."""
    return PublishingFreeze.objects.filter(lifted_at__isnull=True).order_by("started_at", "id")


def current_freeze() -> PublishingFreeze | None:
    """The active freeze (the earliest still in force when several incidents froze), or None."""
    return active_freezes().select_related("incident", "started_by").first()


@transaction.atomic
def freeze_start(*, actor, incident, reason: str) -> PublishingFreeze:
    incident = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
    require(actor, "incident.run", incident)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why publishing must stop: everyone will read it.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(max)d characters.") % {"max": REASON_MAX}})
    if not incident.is_open:
        raise ValidationError(_("Only an open incident can freeze publishing."))
    if incident.severity not in FREEZING_SEVERITIES:
        raise ValidationError(_("Only a SEV1 or SEV2 incident can freeze publishing."))
    if PublishingFreeze.objects.filter(incident=incident, lifted_at__isnull=True).exists():
        raise ValidationError(_("This incident has already frozen publishing."))
    try:
        with transaction.atomic():
            freeze = PublishingFreeze.objects.create(
                incident=incident, reason=reason, started_by=actor
            )
    except IntegrityError:  # a second click raced the first
        raise ValidationError(_("This incident has already frozen publishing.")) from None
    timeline_add(
        incident=incident,
        kind=TimelineEntry.Kind.FREEZE,
        actor=actor,
        data={"action": "started", "reason": reason},
    )
    audit_record(
        actor=actor,
        verb="incident.freeze",
        target=incident,
        after={"freeze": freeze.pk, "reason": reason},
    )
    return freeze


@transaction.atomic
def freeze_lift(*, actor, incident, note: str = "") -> PublishingFreeze:
    incident = Incident.objects.get(pk=incident.pk)
    require(actor, "incident.run", incident)
    freeze = (
        PublishingFreeze.objects.select_for_update(of=("self",))
        .filter(incident=incident, lifted_at__isnull=True)
        .first()
    )
    if freeze is None:
        raise ValidationError(_("Publishing is not frozen by this incident."))
    freeze.lifted_at = timezone.now()
    freeze.lifted_by = actor
    freeze.lift_note = (note or "").strip()[:REASON_MAX]
    freeze.save(update_fields=["lifted_at", "lifted_by", "lift_note"])
    timeline_add(
        incident=incident,
        kind=TimelineEntry.Kind.FREEZE,
        actor=actor,
        data={"action": "lifted", "note": freeze.lift_note},
    )
    audit_record(
        actor=actor,
        verb="incident.unfreeze",
        target=incident,
        before={"freeze": freeze.pk, "reason": freeze.reason},
        after={"lifted_at": freeze.lifted_at.isoformat(), "note": freeze.lift_note},
    )
    return freeze
