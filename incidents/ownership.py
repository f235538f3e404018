"""Incidents a person leads, handed over when they leave (riskdesk.ownership)."""

from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, Status
from riskdesk import ownership


def register() -> None:
    from incidents.services import incident_transfer

    ownership.register(
        "incidents.incident",
        label=_("incident led"),
        # Resolved ones still need their review written: only reviewed ones are done.
        owned_by=lambda person: Incident.objects.filter(lead=person).exclude(
            status=Status.REVIEWED
        ),
        transfer=incident_transfer,
    )
