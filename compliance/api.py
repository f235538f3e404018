"""/api/v1/sponsored-posts/: the same services as the pages, for clients and publishing tools."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance import selectors, services
from compliance.checks import describe
from compliance.content import planned_iso
from compliance.filters import SponsoredPostFilter
from compliance.models import (
    AccountKind,
    ApprovalRule,
    Comment,
    Decision,
    DecisionOutcome,
    Market,
    PostMedia,
    SponsoredPost,
)
from offboarding.models import BrandAccount
from riskdesk.networks import Platform
from riskdesk.rest import ActionPermission, IdListField


class MediaSerializer(serializers.ModelSerializer):
    class Meta:
        model = PostMedia
        fields = [
            "id",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "width",
            "height",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = [
            "id",
            "reviewer",
            "reviewer_label",
            "outcome",
            "comment",
            "content_digest",
            "decided_at",
            "expires_at",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields


class CheckSerializer(serializers.Serializer):
    check = serializers.CharField()
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning", "info", "pass"])
    rule = serializers.CharField()
    message = serializers.CharField()
    excerpt = serializers.CharField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)


class SponsoredPostSerializer(serializers.ModelSerializer):
    text = serializers.CharField(
        trim_whitespace=False, help_text="Exactly as published: it is part of the content digest."
    )
    platform = serializers.ChoiceField(choices=Platform.choices)
    account_kind = serializers.ChoiceField(choices=AccountKind.choices, default=AccountKind.BRAND)
    brand_account = serializers.PrimaryKeyRelatedField(
        queryset=BrandAccount.objects.all(), allow_null=True, required=False
    )
    markets = serializers.ListField(child=serializers.ChoiceField(choices=Market.choices))
    links = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list
    )
    approval_rule = serializers.ChoiceField(choices=ApprovalRule.choices, default=ApprovalRule.ANY)
    reviewers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=get_user_model().objects.all(), required=False
    )
    version = serializers.IntegerField(
        required=False,
        help_text="On update: the version you read. A stale one is refused (409).",
    )
    remove_media = IdListField(write_only=True, required=False)
    checks = serializers.SerializerMethodField()
    media = MediaSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    cleared = serializers.SerializerMethodField(
        help_text="Whether the current content is approved and the approval holds now."
    )

    class Meta:
        model = SponsoredPost
        fields = [
            "id",
            *services.POST_FIELDS,
            "remove_media",
            "status",
            "version",
            "content_digest",
            "approved_digest",
            "approved_at",
            "approval_expires_at",
            "cleared",
            "checks",
            "check_errors",
            "check_warnings",
            "media",
            "contract_name",
            "contract_sha256",
            "decisions",
            "author",
            "created_at",
            "updated_at",
            "submitted_at",
            "scheduled_at",
            "published_at",
            "published_url",
        ]
        read_only_fields = [
            "id",
            "status",
            "content_digest",
            "approved_digest",
            "approved_at",
            "approval_expires_at",
            "check_errors",
            "check_warnings",
            "contract_name",
            "contract_sha256",
            "author",
            "created_at",
            "updated_at",
            "submitted_at",
            "scheduled_at",
            "published_at",
            "published_url",
        ]

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, obj) -> list[dict]:
        return [
            {k: item[k] for k in CheckSerializer().fields}
            for item in describe(obj.checks, obj.text)
        ]

    def get_cleared(self, obj) -> bool:
        return services.is_cleared(obj)


class DecideSerializer(serializers.Serializer):
    content_digest = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        help_text="The content_digest of the version you read; a stale one is refused (409).",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to reject or request changes, and to approve despite failing checks.",
    )


class PublishSerializer(serializers.Serializer):
    url = serializers.URLField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.ModelSerializer):
    mentioned = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "author_label", "body", "mentioned", "created_at"]
        read_only_fields = ["id", "author", "author_label", "mentioned", "created_at"]


class ClearanceContentSerializer(serializers.Serializer):
    """The content a publishing tool is about to publish, or its digest."""

    digest = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False)
    text = serializers.CharField(required=False, trim_whitespace=False, allow_blank=True)
    media = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    links = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    account = serializers.CharField(
        required=False, help_text="network:@handle, e.g. instagram:@lumora"
    )
    planned_at = serializers.CharField(required=False)

    def validate(self, attrs):
        if attrs.get("digest"):
            return attrs
        missing = [f for f in ("text", "account", "planned_at") if f not in attrs]
        if missing:
            raise serializers.ValidationError(
                {f: [_("Send the digest, or the text, account and planned_at.")] for f in missing}
            )
        planned = parse_datetime(attrs["planned_at"])
        if planned is None:
            raise serializers.ValidationError({"planned_at": [_("Not an ISO 8601 date and time.")]})
        if timezone.is_naive(planned):
            planned = timezone.make_aware(planned)
        attrs["planned_at"] = planned_iso(planned)
        return attrs

    def digest_sent(self) -> str | None:
        """The digest sent, if any (lower case)."""
        digest = self.validated_data.get("digest")
        return digest.lower() if digest else None

    def published(self) -> dict:
        """The content sent, as compliance.content.published_part gives it for a post."""
        data = self.validated_data
        network, _sep, handle = data["account"].strip().partition(":")
        return {
            "text": data["text"],
            "media": [m.strip().lower() for m in data["media"]],
            "links": [link.strip() for link in data["links"] if link.strip()],
            "account": f"{network.strip().lower()}:@{handle.strip().lstrip('@').casefold()}",
            "planned_at": data["planned_at"],
        }


clearance_answer = inline_serializer(
    "Clearance",
    {
        "cleared": serializers.BooleanField(),
        "reason": serializers.ChoiceField(
            choices=["cleared", "not_approved", "content_mismatch", "expired", "frozen"]
        ),
        "detail": serializers.CharField(),
        "status": serializers.CharField(),
        "content_digest": serializers.CharField(
            allow_null=True,
            help_text="The digest asked about; null when the content sent is not the post's.",
        ),
        "approved_digest": serializers.CharField(allow_null=True),
        "expires_at": serializers.DateTimeField(allow_null=True),
        "freeze": serializers.CharField(allow_null=True),
    },
)
conflict = inline_serializer(
    "Conflict", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


class SponsoredPostViewSet(viewsets.ModelViewSet):
    """Sponsored and influencer posts. Workflow steps are POST actions on a post.

    Decisions (`approve`, `request-changes`, `reject`) name the `content_digest`
    they were taken on; a stale digest, a wrong state or a publishing freeze
    answers 409 with the reason. `clearance` tells a publishing tool whether the
    exact content it holds is cleared right now.
    """

    serializer_class = SponsoredPostSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "sponsored_post.view",
        "retrieve": "sponsored_post.view",
        "create": "sponsored_post.create",
        "update": "sponsored_post.change",
        "partial_update": "sponsored_post.change",
        "submit": "sponsored_post.submit",
        "approve": "sponsored_post.review",
        "request_changes": "sponsored_post.review",
        "reject": "sponsored_post.review",
        "schedule": "sponsored_post.publish",
        "publish": "sponsored_post.publish",
        "comments": "sponsored_post.comment",
        "media": "sponsored_post.change",
        "clearance": "sponsored_post.view",
        "evidence": "sponsored_post.view",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_class = SponsoredPostFilter
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    def get_queryset(self):
        return selectors.posts().prefetch_related("media", "reviewers", "decisions")

    def handle_exception(self, exc):
        if isinstance(exc, services.Conflict):
            return Response(
                {"detail": " ".join(exc.messages), "code": exc.code or "conflict"},
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)

    def _fresh(self, post) -> dict:
        return SponsoredPostSerializer(
            self.get_queryset().get(pk=post.pk), context=self.get_serializer_context()
        ).data

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        data.pop("remove_media", None)
        serializer.instance = services.sponsored_post_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.sponsored_post_update(
            actor=self.request.user, post=serializer.instance, **serializer.validated_data
        )

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = self._fresh(self.get_object())
        return response

    @extend_schema(request=None, responses={200: SponsoredPostSerializer, 409: conflict})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        post = services.sponsored_post_submit(actor=request.user, post=self.get_object())
        return Response(self._fresh(post))

    def _decide(self, request, outcome):
        post = self.get_object()
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.sponsored_post_decide(
            actor=request.user, post=post, outcome=outcome, **body.validated_data
        )
        return Response(self._fresh(post))

    @extend_schema(
        request=DecideSerializer, responses={200: SponsoredPostSerializer, 409: conflict}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, DecisionOutcome.APPROVED)

    @extend_schema(
        request=DecideSerializer, responses={200: SponsoredPostSerializer, 409: conflict}
    )
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        return self._decide(request, DecisionOutcome.CHANGES_REQUESTED)

    @extend_schema(
        request=DecideSerializer, responses={200: SponsoredPostSerializer, 409: conflict}
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, DecisionOutcome.REJECTED)

    @extend_schema(request=None, responses={200: SponsoredPostSerializer, 409: conflict})
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        post = services.sponsored_post_schedule(actor=request.user, post=self.get_object())
        return Response(self._fresh(post))

    @extend_schema(
        request=PublishSerializer, responses={200: SponsoredPostSerializer, 409: conflict}
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        post = self.get_object()
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.sponsored_post_publish(actor=request.user, post=post, **body.validated_data)
        return Response(self._fresh(post))

    @extend_schema(methods=["GET"], request=None, responses={200: CommentSerializer(many=True)})
    @extend_schema(methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        post = self.get_object()
        if request.method == "GET":
            items = Comment.objects.filter(post=post).prefetch_related("mentioned")
            return Response(CommentSerializer(items, many=True).data)
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.comment_add(
            actor=request.user, post=post, body=body.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "MediaUpload", {"file": serializers.FileField()}
            )
        },
        responses={200: SponsoredPostSerializer, 400: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"])
    def media(self, request, pk=None):
        """Add images or videos (multipart, field `file`, repeatable)."""
        files = request.FILES.getlist("file")
        if not files:
            return Response(
                {"file": [_("Send one or more files in the field “file”.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        post = services.sponsored_post_update(
            actor=request.user, post=self.get_object(), media=files
        )
        return Response(self._fresh(post))

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter("digest", str, description="SHA-256 of the canonical content"),
            OpenApiParameter("text", str),
            OpenApiParameter("media", str, many=True, description="SHA-256 of each media file"),
            OpenApiParameter("links", str, many=True),
            OpenApiParameter("account", str, description="network:@handle"),
            OpenApiParameter("planned_at", str, description="ISO 8601"),
        ],
        responses={200: clearance_answer},
    )
    @extend_schema(
        methods=["POST"], request=ClearanceContentSerializer, responses={200: clearance_answer}
    )
    @action(detail=True, methods=["get", "post"])
    def clearance(self, request, pk=None):
        """Is this exact content cleared right now? The answer compares content digests."""
        post = self.get_object()
        if request.method == "GET":
            data = {
                k: request.query_params.get(k) for k in ("digest", "text", "account", "planned_at")
            }
            data = {k: v for k, v in data.items() if v is not None}
            data["media"] = request.query_params.getlist("media")
            data["links"] = request.query_params.getlist("links")
        else:
            data = request.data
        body = ClearanceContentSerializer(data=data)
        body.is_valid(raise_exception=True)
        digest = body.digest_sent()
        return Response(selectors.clearance(post, digest, None if digest else body.published()))

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        """The full decision record: content, checks, decisions on their digests, comments."""
        return Response(selectors.evidence_record(selectors.post_detail(self.get_object().pk)))
