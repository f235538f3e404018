"""Acknowledgements: a person confirms they read a published revision of a policy."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from policies import selectors
from policies.models import Acknowledgement, PolicyRevision, RevisionStatus
from riskdesk.audit import audit_record
from riskdesk.permissions import require


class SupersededRevision(ValidationError):
    """Acknowledging a revision that a newer one replaced; `current` is the one to read."""

    def __init__(self, message, current: PolicyRevision | None):
        super().__init__({"revision": [message]}, code="superseded")
        self.current = current


def acknowledgement_record(*, actor, revision: PolicyRevision) -> tuple[Acknowledgement, bool]:
    """`actor` read `revision`. Acknowledging again changes nothing; returns (ack, created)."""
    require(actor, "policy.acknowledge", revision.policy)
    policy = revision.policy
    if revision.status == RevisionStatus.SUPERSEDED:
        current = policy.current_revision
        raise SupersededRevision(
            _(
                "Revision %(number)s has been replaced by revision %(current)s: "
                "read and acknowledge that one."
            )
            % {"number": revision.number, "current": current.number if current else "?"},
            current,
        )
    if revision.status != RevisionStatus.PUBLISHED:
        raise ValidationError({"revision": [_("Only a published revision can be acknowledged.")]})
    if not selectors.audience_of(policy).filter(pk=actor.pk).exists():
        raise ValidationError({"revision": [_("This policy is not addressed to you.")]})
    existing = Acknowledgement.objects.filter(revision=revision, user=actor).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(
                revision=revision, user=actor, content_digest=revision.content_digest
            )
            audit_record(
                actor=actor,
                verb="policy.acknowledge",
                target=policy,
                after={"revision": revision.pk, "number": revision.number},
            )
    except IntegrityError:  # a double click raced us: the first one counts
        return Acknowledgement.objects.get(revision=revision, user=actor), False
    return ack, True
