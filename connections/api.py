"""/api/v1/connected-accounts/: the accounts riskdesk signs in to networks with.

Secrets are write-only: `secret` is taken on create and update (a field given an empty
value keeps the stored one) and never returned; `secret_fields` names the fields set.
Streams (`credential`) and brand accounts (`revocation_connection`) refer to an account
by its id. Thin: every change goes through connections.services.
"""

from django.utils.translation import gettext as _
from rest_framework import permissions, serializers, viewsets

from accounts.models import Team, User
from connections import services
from connections.kinds import kind_choices
from connections.models import ConnectedAccount, ConnectionMethod
from offboarding.models import BrandAccount
from riskdesk.networks import Platform
from riskdesk.rest import ActionPermission


class ConnectedAccountSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=kind_choices(), help_text="The connector or revoker that uses it. It cannot change."
    )
    platform = serializers.ChoiceField(
        choices=Platform.choices,
        allow_blank=True,
        required=False,
        help_text="The network; empty takes the kind's own.",
    )
    method = serializers.ChoiceField(choices=ConnectionMethod.choices, required=False)
    secret = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=True),
        write_only=True,
        required=False,
        help_text="The secret fields; never returned. On update, the fields given replace theirs.",
    )
    allowed_hosts = serializers.ListField(
        child=serializers.CharField(max_length=253),
        required=False,
        max_length=services.MAX_ALLOWED_HOSTS,
        help_text="Host names, besides the network's own API hosts, that may receive the secret.",
    )
    scopes = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=services.MAX_SCOPES,
        help_text="The scopes the network granted.",
    )
    brand_account = serializers.PrimaryKeyRelatedField(
        queryset=BrandAccount.objects.all(),
        allow_null=True,
        required=False,
        help_text="The brand account riskdesk acts as with it; null to only read.",
    )
    acting_people = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False
    )
    acting_teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), many=True, required=False
    )
    expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = ConnectedAccount
        fields = [
            "id",
            "name",
            "kind",
            "platform",
            "brand_account",
            "method",
            "base_url",
            "business_id",
            "scopes",
            "secret",
            "secret_fields",
            "allowed_hosts",
            "expires_at",
            "expired",
            "refreshed_at",
            "last_error",
            "last_error_at",
            "acting_people",
            "acting_teams",
            "created_by",
            "created_at",
            "rotated_at",
        ]
        read_only_fields = [
            "id",
            "secret_fields",
            "expired",
            "refreshed_at",
            "last_error",
            "last_error_at",
            "created_by",
            "created_at",
            "rotated_at",
        ]
        extra_kwargs = {"name": {"validators": []}}  # the service checks, case-insensitively

    def validate_kind(self, value):
        if self.instance is not None and value != self.instance.kind:
            raise serializers.ValidationError(_("An account cannot change kind."))
        return value


class ConnectedAccountViewSet(viewsets.ModelViewSet):
    """Connected accounts. Secrets are write-only: the API never shows them back."""

    serializer_class = ConnectedAccountSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "connected_account.view",
        "retrieve": "connected_account.view",
        "create": "connected_account.manage",
        "update": "connected_account.manage",
        "partial_update": "connected_account.manage",
        "destroy": "connected_account.manage",
    }
    queryset = ConnectedAccount.objects.prefetch_related("acting_people", "acting_teams")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        secret = data.pop("secret", {})
        serializer.instance = services.connected_account_save(
            actor=self.request.user, secrets=secret, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        secret = data.pop("secret", None)
        serializer.instance = services.connected_account_save(
            actor=self.request.user, account=serializer.instance, secrets=secret, **data
        )

    def perform_destroy(self, instance):
        services.connected_account_delete(actor=self.request.user, account=instance)
