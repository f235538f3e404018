"""/api/v1/playbooks/: playbooks and their ordered steps."""

from rest_framework import permissions, viewsets

from incidents.api.serializers import PlaybookSerializer
from incidents.models import Playbook
from incidents.services import playbooks
from riskdesk.rest import ActionPermission


class PlaybookViewSet(viewsets.ModelViewSet):
    """Playbooks and their ordered steps. Admins create, edit and delete them."""

    serializer_class = PlaybookSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "playbook.view",
        "retrieve": "playbook.view",
        "create": "playbook.manage",
        "update": "playbook.manage",
        "partial_update": "playbook.manage",
        "destroy": "playbook.manage",
    }
    queryset = Playbook.objects.prefetch_related("steps")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        steps = data.pop("steps", [])
        serializer.instance = playbooks.playbook_create(
            actor=self.request.user, steps=steps, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        steps = data.pop("steps", None)
        serializer.instance = playbooks.playbook_update(
            actor=self.request.user, playbook=serializer.instance, steps=steps, **data
        )
        serializer.instance = Playbook.objects.prefetch_related("steps").get(
            pk=serializer.instance.pk
        )

    def perform_destroy(self, instance):
        playbooks.playbook_delete(actor=self.request.user, playbook=instance)
