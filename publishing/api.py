"""/api/v1/posts/: the brand's posts, with the same services and gates as the calendar."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team
from compliance.models import Market, SponsoredPost
from connections.models import ConnectedAccount
from publishing import selectors, services
from publishing.models import BrandPost, Delivery, LegalRule
from riskdesk.rest import ActionPermission, IdField, IdListField


class DeliverySerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "account",
            "account_name",
            "state",
            "attempts",
            "next_attempt_at",
            "sent_version",
            "sent_text",
            "network_id",
            "network_url",
            "error",
            "sent_at",
        ]
        read_only_fields = fields


class BrandPostSerializer(serializers.ModelSerializer):
    accounts = IdListField(write_only=True, required=False)
    markets = serializers.ListField(
        child=serializers.ChoiceField(choices=Market.choices), required=False
    )
    schedule = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text="Schedule it at once."
    )
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one is refused."
    )
    deliveries = DeliverySerializer(many=True, read_only=True)
    body = serializers.CharField(read_only=True, help_text="The text as published.")
    legal_status = serializers.CharField(source="clearance.status", read_only=True, default=None)
    held_incident = serializers.IntegerField(
        source="held_freeze.incident_id", read_only=True, default=None
    )

    class Meta:
        model = BrandPost
        fields = [
            "id",
            "title",
            "text",
            "link",
            "body",
            "scheduled_at",
            "status",
            "version",
            "sponsored",
            "ask_legal",
            "markets",
            "legal_reasons",
            "clearance",
            "legal_status",
            "held_reason",
            "held_detail",
            "held_incident",
            "held_at",
            "author",
            "accounts",
            "schedule",
            "deliveries",
            "created_at",
            "updated_at",
            "published_at",
        ]
        read_only_fields = [
            "status",
            "legal_reasons",
            "clearance",
            "held_reason",
            "held_detail",
            "held_at",
            "author",
            "created_at",
            "updated_at",
            "published_at",
        ]

    def validate_accounts(self, ids):
        found = {a.pk: a for a in ConnectedAccount.objects.filter(pk__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise serializers.ValidationError(_("Unknown account: %(ids)s") % {"ids": missing})
        return [found[i] for i in dict.fromkeys(ids)]


class ReleaseSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.Release.CHOICES)
    when = serializers.DateTimeField(required=False, help_text="The new time, to reschedule.")


class FromReviewSerializer(serializers.Serializer):
    review = serializers.PrimaryKeyRelatedField(queryset=SponsoredPost.objects.all())
    account = serializers.PrimaryKeyRelatedField(queryset=ConnectedAccount.objects.all())


class RetrySerializer(serializers.Serializer):
    delivery = IdField()


class BrandPostViewSet(viewsets.ModelViewSet):
    """The brand's posts. `schedule`, `unschedule`, `release` (a held post: publish,
    reschedule or drop) and `retry` (a failed delivery) are POST actions on a post; the
    gates refuse with 400 and the reason."""

    serializer_class = BrandPostSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_actions = {
        "list": "brand_post.view",
        "retrieve": "brand_post.view",
        "create": "brand_post.write",
        "partial_update": "brand_post.write",
        "schedule": "brand_post.write",
        "unschedule": "brand_post.write",
        "release": "brand_post.write",
        "retry": "brand_post.write",
        "from_review": "brand_post.write",
    }

    def get_queryset(self):
        queryset = selectors.posts().order_by("scheduled_at", "pk")
        status = self.request.query_params.get("status")
        return queryset.filter(status=status) if status else queryset

    def _fresh(self, post) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=post.pk)).data

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.post_create(
            actor=self.request.user, accounts=data.pop("accounts", []), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("schedule", None)
        serializer.instance = services.post_update(
            actor=self.request.user, post=serializer.instance, **data
        )

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = self._fresh(self.get_queryset().get(pk=response.data["id"]))
        return response

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return Response(self._fresh(self.get_object()))

    @extend_schema(request=None, responses={200: BrandPostSerializer})
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        post = services.post_schedule(actor=request.user, post=self.get_object())
        return Response(self._fresh(post))

    @extend_schema(request=None, responses={200: BrandPostSerializer})
    @action(detail=True, methods=["post"])
    def unschedule(self, request, pk=None):
        post = services.post_unschedule(actor=request.user, post=self.get_object())
        return Response(self._fresh(post))

    @extend_schema(request=ReleaseSerializer, responses={200: BrandPostSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.post_release(
            actor=request.user, post=self.get_object(), **body.validated_data
        )
        return Response(self._fresh(post))

    @extend_schema(request=FromReviewSerializer, responses={201: BrandPostSerializer})
    @action(detail=False, methods=["post"], url_path="from-review")
    def from_review(self, request):
        """Put a sponsored post legal reviews (compliance) on the calendar as an account."""
        body = FromReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = services.post_from_review(actor=request.user, **body.validated_data)
        return Response(self._fresh(post), status=201)

    @extend_schema(request=RetrySerializer, responses={200: BrandPostSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        post = self.get_object()
        body = RetrySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        delivery = post.deliveries.filter(pk=body.validated_data["delivery"]).first()
        if delivery is None:
            raise serializers.ValidationError({"delivery": [_("Not a delivery of this post.")]})
        services.delivery_retry(actor=request.user, delivery=delivery)
        return Response(self._fresh(post))


class LegalRuleSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    accounts = serializers.PrimaryKeyRelatedField(
        queryset=ConnectedAccount.objects.all(), many=True, required=False
    )

    class Meta:
        model = LegalRule
        fields = ["id", "name", "team", "accounts", "terms", "is_active", "updated_at"]
        read_only_fields = ["updated_at"]


class LegalRuleViewSet(viewsets.ModelViewSet):
    """Teams' rules: the posts a rule matches (by account, by term) need legal's approval."""

    serializer_class = LegalRuleSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_actions = {
        "list": "legal_rule.view",
        "retrieve": "legal_rule.view",
        "create": "legal_rule.manage",
        "partial_update": "legal_rule.manage",
    }
    queryset = LegalRule.objects.select_related("team").prefetch_related("accounts")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.legal_rule_save(
            actor=self.request.user, accounts=data.pop("accounts", []), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.legal_rule_save(
            actor=self.request.user,
            rule=serializer.instance,
            accounts=data.pop("accounts", None),
            **data,
        )
