"""Pages and API routes of rules; included by riskdesk/urls.py.

The API is thin over monitoring.rules: the serializers only shape JSON, the
services validate (their ValidationErrors become 400s with field errors).
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from monitoring import rule_views, rules
from monitoring.models import Rule
from riskdesk.rest import ActionPermission


class RuleSerializer(serializers.ModelSerializer):
    conditions = serializers.JSONField(
        help_text='[{"field": ..., "op": ..., "value": ...}]; see the fields in monitoring.rules.'
    )
    actions = serializers.JSONField(
        help_text='{"tags": [names], "team": id, "priority": 1..4, "notify": bool}'
    )

    class Meta:
        model = Rule
        fields = ["id", "name", "position", "enabled", "match", "conditions", "actions", "stop"]
        read_only_fields = ["id", "position"]
        extra_kwargs = {"name": {"validators": []}}  # the service checks, case-insensitively


class RuleTestSerializer(serializers.Serializer):
    conditions = serializers.JSONField()
    match = serializers.ChoiceField(choices=Rule.Match.choices, default=Rule.Match.ALL)
    sample = serializers.IntegerField(min_value=1, max_value=rules.MAX_TEST_SAMPLE, default=1000)


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
        serializer.instance = rules.rule_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = rules.rule_update(
            actor=self.request.user, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        rules.rule_delete(actor=self.request.user, rule=instance)

    @extend_schema(request=RuleTestSerializer, responses=RuleTestResultSerializer)
    @action(detail=False, methods=["post"])
    def test(self, request):
        """How many of the newest stored mentions these conditions would have matched."""
        data = RuleTestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = rules.rule_test(actor=request.user, **data.validated_data)
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
        rule = rules.rule_move(
            actor=request.user, rule=self.get_object(), position=data.validated_data["position"]
        )
        return Response(RuleSerializer(rule).data)


urlpatterns = [
    path("rules/", rule_views.rule_list, name="rule_list"),
    path("rules/new/", rule_views.rule_form, name="rule_create"),
    path("rules/<int:pk>/edit/", rule_views.rule_form, name="rule_edit"),
    path("rules/<int:pk>/move/", rule_views.rule_move, name="rule_move"),
    path("rules/<int:pk>/enabled/", rule_views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete/", rule_views.rule_delete, name="rule_delete"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [("rules", RuleViewSet, "rule")]
