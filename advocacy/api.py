"""/api/v1/library/ and /api/v1/shares/: the same services as the pages.

Refusals say why: the training gate answers 403 with what is missing, a post that cannot
be shared now (legal, a freeze, its status) 409, invalid input 400.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from advocacy import selectors, services
from advocacy.models import COPY, SHARE_CHANNELS, LibraryPost, Share, ShareTarget
from compliance.models import Market
from riskdesk.rest import ActionPermission, IdField

problem = inline_serializer(
    "AdvocacyProblem",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "missing": serializers.ListField(child=serializers.DictField(), required=False),
    },
)


def _refusal(exc) -> Response | None:
    if isinstance(exc, services.NotReady):
        return Response(
            {
                "detail": exc.readiness.reason,
                "code": "not_ready",
                "missing": [
                    {"code": m.code, "message": m.message, "url": m.url}
                    for m in exc.readiness.missing
                ],
            },
            status=status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, services.Conflict):
        return Response(
            {"detail": " ".join(exc.messages), "code": exc.code or "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    return None


class LibraryPostSerializer(serializers.ModelSerializer):
    text = serializers.CharField(trim_whitespace=False)
    link = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    networks = serializers.ListField(child=serializers.ChoiceField(choices=ShareTarget.choices))
    markets = serializers.ListField(child=serializers.ChoiceField(choices=Market.choices))
    needs_legal = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(
        required=False, help_text="On update: the version you read. A stale one is refused (409)."
    )
    shareable = serializers.SerializerMethodField(
        help_text="Empty when the post can be shared now; otherwise why not."
    )
    legal = serializers.SerializerMethodField()

    class Meta:
        model = LibraryPost
        fields = [
            "id",
            *services.FIELDS,
            "claims",
            "status",
            "version",
            "content_digest",
            "clearance",
            "legal",
            "shareable",
            "created_at",
            "updated_at",
            "available_at",
        ]
        read_only_fields = [
            "id",
            "claims",
            "status",
            "content_digest",
            "clearance",
            "created_at",
            "updated_at",
            "available_at",
        ]

    def get_shareable(self, post) -> str:
        return selectors.share_block(post)

    def get_legal(self, post) -> dict | None:
        state = selectors.legal_state(post)
        if state is None:
            return None
        return {
            "cleared": state["cleared"],
            "reason": state["reason"],
            "detail": state["detail"],
            "status": state["status"],
            "expires_at": state["expires_at"],
        }


class LibraryPostViewSet(viewsets.ModelViewSet):
    """The advocacy library. Everyone lists the available posts; curators every post, and
    write, `ask-legal`, `publish` (make available) and `retire`."""

    serializer_class = LibraryPostSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "library_post.view",
        "retrieve": "library_post.view",
        "create": "library_post.curate",
        "update": "library_post.curate",
        "partial_update": "library_post.curate",
        "destroy": "library_post.curate",
        "ask_legal": "library_post.curate",
        "publish": "library_post.curate",
        "retire": "library_post.curate",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LibraryPost.objects.none()
        return selectors.library_for(self.request.user)

    def handle_exception(self, exc):
        return _refusal(exc) or super().handle_exception(exc)

    def list(self, request, *args, **kwargs):
        services.library_posts_sync()
        return super().list(request, *args, **kwargs)

    def _fresh(self, post) -> dict:
        return LibraryPostSerializer(
            selectors.library_posts().get(pk=post.pk), context=self.get_serializer_context()
        ).data

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.library_post_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.library_post_update(
            actor=self.request.user, post=serializer.instance, **data
        )

    def perform_destroy(self, instance):
        services.library_post_delete(actor=self.request.user, post=instance)

    @extend_schema(request=None, responses={200: LibraryPostSerializer, 409: problem})
    @action(detail=True, methods=["post"], url_path="ask-legal")
    def ask_legal(self, request, pk=None):
        post = services.library_post_ask_legal(actor=request.user, post=self.get_object())
        return Response(self._fresh(post))

    @extend_schema(request=None, responses={200: LibraryPostSerializer, 409: problem})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        post = services.library_post_publish(actor=request.user, post=self.get_object())
        return Response(self._fresh(post))

    @extend_schema(request=None, responses={200: LibraryPostSerializer, 409: problem})
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        post = services.library_post_retire(actor=request.user, post=self.get_object())
        return Response(self._fresh(post))


class ShareSerializer(serializers.ModelSerializer):
    post = IdField(source="post_id", help_text="The library post to share.")
    network = serializers.ChoiceField(choices=SHARE_CHANNELS)
    market = serializers.ChoiceField(choices=Market.choices)
    instance = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Mastodon only: your server, e.g. mastodon.social.",
    )
    tracked_url = serializers.SerializerMethodField()
    share_url = serializers.SerializerMethodField(
        help_text="The network's share dialog, prefilled (empty for a copied text)."
    )

    class Meta:
        model = Share
        fields = [
            "id",
            "post",
            "network",
            "market",
            "instance",
            "text",
            "text_digest",
            "tracked_url",
            "share_url",
            "user",
            "team",
            "clicks",
            "shared_at",
        ]
        read_only_fields = ["id", "text", "text_digest", "user", "team", "clicks", "shared_at"]

    def get_tracked_url(self, share) -> str:
        return services.tracked_url(share) if share.link else ""

    def get_share_url(self, share) -> str:
        return services.share_url(share) if share.network != COPY else ""


class ShareViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Shares: create one (post, network, market) to get the text and the share address;
    list your own (curators: everyone's)."""

    serializer_class = ShareSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "share.create",
        "retrieve": "share.view",
        "create": "share.create",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Share.objects.none()
        return selectors.shares_for(self.request.user)

    def handle_exception(self, exc):
        return _refusal(exc) or super().handle_exception(exc)

    @extend_schema(responses={201: ShareSerializer, 400: problem, 403: problem, 409: problem})
    def create(self, request, *args, **kwargs):
        body = ShareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        post = selectors.library_for(request.user).filter(pk=data["post_id"]).first()
        if post is None:
            raise serializers.ValidationError({"post": [_("No such post in the library.")]})
        share = services.share_create(
            actor=request.user,
            post=post,
            network=data["network"],
            market=data["market"],
            instance=data.get("instance", ""),
        )
        return Response(ShareSerializer(share).data, status=status.HTTP_201_CREATED)
