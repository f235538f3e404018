"""/api/v1/replies/ and /api/v1/moderation/: responding on the networks for clients.

The same services, gates and visibility as the panel: a reply is queued and sent by a
worker (its `state` tells where it is), a moderation step answers with the network's
outcome. Replies to mentions the caller cannot see do not exist for them.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from connections.models import ConnectedAccount
from inbox import services as inbox_services
from inbox.models import MentionReply
from monitoring.models import Mention
from respond import selectors, services
from respond.models import ModerationAction
from riskdesk.rest import ActionPermission


class VisibleMentionMixin:
    """`mention` takes only the mentions the caller may see: another is "does not exist"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["mention"].queryset = Mention.objects.visible_to(request.user)


class ReplySerializer(VisibleMentionMixin, serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(
        queryset=ConnectedAccount.objects.all(),
        required=False,
        allow_null=True,
        help_text="The connected account to send as; null records a reply posted by hand.",
    )
    mention = serializers.PrimaryKeyRelatedField(queryset=Mention.objects.none())
    statement = serializers.IntegerField(
        required=False,
        allow_null=True,
        write_only=True,
        help_text="During a publishing freeze: the cleared holding statement this reply is.",
    )

    class Meta:
        model = MentionReply
        fields = [
            "id",
            "mention",
            "account",
            "body",
            "private",
            "statement",
            "state",
            "attempts",
            "network_id",
            "network_url",
            "error",
            "drafted_at",
            "sent_at",
            "seen_at",
        ]
        read_only_fields = [
            "state",
            "attempts",
            "network_id",
            "network_url",
            "error",
            "drafted_at",
            "sent_at",
            "seen_at",
        ]


class ModerationSerializer(VisibleMentionMixin, serializers.ModelSerializer):
    mention = serializers.PrimaryKeyRelatedField(queryset=Mention.objects.none())
    account = serializers.PrimaryKeyRelatedField(queryset=ConnectedAccount.objects.all())
    reply = serializers.PrimaryKeyRelatedField(
        queryset=MentionReply.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "mention",
            "reply",
            "account",
            "action",
            "reason",
            "outcome",
            "summary",
            "answer",
            "page_url",
            "created_at",
        ]
        read_only_fields = ["outcome", "summary", "answer", "page_url", "created_at"]


class ReplyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The brand's replies, newest first: queued, sending, sent (with the network's id and
    link), failed (with the network's error) or recorded by hand. `?mention=` filters."""

    serializer_class = ReplySerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "mention.view",
        "retrieve": "mention.view",
        "create": "mention.triage",
        "retry": "mention.triage",
    }

    def get_queryset(self):
        replies = MentionReply.objects.filter(
            mention__in=Mention.objects.visible_to(self.request.user)
        ).order_by("-drafted_at", "-id")
        mention = self.request.query_params.get("mention", "")
        return replies.filter(mention_id=mention) if mention.isdigit() else replies

    def perform_create(self, serializer):
        data = serializer.validated_data
        statement = (
            selectors.cleared_statements().filter(pk=data["statement"]).first()
            if data.get("statement")
            else None
        )
        serializer.instance = inbox_services.mention_reply(
            actor=self.request.user,
            mention=data["mention"],
            body=data["body"],
            account=data.get("account"),
            private=data.get("private", False),
            statement=statement,
        )

    @extend_schema(request=None, responses=ReplySerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Send a failed reply again."""
        reply = services.reply_retry(actor=request.user, reply=self.get_object())
        return Response(self.get_serializer(reply).data, status=status.HTTP_202_ACCEPTED)


class ModerationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Hides, deletions of the brand's replies and reports, with the network's answer."""

    serializer_class = ModerationSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "mention.view",
        "retrieve": "mention.view",
        "create": "mention.moderate",
    }

    def get_queryset(self):
        return ModerationAction.objects.filter(
            mention__in=Mention.objects.visible_to(self.request.user)
        ).order_by("-created_at", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.moderate(
            actor=self.request.user,
            mention=data["mention"],
            action=data["action"],
            reason=data["reason"],
            account=data["account"],
            reply=data.get("reply"),
        )
