"""Rules a person created, handed over when they leave (riskdesk.ownership)."""

from django.utils.translation import gettext_lazy as _

from alerting.models import Rule
from riskdesk import ownership
from riskdesk.audit import audit_record


def _transfer_rule(*, actor, item, new_owner) -> None:
    before = {"created_by": item.created_by_id}
    item.created_by = new_owner
    item.save(update_fields=["created_by"])
    audit_record(
        actor=actor,
        verb="rule.transfer",
        target=item,
        before=before,
        after={"created_by": new_owner.pk},
    )


def register() -> None:
    ownership.register(
        "alerting.rule",
        label=_("rule"),
        owned_by=lambda person: Rule.objects.filter(created_by=person),
        transfer=_transfer_rule,
    )
