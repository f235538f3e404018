"""The audit trail through the API."""

from rest_framework import permissions, serializers, viewsets

from riskdesk.filters import AuditEventFilter
from riskdesk.models import AuditEvent
from riskdesk.rest import ActionPermission


class AuditEventSerializer(serializers.ModelSerializer):
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "verb",
            "target_type",
            "target_id",
            "target_label",
            "before",
            "after",
            "ip_address",
            "user_agent",
        ]
        read_only_fields = fields

    def get_target_type(self, obj) -> str | None:
        return f"{obj.target_type.app_label}.{obj.target_type.model}" if obj.target_type else None


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first. Administrators only."""

    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {"list": "audit.view", "retrieve": "audit.view"}
    filterset_class = AuditEventFilter
    queryset = AuditEvent.objects.select_related("target_type")
