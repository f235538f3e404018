"""/api/v1/publishing-freeze/: "may I publish now?"."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response

from incidents import freeze as freezes
from incidents.api.serializers import FreezeState


def freeze_state() -> dict:
    freeze = freezes.current_freeze()
    if freeze is None:
        return {"frozen": False, "reason": None, "incident": None, "since": None}
    incident = freeze.incident
    return {
        "frozen": True,
        "reason": freeze.reason,
        "incident": {
            "id": incident.pk,
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity_label,
        },
        "since": serializers.DateTimeField().to_representation(freeze.started_at),
    }


class PublishingFreezeViewSet(viewsets.ViewSet):
    """ "May I publish now?" `frozen` is true while an incident has frozen publishing;
    any authenticated client may ask."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=FreezeState)
    def list(self, request):
        return Response(freeze_state())
