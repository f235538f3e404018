"""Streams a person created, handed over when they leave (riskdesk.ownership)."""

from django.utils.translation import gettext_lazy as _

from monitoring.models import Stream
from riskdesk import ownership
from riskdesk.audit import audit_record


def _transfer(verb: str):
    def transfer(*, actor, item, new_owner) -> None:
        before = {"created_by": item.created_by_id}
        item.created_by = new_owner
        item.save(update_fields=["created_by"])
        audit_record(
            actor=actor, verb=verb, target=item, before=before, after={"created_by": new_owner.pk}
        )

    return transfer


def register() -> None:
    ownership.register(
        "monitoring.stream",
        label=_("stream"),
        owned_by=lambda person: Stream.objects.filter(created_by=person),
        transfer=_transfer("stream.transfer"),
    )
