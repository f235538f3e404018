"""Policies with nested revisions, training modules and training records through the API.

Workflow steps are POST actions on a revision: `submit`, `approve`,
`request-changes`, `publish`, `acknowledge`. The services decide who may do
what to which object (a policy's owner writes, assigned managers review...), so
the viewsets only let signed-in people in and turn the services' answers into
HTTP: PermissionDenied is 403, ValidationError is 400 with field errors.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team, User
from accounts.roles import Role
from policies import selectors, services
from policies.diff import diff_texts
from policies.filters import PolicyFilter, TrainingRecordFilter
from policies.markdown import render_markdown
from policies.models import (
    OPEN_STATUSES,
    ApprovalRule,
    Policy,
    PolicyRevision,
    RevisionComment,
    RevisionReview,
    TrainingModule,
    TrainingRecord,
)
from policies.permissions import MANAGE, REVIEW
from policies.services import training
from policies.services.csv_import import training_records_import
from riskdesk.permissions import can
from riskdesk.rest import ActionPermission

# --- Policies -----------------------------------------------------------------------------


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


# --- Revisions ----------------------------------------------------------------------------


class RevisionReviewSerializer(serializers.ModelSerializer):
    counts = serializers.BooleanField(
        read_only=True, help_text="An approval given on the current text (edits void it)."
    )

    class Meta:
        model = RevisionReview
        fields = ["reviewer", "decision", "decided_at", "counts"]
        read_only_fields = fields


class RevisionCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RevisionComment
        fields = ["id", "author", "body", "line", "line_text", "requests_changes", "created_at"]
        read_only_fields = ["id", "author", "line_text", "requests_changes", "created_at"]


class PolicyRevisionSerializer(serializers.ModelSerializer):
    reviews = RevisionReviewSerializer(many=True, read_only=True)
    body_html = serializers.SerializerMethodField(help_text="The text rendered and sanitized.")

    class Meta:
        model = PolicyRevision
        fields = [
            "id",
            "policy",
            "number",
            "status",
            "body",
            "body_html",
            "summary",
            "material_change",
            "author",
            "approval_rule",
            "reviews",
            "content_digest",
            "submitted_at",
            "approved_at",
            "published_at",
            "superseded_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "policy",
            "number",
            "status",
            "author",
            "approval_rule",
            "reviews",
            "content_digest",
            "submitted_at",
            "approved_at",
            "published_at",
            "superseded_at",
            "created_at",
            "updated_at",
        ]

    def get_body_html(self, obj) -> str:
        return str(render_markdown(obj.body))


class RevisionSubmitSerializer(serializers.Serializer):
    reviewers = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    approval_rule = serializers.ChoiceField(choices=ApprovalRule.choices, default=ApprovalRule.ANY)


class RevisionApproveSerializer(serializers.Serializer):
    content_digest = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        help_text="The revision's content_digest as you read it; a stale one is refused.",
    )


class RevisionRequestChangesSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=services.MAX_COMMENT)
    line = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class PolicyAcknowledgementSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    acknowledged_at = serializers.DateTimeField()
    created = serializers.BooleanField(help_text="False when it was already acknowledged.")


class CurrentRevisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    url = serializers.CharField()


class SupersededSerializer(serializers.Serializer):
    revision = serializers.ListField(child=serializers.CharField())
    current_revision = CurrentRevisionSerializer(allow_null=True)


POLICY_PK = OpenApiParameter("policy_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema(parameters=[POLICY_PK])
@extend_schema_view(
    list=extend_schema(summary="A policy's revisions, newest first"),
    create=extend_schema(summary="Start a draft revision"),
)
class PolicyRevisionViewSet(viewsets.ModelViewSet):
    """A policy's revisions. Drafts and revisions in review are shown to their author, the
    policy's owner, managers and administrators; published ones to everyone."""

    serializer_class = PolicyRevisionSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    # Who may act on which revision is decided by the services (owner, author, assigned
    # reviewer...), which answer 403; this only requires a signed-in person.
    permission_actions = dict.fromkeys(
        [
            "list",
            "retrieve",
            "create",
            "update",
            "partial_update",
            "submit",
            "approve",
            "request_changes",
            "publish",
            "acknowledge",
            "comments",
        ],
        "policy.view",
    )
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    pagination_class = None  # a policy has a handful of revisions

    def get_policy(self) -> Policy:
        if not hasattr(self, "_policy"):
            self._policy = get_object_or_404(
                Policy.objects.select_related("current_revision"), pk=self.kwargs["policy_pk"]
            )
        return self._policy

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PolicyRevision.objects.none()
        user = self.request.user
        queryset = selectors.revision_with_reviews(
            PolicyRevision.objects.filter(policy=self.get_policy())
        ).order_by("-number")
        if user.has_perm(REVIEW) or user.has_perm(MANAGE):
            return queryset
        return queryset.filter(
            ~Q(status__in=OPEN_STATUSES) | Q(author=user) | Q(policy__owner=user)
        )

    def perform_create(self, serializer):
        serializer.instance = services.revision_create(
            actor=self.request.user, policy=self.get_policy(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.revision_update(
            actor=self.request.user, revision=serializer.instance, **serializer.validated_data
        )

    def _answer(self, revision) -> Response:
        revision = self.get_queryset().get(pk=revision.pk)
        return Response(self.get_serializer(revision).data)

    @extend_schema(request=RevisionSubmitSerializer, responses=PolicyRevisionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, policy_pk=None, pk=None):
        """Send a draft to reviewers (managers); `approval_rule`: any or all must approve."""
        data = RevisionSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revision = services.revision_submit(
            actor=request.user, revision=self.get_object(), **data.validated_data
        )
        return self._answer(revision)

    @extend_schema(request=RevisionApproveSerializer, responses=PolicyRevisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, policy_pk=None, pk=None):
        """Approve the text you read (an assigned reviewer, never its author).

        `content_digest` is the revision's `content_digest` as you read it; a stale one is
        refused, so an edit made meanwhile is never approved unread.
        """
        data = RevisionApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.revision_approve(
                actor=request.user, revision=self.get_object(), **data.validated_data
            )
        )

    @extend_schema(request=RevisionRequestChangesSerializer, responses=PolicyRevisionSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, policy_pk=None, pk=None):
        """Send the revision back to draft with a comment, on one line or on the whole."""
        data = RevisionRequestChangesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revision = services.revision_request_changes(
            actor=request.user,
            revision=self.get_object(),
            comment=data.validated_data["comment"],
            line=data.validated_data.get("line"),
        )
        return self._answer(revision)

    @extend_schema(request=None, responses=PolicyRevisionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, policy_pk=None, pk=None):
        """Publish an approved revision; the previous one is superseded."""
        return self._answer(
            services.revision_publish(actor=request.user, revision=self.get_object())
        )

    @extend_schema(
        request=None,
        responses={
            200: PolicyAcknowledgementSerializer,
            201: PolicyAcknowledgementSerializer,
            400: SupersededSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, policy_pk=None, pk=None):
        """Say you read this revision. Again changes nothing (200); a superseded revision is
        refused (400) with `current_revision`, the one to read instead."""
        revision = self.get_object()
        try:
            ack, created = services.acknowledgement_record(actor=request.user, revision=revision)
        except services.SupersededRevision as exc:
            current = exc.current
            return Response(
                {
                    "revision": exc.message_dict["revision"],
                    "current_revision": {
                        "id": current.pk,
                        "number": current.number,
                        "url": reverse(
                            "policy-revision-detail",
                            kwargs={"policy_pk": current.policy_id, "pk": current.pk},
                        ),
                    }
                    if current
                    else None,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "revision": revision.number,
                "acknowledged_at": ack.acknowledged_at,
                "created": created,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=RevisionCommentSerializer(many=True),
        summary="Comments",
    )
    @extend_schema(
        methods=["POST"],
        request=RevisionCommentSerializer,
        responses={201: RevisionCommentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, policy_pk=None, pk=None):
        """Comments on the revision; post one on a line (`line`) or on the whole."""
        revision = self.get_object()
        if request.method == "GET":
            comments = revision.comments.all()
            return Response(RevisionCommentSerializer(comments, many=True).data)
        data = RevisionCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.revision_comment(
            actor=request.user,
            revision=revision,
            body=data.validated_data["body"],
            line=data.validated_data.get("line"),
        )
        return Response(RevisionCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


# --- Training -----------------------------------------------------------------------------


class TrainingModuleSerializer(serializers.ModelSerializer):
    audience_teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), many=True, required=False
    )
    audience_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )
    policy = serializers.PrimaryKeyRelatedField(
        queryset=Policy.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = TrainingModule
        fields = ["id", *training.MODULE_FIELDS, "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"title": {"validators": []}, "code": {"validators": []}}


class TrainingAssignSerializer(serializers.Serializer):
    people = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True)
    due_on = serializers.DateField()


class TrainingAssignedSerializer(serializers.Serializer):
    assigned = serializers.IntegerField()
    due_on = serializers.DateField()


class TrainingModuleViewSet(viewsets.ModelViewSet):
    """Training modules. Everyone reads them; HR and administrators manage them."""

    serializer_class = TrainingModuleSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "training.view",
        "retrieve": "training.view",
        "create": "training.manage",
        "update": "training.manage",
        "partial_update": "training.manage",
        "assign": "training.manage",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = TrainingModule.objects.prefetch_related("audience_teams")

    def perform_create(self, serializer):
        serializer.instance = training.training_module_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = training.training_module_update(
            actor=self.request.user, module=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=TrainingAssignSerializer, responses=TrainingAssignedSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Ask people to complete the module by `due_on`; they are told by e-mail."""
        data = TrainingAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignments = training.training_assign(
            actor=request.user, module=self.get_object(), **data.validated_data
        )
        return Response({"assigned": len(assignments), "due_on": data.validated_data["due_on"]})


class TrainingRecordSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    module = serializers.PrimaryKeyRelatedField(queryset=TrainingModule.objects.all())

    class Meta:
        model = TrainingRecord
        fields = [
            "id",
            "user",
            "module",
            "completed_on",
            "score",
            "evidence",
            "expires_on",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "source", "created_at", "updated_at"]
        validators = []  # the service treats the same completion again as an update


class TrainingImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Line in the file; the header is line 1.")
    field = serializers.CharField()
    message = serializers.CharField()
    value = serializers.CharField()


class TrainingImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected_rows = serializers.IntegerField()
    errors = TrainingImportErrorSerializer(many=True)


class TrainingImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV export of the learning platform.")


class TrainingRecordViewSet(viewsets.ModelViewSet):
    """Training records. Everyone sees their own; HR, managers and administrators see all;
    HR and administrators record completions and import CSV files."""

    serializer_class = TrainingRecordSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "training.view",
        "retrieve": "training.view",
        "create": "training.manage",
        "import_csv": "training.manage",
    }
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = TrainingRecordFilter

    def get_queryset(self):
        queryset = TrainingRecord.objects.select_related("module")
        if getattr(self, "swagger_fake_view", False) or can(self.request.user, "compliance.view"):
            return queryset
        return queryset.filter(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record, outcome = training.training_record_create(
            actor=request.user, source="api", **serializer.validated_data
        )
        return Response(
            self.get_serializer(record).data,
            status=status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK,
        )

    @extend_schema(request={"multipart/form-data": TrainingImportRequestSerializer},
                   responses=TrainingImportReportSerializer)  # fmt: skip
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
    )
    def import_csv(self, request):
        """Import a learning platform's CSV. Good rows are kept, bad rows reported by line."""
        data = TrainingImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = training_records_import(actor=request.user, content=data.validated_data["file"])
        return Response(
            {
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected_rows": report.rejected_rows,
                "errors": [
                    {"row": e.row, "field": e.field, "message": e.message, "value": e.value}
                    for e in report.errors
                ],
            }
        )
