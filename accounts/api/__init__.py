from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.filters import TeamFilter, UserFilter
from accounts.forms import PASSWORD_OFF_MESSAGE
from accounts.models import IdentityProvider, Team, TeamKind, User
from accounts.roles import Role
from riskdesk.login_guard import is_locked_out
from riskdesk.rest import ActionPermission


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )
    teams = serializers.SerializerMethodField()
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "employment_status",
            "departed_at",
            "manager",
            "is_active",
            "roles",
            "teams",
            "date_joined",
        ]
        read_only_fields = ["id", "date_joined"]
        extra_kwargs = {"email": {"validators": []}}  # the service checks, case-insensitively

    def get_teams(self, obj) -> list[str]:
        return [team.slug for team in obj.teams.all()]


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False
    )
    leads = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False
    )
    kind = serializers.ChoiceField(choices=TeamKind.choices)

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "kind", "description", "email", "members", "leads"]
        read_only_fields = ["id", "slug"]
        extra_kwargs = {"name": {"validators": []}}

    def to_representation(self, team):
        data = super().to_representation(team)
        memberships = team.memberships.all()
        data["members"] = [m.user_id for m in memberships]
        data["leads"] = [m.user_id for m in memberships if m.is_lead]
        return data


class UserViewSet(viewsets.ModelViewSet):
    """People. Everyone signed in reads; administrators write (HR records departures)."""

    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "user.view",
        "retrieve": "user.view",
        "create": "user.create",
        "update": "user.view",  # decided field by field by services.user_update
        "partial_update": "user.view",
    }
    filterset_class = UserFilter
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.users_with_roles_and_teams()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.user_create(
            actor=self.request.user,
            email=data["email"],
            display_name=data["display_name"],
            roles=data.get("roles", []),
            manager=data.get("manager"),
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        roles = data.pop("roles", None)
        user = services.user_update(
            actor=self.request.user, user=serializer.instance, roles=roles, **data
        )
        serializer.instance = selectors.users_with_roles_and_teams().get(pk=user.pk)


class TeamViewSet(viewsets.ModelViewSet):
    """Teams and their members. Everyone signed in reads; administrators write."""

    serializer_class = TeamSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "team.view",
        "retrieve": "team.view",
        "create": "team.create",
        "update": "team.change",
        "partial_update": "team.change",
        "destroy": "team.delete",
    }
    filterset_class = TeamFilter

    def get_queryset(self):
        return selectors.teams_with_memberships()

    @transaction.atomic  # the team and its members are saved together or not at all
    def perform_create(self, serializer):
        data = serializer.validated_data
        team = services.team_create(
            actor=self.request.user,
            name=data["name"],
            kind=data["kind"],
            description=data.get("description", ""),
            email=data.get("email", ""),
        )
        if "members" in data or "leads" in data:
            services.team_set_members(
                actor=self.request.user,
                team=team,
                members=data.get("members", []),
                leads=data.get("leads", []),
            )
        serializer.instance = selectors.teams_with_memberships().get(pk=team.pk)

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        members, leads = data.pop("members", None), data.pop("leads", None)
        team = services.team_update(actor=self.request.user, team=serializer.instance, **data)
        if members is not None or leads is not None:
            current = list(team.members.all())
            services.team_set_members(
                actor=self.request.user,
                team=team,
                members=members if members is not None else current,
                leads=leads if leads is not None else [],
            )
        serializer.instance = selectors.teams_with_memberships().get(pk=team.pk)

    def perform_destroy(self, instance):
        services.team_delete(actor=self.request.user, team=instance)


class ApiTokenView(APIView):
    """Exchange a username and password (and a TOTP code where required) for an API token.

    Each call makes a new token (only its digest is kept), valid for
    RISKDESK_API_TOKEN_DAYS; an optional `name` labels it on the security page.
    Failed attempts count towards the same lockout as the sign-in form.
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "otp_token": serializers.CharField(required=False),
                "name": serializers.CharField(required=False),
            },
        ),
        responses={
            200: inline_serializer(
                "TokenResponse",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        password = request.data.get("password") if isinstance(request.data, dict) else None
        errors = {}
        for field, value in (("username", username), ("password", password)):
            if not isinstance(value, str) or not value:
                errors[field] = [_("This field is required.")]
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)

        http_request = request._request  # django-axes tracks attempts on the Django request
        if is_locked_out(http_request, username):
            return _locked_out_response()
        user = authenticate(http_request, username=username, password=password)
        if user is None:
            if is_locked_out(http_request, username):
                return _locked_out_response()
            return Response(
                {"detail": _("Unable to sign in with these credentials.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not services.password_sign_in_permitted(user):
            return Response({"detail": str(PASSWORD_OFF_MESSAGE)}, status=status.HTTP_403_FORBIDDEN)
        if user.must_use_two_factor or selectors.has_confirmed_totp(user):
            code = request.data.get("otp_token")
            if not code:
                return Response(
                    {"otp_token": [_("Your account requires a two-factor code.")]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            if match_token(user, str(code)) is None:
                return Response(
                    {"otp_token": [_("This code is wrong or has expired.")]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        name = request.data.get("name")
        token, key = services.api_token_create(
            actor=user, user=user, name=name if isinstance(name, str) else ""
        )
        return Response({"token": key, "expires_at": token.expires_at})


def _locked_out_response():
    return Response(
        {"detail": _("Too many failed sign-in attempts. Try again later.")},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )


class IdentityProviderSerializer(serializers.ModelSerializer):
    """A single sign-on provider. `client_secret` is write-only: it is never returned, and
    a change that leaves it out keeps the stored one (`secret_set` says whether one is)."""

    client_secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=True
    )
    secret_set = serializers.SerializerMethodField()
    group_roles = serializers.DictField(
        child=serializers.ChoiceField(choices=Role.choices), required=False
    )
    allowed_hosts = serializers.ListField(child=serializers.CharField(), required=False)
    email_domains = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = IdentityProvider
        fields = [
            "id",
            "name",
            "slug",
            "issuer",
            "client_id",
            "client_secret",
            "secret_set",
            "scopes",
            "groups_claim",
            "group_roles",
            "allowed_hosts",
            "email_domains",
            "scim_provider",
            "is_enabled",
            "password_sign_in",
        ]
        read_only_fields = ["id", "slug"]
        extra_kwargs = {"name": {"validators": []}}

    def get_secret_set(self, obj) -> bool:
        return bool(obj.secret_encrypted)


class IdentityProviderViewSet(viewsets.ModelViewSet):
    """Single sign-on providers (OpenID Connect), for admins. Every change is audited."""

    serializer_class = IdentityProviderSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "sso.manage",
        "retrieve": "sso.manage",
        "create": "sso.manage",
        "update": "sso.manage",
        "partial_update": "sso.manage",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = IdentityProvider.objects.all()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.sso_provider_create(
            actor=self.request.user, client_secret=data.pop("client_secret", ""), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.sso_provider_update(
            actor=self.request.user,
            provider=serializer.instance,
            client_secret=data.pop("client_secret", ""),
            **data,
        )
