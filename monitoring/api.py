"""Streams and mentions through the API; the ingest and webhook endpoints.

The connected accounts streams sign in with are at /api/v1/connected-accounts/ (connections.api).
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Team
from connections.models import ConnectedAccount
from monitoring import services
from monitoring.connectors import (
    connector_choices,
    pushed_connectors,
)
from monitoring.connectors import meta as meta_webhooks
from monitoring.connectors.base import NormalizedMention
from monitoring.enrichment import KEYWORD_CODES
from monitoring.filters import StreamFilter
from monitoring.models import KeywordList, Platform, Stream, WatchedAuthor
from riskdesk.permissions import require
from riskdesk.rest import ActionPermission

MAX_INGEST_BATCH = 1000


class StreamSerializer(serializers.ModelSerializer):
    connector = serializers.ChoiceField(choices=connector_choices())
    credential = serializers.PrimaryKeyRelatedField(
        queryset=ConnectedAccount.objects.all(),
        allow_null=True,
        required=False,
        help_text="The id of the connected account (of the stream's connector) it signs in with.",
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Stream
        fields = [
            "id",
            *services.STREAM_FIELDS,
            "status",
            "cursor",
            "next_poll_at",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
            "mentions_found",
            "webhook_url",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "cursor",
            "next_poll_at",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
            "mentions_found",
            "webhook_url",
            "created_at",
        ]

    def get_webhook_url(self, obj) -> str | None:
        if obj.connector in pushed_connectors():
            return self.context["request"].build_absolute_uri(
                f"/api/v1/webhooks/meta/{obj.webhook_key}/"
            )
        return None


class StreamViewSet(viewsets.ModelViewSet):
    """Streams: saved searches polled on a network. `poll/` queues a poll at once.

    Choosing or changing a stream's `credential` (a connected account) or `base_url` takes
    connected_account.manage (403 otherwise); an account's secret is sent only to its
    network's API hosts and the hosts allowed on it, and a stream moved to another host
    loses an account not allowed there.
    """

    serializer_class = StreamSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "stream.view",
        "retrieve": "stream.view",
        "create": "stream.create",
        "update": "stream.change",
        "partial_update": "stream.change",
        "destroy": "stream.delete",
        "poll": "stream.poll",
    }
    filterset_class = StreamFilter
    queryset = Stream.objects.select_related("credential", "team")

    def perform_create(self, serializer):
        serializer.instance = services.stream_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.stream_update(
            actor=self.request.user, stream=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.stream_delete(actor=self.request.user, stream=instance)

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer("PollQueued", {"queued": serializers.BooleanField()}),
            409: inline_serializer("PollBusy", {"queued": serializers.BooleanField()}),
        },
    )
    @action(detail=True, methods=["post"])
    def poll(self, request, pk=None):
        queued = services.stream_poll_now(actor=request.user, stream=self.get_object())
        return Response(
            {"queued": queued},
            status=status.HTTP_202_ACCEPTED if queued else status.HTTP_409_CONFLICT,
        )


class IngestItemSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField(max_length=255)
    text = serializers.CharField(trim_whitespace=False)
    published_at = serializers.DateTimeField()
    url = serializers.URLField(max_length=2048, required=False, allow_blank=True, default="")
    author_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    author_handle = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    author_name = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    author_followers = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, required=False, allow_null=True
    )
    author_verified = serializers.BooleanField(required=False, default=False)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    parent_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    raw = serializers.DictField(required=False, default=dict)


ingest_result = inline_serializer(
    "IngestResult",
    {
        "stored": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "invalid": serializers.IntegerField(),
        "items": serializers.ListField(child=serializers.DictField()),
    },
)


class IngestView(APIView):
    """Mentions pushed by any listening tool: a JSON list, answered item by item.

    Each item is `stored` (with its id), `duplicate` (already known, or twice in
    the batch) or `invalid` (with its field errors); invalid items do not stop
    the valid ones.
    """

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=IngestItemSerializer(many=True), responses={200: ingest_result})
    def post(self, request):
        require(request.user, "mention.ingest")
        items = request.data
        if not isinstance(items, list):
            return Response(
                {"detail": _("Send a JSON list of mentions.")}, status=status.HTTP_400_BAD_REQUEST
            )
        if len(items) > MAX_INGEST_BATCH:
            return Response(
                {"detail": _("At most %d mentions per request.") % MAX_INGEST_BATCH},
                status=status.HTTP_400_BAD_REQUEST,
            )
        answers: list[dict] = []
        valid: list[tuple[int, NormalizedMention]] = []
        for index, item in enumerate(items):
            serializer = IngestItemSerializer(data=item if isinstance(item, dict) else None)
            if isinstance(item, dict) and serializer.is_valid():
                mention = NormalizedMention(**serializer.validated_data)
                if not mention.text.strip():
                    answers.append(_invalid(index, item, {"text": [_("Empty text.")]}))
                    continue
                valid.append((index, mention))
                answers.append({"index": index})
            else:
                errors = (
                    serializer.errors
                    if isinstance(item, dict)
                    else {"non_field_errors": [_("Each item must be a JSON object.")]}
                )
                answers.append(_invalid(index, item, errors))
        result = services.mentions_ingest(actor=request.user, mentions=[m for _, m in valid])
        stored = dict(zip(result.stored, result.ids, strict=True))
        for index, mention in valid:
            if mention.key in stored:
                answers[index] |= {"status": "stored", "id": stored.pop(mention.key)}
            else:
                answers[index] |= {"status": "duplicate"}
            answers[index] |= {"platform": mention.platform, "external_id": mention.external_id}
        counts = {s: sum(a["status"] == s for a in answers) for s in ("stored", "duplicate")}
        return Response(
            {
                "stored": counts["stored"],
                "duplicates": counts["duplicate"],
                "invalid": len(answers) - counts["stored"] - counts["duplicate"],
                "items": answers,
            }
        )


def _invalid(index: int, item, errors) -> dict:
    answer = {"index": index, "status": "invalid", "errors": errors}
    if isinstance(item, dict):
        answer |= {"platform": item.get("platform"), "external_id": item.get("external_id")}
    return answer


class MetaWebhookView(APIView):
    """Meta's callback for one stream: the subscription handshake and signed deliveries."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    def _stream(self, key) -> Stream:
        return get_object_or_404(
            Stream.objects.select_related("credential"), webhook_key=key, connector="meta"
        )

    @extend_schema(exclude=True)
    def get(self, request, key):
        stream = self._stream(key)
        secret = stream.credential.secret if stream.credential_id else {}
        challenge = meta_webhooks.verify_handshake(
            request.query_params, secret.get("verify_token", "")
        )
        if challenge is None:
            return HttpResponse("verify token mismatch", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")

    @extend_schema(exclude=True)
    def post(self, request, key):
        stream = self._stream(key)
        secret = stream.credential.secret if stream.credential_id else {}
        body = request.body
        signature = request.headers.get("X-Hub-Signature-256")
        if not secret.get("app_secret") or not meta_webhooks.verify_signature(
            body, signature, secret["app_secret"]
        ):
            return Response({"detail": _("Invalid signature.")}, status=401)
        services.webhook_receive(stream=stream, body=body)
        return Response({"received": True})


# --- API ------------------------------------------------------------------------------


class KeywordListSerializer(serializers.ModelSerializer):
    code = serializers.ChoiceField(choices=KEYWORD_CODES)
    term_count = serializers.SerializerMethodField()

    class Meta:
        model = KeywordList
        fields = ["id", "code", "language", "terms", "term_count", "updated_at"]
        read_only_fields = ["id", "term_count", "updated_at"]
        validators = []  # the service upserts on (code, language)

    def get_term_count(self, obj) -> int:
        return len(obj.term_list)

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("code", "language"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("A list keeps its reason and language; edit its terms.")}
                    )
        return attrs


class KeywordListViewSet(viewsets.ModelViewSet):
    """Risk keyword lists, one per reason and language; terms one a line."""

    serializer_class = KeywordListSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "keywords.view",
        "retrieve": "keywords.view",
        "create": "keywords.manage",
        "update": "keywords.manage",
        "partial_update": "keywords.manage",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = KeywordList.objects.all()

    def perform_create(self, serializer):
        data = serializer.validated_data
        if KeywordList.objects.filter(code=data["code"], language=data["language"]).exists():
            raise ValidationError({"language": _("This list exists: change its terms instead.")})
        serializer.instance = services.keyword_list_update(actor=self.request.user, **data)

    def perform_update(self, serializer):
        instance = serializer.instance
        serializer.instance = services.keyword_list_update(
            actor=self.request.user,
            code=instance.code,
            language=instance.language,
            terms=serializer.validated_data.get("terms", instance.terms),
        )


class WatchedAuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchedAuthor
        fields = ["id", "platform", "author_id", "author_handle", "reason", "added_at"]
        read_only_fields = ["id", "added_at"]
        validators = []  # the service refuses duplicates with its own message


class WatchedAuthorViewSet(viewsets.ModelViewSet):
    """Authors whose every mention counts as risky."""

    serializer_class = WatchedAuthorSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = dict.fromkeys(
        ["list", "retrieve", "create", "destroy"], "watchlist.manage"
    )
    http_method_names = ["get", "post", "delete", "head", "options"]
    queryset = WatchedAuthor.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.watched_author_add(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.watched_author_remove(actor=self.request.user, watched=instance)
