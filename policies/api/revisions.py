"""A policy's revisions through the API, nested under the policy (`policies/<id>/revisions`).

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
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from policies import selectors, services
from policies.markdown import render_markdown
from policies.models import (
    OPEN_STATUSES,
    ApprovalRule,
    Policy,
    PolicyRevision,
    RevisionComment,
    RevisionReview,
)
from policies.permissions import MANAGE, REVIEW
from riskdesk.rest import ActionPermission


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
