"""The API of routing and alerting: /api/v1/rules/, notification-channels/ and spikes/.

Thin over alerting.services: the serializers only shape JSON, the services
validate (their ValidationErrors become 400s with field errors). Secrets (the
signing key, a Slack URL) are never shown back.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from alerting import selectors, services
from alerting.filters import SpikeFilter
from alerting.models import NotificationChannel, Rule, SpikeAlert
from alerting.services.rules import MAX_TEST_SAMPLE
from monitoring.models import Mention
from riskdesk.rest import ActionPermission

# --- Rules -----------------------------------------------------------------------------------


class RuleSerializer(serializers.ModelSerializer):
    conditions = serializers.JSONField(
        help_text='[{"field": ..., "op": ..., "value": ...}]; see alerting.services.conditions.'
    )
    actions = serializers.JSONField(
        help_text='{"tags": [names], "team": id, "priority": 1..4, "notify": bool}'
    )

    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "position",
            "enabled",
            "match",
            "conditions",
            "actions",
            "stop",
            "include_owned",
        ]
        read_only_fields = ["id", "position"]
        extra_kwargs = {"name": {"validators": []}}  # the service checks, case-insensitively


class RuleTestSerializer(serializers.Serializer):
    conditions = serializers.JSONField()
    match = serializers.ChoiceField(choices=Rule.Match.choices, default=Rule.Match.ALL)
    sample = serializers.IntegerField(min_value=1, max_value=MAX_TEST_SAMPLE, default=1000)
    include_owned = serializers.BooleanField(
        default=False, help_text="Test on the brand's own posts too, as a rule opting in would."
    )


class RuleTestResultSerializer(serializers.Serializer):
    matched = serializers.IntegerField()
    sample = serializers.IntegerField()
    examples = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="Mention ids."
    )


class RuleMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=0, help_text="0 is first.")


class RuleViewSet(viewsets.ModelViewSet):
    """Tagging and routing rules, applied in order to every new mention."""

    serializer_class = RuleSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "rule.view",
        "retrieve": "rule.view",
        "test": "rule.manage",
        "create": "rule.manage",
        "update": "rule.manage",
        "partial_update": "rule.manage",
        "destroy": "rule.manage",
        "move": "rule.manage",
    }
    queryset = Rule.objects.all()
    pagination_class = None  # a few dozen rules at most, and their order is the point

    def perform_create(self, serializer):
        serializer.instance = services.rule_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.rule_update(
            actor=self.request.user, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.rule_delete(actor=self.request.user, rule=instance)

    @extend_schema(request=RuleTestSerializer, responses=RuleTestResultSerializer)
    @action(detail=False, methods=["post"])
    def test(self, request):
        """How many of the newest stored mentions these conditions would have matched."""
        data = RuleTestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.rule_test(actor=request.user, **data.validated_data)
        return Response(
            {
                "matched": result.matched,
                "sample": result.sample,
                "examples": [m.pk for m in result.examples],
            }
        )

    @extend_schema(request=RuleMoveSerializer, responses=RuleSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        data = RuleMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.rule_move(
            actor=request.user, rule=self.get_object(), position=data.validated_data["position"]
        )
        return Response(RuleSerializer(rule).data)


# --- Notification channels -------------------------------------------------------------


class NotificationChannelSerializer(serializers.ModelSerializer):
    target = serializers.CharField(
        max_length=2048,
        help_text="E-mail address or http(s) URL. A Slack URL is a secret: it is shown masked, "
        "and sending the masked value back keeps the saved one.",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="HMAC-SHA256 key of generic webhooks; never returned. Empty keeps the saved one.",
    )
    secret_set = serializers.SerializerMethodField()

    class Meta:
        model = NotificationChannel
        fields = [
            "id",
            "team",
            "name",
            "kind",
            "target",
            "secret",
            "secret_set",
            "min_risk",
            "enabled",
            "last_sent_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
        ]
        read_only_fields = [
            "id",
            "last_sent_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
        ]

    def get_secret_set(self, obj) -> bool:
        return bool(obj.secret_encrypted)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["target"] = services.masked_target(instance)
        return data


class ChannelViewSet(viewsets.ModelViewSet):
    """Notification channels of the teams. `test/` queues a test message."""

    serializer_class = NotificationChannelSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "channel.view",
        "retrieve": "channel.view",
        "create": "channel.manage",
        "update": "channel.manage",
        "partial_update": "channel.manage",
        "destroy": "channel.manage",
        "test": "channel.manage",
    }
    filterset_fields = ["team", "kind", "enabled"]
    queryset = selectors.channels()

    def perform_create(self, serializer):
        serializer.instance = services.channel_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.channel_update(
            actor=self.request.user, channel=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.channel_delete(actor=self.request.user, channel=instance)

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "NotificationChannelTestQueued", {"notification": serializers.IntegerField()}
            )
        },
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        notification = services.channel_test(actor=request.user, channel=self.get_object())
        return Response({"notification": notification.pk}, status=status.HTTP_202_ACCEPTED)


# --- Spikes --------------------------------------------------------------------------------


class SpikeSerializer(serializers.ModelSerializer):
    tag = serializers.SlugRelatedField(slug_field="name", read_only=True)
    target = serializers.SerializerMethodField(help_text="The stream's name or the tag's.")

    class Meta:
        model = SpikeAlert
        fields = [
            "id",
            "stream",
            "tag",
            "target",
            "negative_only",
            "window_start",
            "window_end",
            "count",
            "baseline_mean",
            "baseline_std",
            "baseline_windows",
            "zscore",
            "top_mention_ids",
            "top_words",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    def get_target(self, obj) -> str:
        return obj.stream.name if obj.stream_id else obj.tag.name

    def to_representation(self, instance):
        """The top mentions the reader may see, in their order; the others do not exist."""
        data = super().to_representation(instance)
        visible = self._visible_mention_ids()
        data["top_mention_ids"] = [pk for pk in instance.top_mention_ids if pk in visible]
        return data

    def _visible_mention_ids(self) -> set[int]:
        """Of every spike serialized together (a page), in one query."""
        holder = self.parent if self.parent is not None else self
        if not hasattr(holder, "_visible_ids"):
            spikes = holder.instance if self.parent is not None else [self.instance]
            ids = {pk for spike in spikes for pk in spike.top_mention_ids}
            user = self.context["request"].user
            holder._visible_ids = set(
                Mention.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
            )
        return holder._visible_ids


class SpikeViewSet(viewsets.ReadOnlyModelViewSet):
    """Spike alerts, newest first. `acknowledge/` takes an open spike off the active list."""

    serializer_class = SpikeSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "spike.view",
        "retrieve": "spike.view",
        "acknowledge": "spike.acknowledge",
    }
    filterset_class = SpikeFilter
    queryset = selectors.spikes()

    @extend_schema(request=None, responses=SpikeSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        spike = services.spike_acknowledge(actor=request.user, spike=self.get_object())
        return Response(self.get_serializer(spike).data)
