"""/api/v1/notifications/ (mine only: another person's is a 404) and
/api/v1/notification-preferences/ (mine, one per kind of event)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors, services
from notifications.models import EmailMode, Notification, NotificationKind
from riskdesk.rest import ActionPermission


class NotificationSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="Who caused it (null: riskdesk itself).")
    url = serializers.SerializerMethodField(help_text="The page it points to (absolute path).")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "url", "actor", "created_at", "read_at"]
        read_only_fields = fields

    def get_actor(self, obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    def get_url(self, obj) -> str:
        return obj.path


class CountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in person's notifications, newest first; `?unread=true` for unread only."""

    serializer_class = NotificationSerializer
    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "notification.view",
        "retrieve": "notification.view",
        "read": "notification.read",
        "read_all": "notification.read",
        "unread_count": "notification.view",
    }

    def get_queryset(self):
        queryset = selectors.notifications_of(self.request.user).select_related("actor")
        if self.action == "list":
            unread = self.request.query_params.get("unread", "").lower()
            if unread in ("1", "true", "yes"):
                queryset = queryset.filter(read_at__isnull=True)
            elif unread in ("0", "false", "no"):
                queryset = queryset.filter(read_at__isnull=False)
        return queryset.order_by("-created_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="true: unread only; false: read only.")
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_read(user=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationsReadAll", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_read_all(user=request.user)})

    @extend_schema(responses=CountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(request.user)})


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField()
    email = serializers.ChoiceField(choices=EmailMode.choices)


class NotificationPreferenceViewSet(viewsets.ViewSet):
    """Which events reach me, in the app and by e-mail. PUT/PATCH `/{kind}/` to change one."""

    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "notification.preferences",
        "retrieve": "notification.preferences",
        "update": "notification.preferences",
        "partial_update": "notification.preferences",
    }
    lookup_field = "kind"
    lookup_value_regex = "[A-Za-z0-9_-]+"
    serializer_class = PreferenceSerializer

    def _current(self, kind: str):
        for preference in selectors.preferences_of(self.request.user):
            if preference.kind == kind:
                return preference
        raise Http404

    @extend_schema(responses=PreferenceSerializer(many=True))
    def list(self, request):
        rows = selectors.preferences_of(request.user)
        return Response(PreferenceSerializer(rows, many=True).data)

    @extend_schema(responses=PreferenceSerializer)
    def retrieve(self, request, kind=None):
        return Response(PreferenceSerializer(self._current(kind)).data)

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def update(self, request, kind=None, partial=False):
        current = self._current(kind)
        serializer = PreferenceSerializer(current, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.preference_set(
            actor=request.user,
            kind=kind,
            in_app=data.get("in_app", current.in_app),
            email=data.get("email", current.email),
        )
        return Response(PreferenceSerializer(self._current(kind)).data)

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def partial_update(self, request, kind=None):
        return self.update(request, kind=kind, partial=True)
