"""Brand accounts, access grants, offboarding cases and their tasks through the API.

`/api/v1/social-accounts/` (the brand accounts), `/api/v1/access-grants/` (with
`revoke/`, `import/` and `review/`), `/api/v1/offboarding-cases/` (POST opens one;
an open case for the person is answered 200 with that case instead of 201) and
`/api/v1/offboarding-tasks/` (`complete/`, `retry/`, `assign/`). Thin: every change
goes through the services.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Team, User
from connections.models import ConnectedAccount
from offboarding import selectors, services
from offboarding.filters import CaseFilter, GrantFilter
from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessMethod,
    AccessVia,
    BrandAccount,
    OffboardingCase,
    OffboardingTask,
    RevocationAttempt,
)
from offboarding.services.brand_accounts import ACCESS_FIELDS, BRAND_ACCOUNT_FIELDS
from riskdesk.permissions import can
from riskdesk.rest import ActionPermission

# --- Access grants --------------------------------------------------------------------------


class AccessGrantSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    account = serializers.PrimaryKeyRelatedField(queryset=BrandAccount.objects.all())
    level = serializers.ChoiceField(choices=AccessLevel.choices)
    via = serializers.ChoiceField(choices=AccessVia.choices)
    granted_by = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            *services.GRANT_FIELDS,
            "is_active",
            "revoked_at",
            "revoked_by",
            "revocation_method",
            "revocation_evidence",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "is_active",
            "revoked_at",
            "revoked_by",
            "revocation_method",
            "revocation_evidence",
            "created_at",
        ]
        extra_kwargs = {"granted_at": {"required": False}}
        validators = []  # the service checks for an active duplicate

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("person", "account", "via"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: "Who, where and how never change: revoke and grant anew."}
                    )
                attrs.pop(name, None)
        return attrs


class RevokeSerializer(serializers.Serializer):
    evidence = serializers.CharField(help_text="How the access was removed and checked.")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The CSV file (multipart).")
    csv = serializers.CharField(required=False, trim_whitespace=False, help_text="Or its text.")
    all_or_nothing = serializers.BooleanField(default=False)

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("csv"):
            raise serializers.ValidationError({"file": "Send a CSV file or its text."})
        return attrs


import_result = inline_serializer(
    "AccessGrantImportResult",
    {
        "created": serializers.IntegerField(),
        "duplicates": serializers.ListField(child=serializers.IntegerField()),
        "errors": serializers.ListField(
            child=inline_serializer(
                "AccessGrantImportError",
                {
                    "line": serializers.IntegerField(),
                    "reasons": serializers.ListField(child=serializers.CharField()),
                },
            )
        ),
        "applied": serializers.BooleanField(),
        "ids": serializers.ListField(child=serializers.IntegerField()),
    },
)

finding_serializer = inline_serializer(
    "AccessFinding",
    many=True,
    fields={
        "code": serializers.CharField(),
        "label": serializers.CharField(),
        "summary": serializers.CharField(),
        "account": serializers.IntegerField(allow_null=True),
        "grant": serializers.IntegerField(allow_null=True),
    },
)


class AccessGrantViewSet(viewsets.ModelViewSet):
    """Who has what on the brand accounts. Revoke with `revoke/` and evidence."""

    serializer_class = AccessGrantSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "access_grant.view",
        "retrieve": "access_grant.view",
        "create": "access_grant.manage",
        "update": "access_grant.manage",
        "partial_update": "access_grant.manage",
        "revoke": "access_grant.manage",
        "import_csv": "access_grant.manage",
        "review": "access_review.view",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_class = GrantFilter
    queryset = AccessGrant.objects.select_related("person", "account")

    def perform_create(self, serializer):
        serializer.instance = services.access_grant_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.access_grant_update(
            actor=self.request.user, grant=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=RevokeSerializer, responses={200: AccessGrantSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        data = RevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.access_grant_revoke(
            actor=request.user, grant=self.get_object(), evidence=data.validated_data["evidence"]
        )
        return Response(AccessGrantSerializer(grant).data)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer, "application/json": ImportSerializer},
        responses={200: import_result, 400: OpenApiResponse(description="Unreadable file")},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def import_csv(self, request):
        """Load grants from CSV; answers row by row what was created, duplicated or refused."""
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        raw = upload.read(services.MAX_IMPORT_BYTES + 1) if upload else data.validated_data["csv"]
        result = services.access_grants_import(
            actor=request.user, data=raw, all_or_nothing=data.validated_data["all_or_nothing"]
        )
        return Response(
            {
                "created": len(result.created),
                "duplicates": result.duplicates,
                "errors": [{"line": line, "reasons": reasons} for line, reasons in result.errors],
                "applied": result.applied,
                "ids": [grant.pk for grant in result.created],
            }
        )

    @extend_schema(responses={200: finding_serializer}, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def review(self, request):
        """The access review: risky access, worst first."""
        return Response(
            [
                {
                    "code": f.code,
                    "label": f.label,
                    "summary": f.summary,
                    "account": f.account.pk if f.account else None,
                    "grant": f.grant.pk if f.grant else None,
                }
                for f in selectors.access_review()
            ]
        )


# --- Offboarding ---------------------------------------------------------------------------------


class RevocationAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = RevocationAttempt
        fields = ["at", "succeeded", "outcome", "message", "status_code", "response"]
        read_only_fields = fields


class OffboardingTaskSerializer(serializers.ModelSerializer):
    screenshot = serializers.SerializerMethodField()
    calls = RevocationAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = OffboardingTask
        fields = [
            "id",
            "case",
            "kind",
            "title",
            "status",
            "automatic",
            "grant",
            "account",
            "owned_kind",
            "owned_id",
            "assignee",
            "attempts",
            "next_attempt_at",
            "last_error",
            "evidence",
            "screenshot",
            "new_owner",
            "done_at",
            "done_by",
            "calls",
        ]
        read_only_fields = fields

    def get_screenshot(self, obj) -> str | None:
        return f"/offboarding/tasks/{obj.pk}/screenshot/" if obj.evidence_file else None


class OffboardingCaseSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    tasks_total = serializers.IntegerField(read_only=True)
    tasks_done = serializers.IntegerField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    tasks = OffboardingTaskSerializer(many=True, read_only=True)

    class Meta:
        model = OffboardingCase
        fields = [
            "id",
            "person",
            "departure_at",
            "deadline",
            "note",
            "status",
            "source",
            "opened_by",
            "identity_provider",
            "opened_at",
            "completed_at",
            "is_overdue",
            "tasks_total",
            "tasks_done",
            "tasks",
        ]
        read_only_fields = [
            "id",
            "status",
            "source",
            "opened_by",
            "identity_provider",
            "opened_at",
            "completed_at",
            "is_overdue",
            "tasks_total",
            "tasks_done",
            "tasks",
        ]
        extra_kwargs = {"deadline": {"required": False}, "note": {"required": False}}
        validators = []  # an open case for the person is answered, not refused


class OffboardingCaseListSerializer(OffboardingCaseSerializer):
    class Meta(OffboardingCaseSerializer.Meta):
        fields = [f for f in OffboardingCaseSerializer.Meta.fields if f != "tasks"]


class OffboardingCaseViewSet(viewsets.ModelViewSet):
    """Offboarding cases. POST opens one (HR); the person's riskdesk access ends at once."""

    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "offboarding.view",
        "retrieve": "offboarding.view",
        "create": "offboarding.open",
    }
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = CaseFilter

    def get_queryset(self):
        queryset = selectors.cases_with_progress()
        if self.action == "retrieve":
            tasks = OffboardingTask.objects.prefetch_related("calls")
            queryset = queryset.prefetch_related(Prefetch("tasks", queryset=tasks))
        return queryset

    def get_serializer_class(self):
        return OffboardingCaseListSerializer if self.action == "list" else OffboardingCaseSerializer

    @extend_schema(responses={201: OffboardingCaseSerializer, 200: OffboardingCaseSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case, created = services.offboarding_case_open(
            actor=request.user, **serializer.validated_data
        )
        case = self.get_queryset().prefetch_related("tasks__calls").get(pk=case.pk)
        return Response(
            OffboardingCaseSerializer(case).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TaskCompleteSerializer(serializers.Serializer):
    evidence = serializers.CharField(required=False, allow_blank=True)
    screenshot = serializers.FileField(required=False)
    new_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )


class TaskAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True)


class OffboardingTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """The tasks of offboarding cases: confirm by hand, retry an automatic one, reassign."""

    serializer_class = OffboardingTaskSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "offboarding.view",
        "retrieve": "offboarding.view",
        "complete": "offboarding.work",
        "retry": "offboarding.work",
        "assign": "offboarding.work",
    }
    queryset = OffboardingTask.objects.select_related("case").prefetch_related("calls")
    filterset_fields = ["case", "status", "kind", "assignee"]

    @extend_schema(
        request={
            "multipart/form-data": TaskCompleteSerializer,
            "application/json": TaskCompleteSerializer,
        },
        responses={200: OffboardingTaskSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def complete(self, request, pk=None):
        data = TaskCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.offboarding_task_complete(
            actor=request.user, task=self.get_object(), **data.validated_data
        )
        return Response(OffboardingTaskSerializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(request=None, responses={202: OffboardingTaskSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        task = services.offboarding_task_retry(actor=request.user, task=self.get_object())
        data = OffboardingTaskSerializer(self.get_queryset().get(pk=task.pk)).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=TaskAssignSerializer, responses={200: OffboardingTaskSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = TaskAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.offboarding_task_assign(
            actor=request.user, task=self.get_object(), assignee=data.validated_data["assignee"]
        )
        return Response(OffboardingTaskSerializer(self.get_queryset().get(pk=task.pk)).data)


# --- Brand accounts -----------------------------------------------------------------------------


class BrandAccountSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    impostor_count = serializers.IntegerField(
        read_only=True, help_text="Mentions whose author imitated this account."
    )
    access_method = serializers.ChoiceField(
        choices=AccessMethod.choices, allow_blank=True, required=False
    )
    recovery_phone_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    revocation_connection = serializers.PrimaryKeyRelatedField(
        queryset=ConnectedAccount.objects.all(),
        allow_null=True,
        required=False,
        help_text="The id of the connected account (kind meta_business) riskdesk revokes through.",
    )

    class Meta:
        model = BrandAccount
        fields = ["id", *BRAND_ACCOUNT_FIELDS, "impostor_count", "created_at"]
        read_only_fields = ["id", "impostor_count", "created_at"]
        validators = []  # the service checks uniqueness, case-insensitively


class BrandAccountViewSet(viewsets.ModelViewSet):
    """The brand's own social accounts. Deactivate one with `is_active: false`."""

    serializer_class = BrandAccountSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "brand_account.view",
        "retrieve": "brand_account.view",
        "create": "brand_account.manage",
        "update": "brand_account.manage",
        "partial_update": "brand_account.manage",
    }
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = BrandAccount.objects.select_related("team")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(impostor_count=selectors.impostor_count(self.request.user))
        )

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if not can(self.request.user, "access_grant.view"):
            # The access details (recovery contacts, credential location) are for security.
            fields = getattr(serializer, "child", serializer).fields
            for name in ACCESS_FIELDS:
                fields.pop(name, None)
        return serializer

    def perform_create(self, serializer):
        account = services.brand_account_create(
            actor=self.request.user, **serializer.validated_data
        )
        account.impostor_count = 0
        serializer.instance = account

    def perform_update(self, serializer):
        count = serializer.instance.impostor_count
        account = services.brand_account_update(
            actor=self.request.user, account=serializer.instance, **serializer.validated_data
        )
        account.impostor_count = count
        serializer.instance = account
