"""Policies a person owns, handed over when they leave (riskdesk.ownership)."""

from django.utils.translation import gettext_lazy as _

from riskdesk import ownership


def register() -> None:
    from policies.models import Policy
    from policies.services import policy_transfer

    ownership.register(
        "policies.policy",
        label=_("policy"),
        owned_by=lambda person: Policy.objects.filter(owner=person),
        transfer=policy_transfer,
    )
