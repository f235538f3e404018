"""Policies through the API: list, read, create and change them, their acknowledgement
completion and the differences between two revisions."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team, User
from accounts.roles import Role
from policies import selectors, services
from policies.diff import diff_texts
from policies.filters import PolicyFilter
from policies.models import Policy
from riskdesk.permissions import can
from riskdesk.rest import ActionPermission


class PolicySerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    audience_teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), many=True, required=False
    )
    audience_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )

    class Meta:
        model = Policy
        fields = [
            "id",
            "title",
            "slug",
            "kind",
            "description",
            "owner",
            "audience_everyone",
            "audience_teams",
            "audience_roles",
            "review_interval_months",
            "next_review_on",
            "review_status",
            "current_revision",
            "acknowledgement_revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "slug",
            "review_status",
            "current_revision",
            "acknowledgement_revision",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"title": {"validators": []}}  # the service checks, case-insensitively


class TeamCompletionSerializer(serializers.Serializer):
    team = serializers.CharField(allow_null=True, help_text="Team slug; null: people in no team.")
    required = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    percent = serializers.IntegerField()


class MissingPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()


class PolicyCompletionSerializer(serializers.Serializer):
    revision = serializers.IntegerField(allow_null=True, help_text="The number to acknowledge.")
    required = serializers.IntegerField()
    acknowledged = serializers.IntegerField()
    percent = serializers.IntegerField()
    teams = TeamCompletionSerializer(many=True)
    missing = MissingPersonSerializer(many=True)


class DiffSegmentSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete"])
    text = serializers.CharField()


class PolicyDiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    words_added = serializers.IntegerField()
    words_removed = serializers.IntegerField()
    inline = DiffSegmentSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="Policies"),
    retrieve=extend_schema(summary="One policy"),
)
class PolicyViewSet(viewsets.ModelViewSet):
    """Policies. Everyone signed in reads them; administrators create and change them."""

    serializer_class = PolicySerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "policy.view",
        "retrieve": "policy.view",
        "create": "policy.manage",
        "update": "policy.manage",
        "partial_update": "policy.manage",
        "completion": "compliance.view",
        "diff": "policy.view",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_class = PolicyFilter
    queryset = Policy.objects.select_related("owner").prefetch_related("audience_teams")

    def perform_create(self, serializer):
        serializer.instance = services.policy_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.policy_update(
            actor=self.request.user, policy=serializer.instance, **serializer.validated_data
        )

    @extend_schema(responses=PolicyCompletionSerializer)
    @action(detail=True, methods=["get"])
    def completion(self, request, pk=None):
        """Who must acknowledge the latest material revision, who did, per team, who is missing."""
        policy = self.get_object()
        people = selectors.directory()
        policy = selectors.policies_for_list().get(pk=policy.pk)
        entry = selectors.acknowledgement_completion([policy], people).get(policy.pk)
        if entry is None:
            data = {"revision": None, "required": 0, "acknowledged": 0, "percent": 100}
            return Response(data | {"teams": [], "missing": []})
        return Response(
            {
                "revision": policy.acknowledgement_revision.number,
                "required": len(entry.required),
                "acknowledged": entry.done_count,
                "percent": entry.percent,
                "teams": [
                    {
                        "team": row.team.slug if row.team else None,
                        "required": row.required,
                        "acknowledged": row.done,
                        "percent": row.percent,
                    }
                    for row in selectors.team_completion(people, entry)
                ],
                "missing": [{"id": p.pk, "name": p.name, "email": p.email} for p in entry.missing],
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("old", int, required=True, description="Revision number."),
            OpenApiParameter("new", int, required=True, description="Revision number."),
        ],
        responses=PolicyDiffSerializer,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """Word-level differences between two revisions, as equal/insert/delete segments."""
        policy = self.get_object()
        revisions = {}
        for name in ("old", "new"):
            number = request.query_params.get(name, "")
            revision = policy.revisions.filter(number=number).first() if number.isdigit() else None
            if revision is None or not can(request.user, "revision.view", revision):
                raise serializers.ValidationError({name: ["No such revision."]})
            revisions[name] = revision
        diff = diff_texts(revisions["old"].body, revisions["new"].body)
        return Response(
            {
                "old": revisions["old"].number,
                "new": revisions["new"].number,
                "words_added": diff.words_added,
                "words_removed": diff.words_removed,
                "inline": [{"op": s.op, "text": s.text} for s in diff.inline],
            }
        )
