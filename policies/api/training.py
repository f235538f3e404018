"""Training modules (with assignments) and training records (with the CSV import) through
the API."""

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team, User
from accounts.roles import Role
from policies.filters import TrainingRecordFilter
from policies.models import Policy, TrainingModule, TrainingRecord
from policies.services import training
from policies.services.csv_import import training_records_import
from riskdesk.permissions import can
from riskdesk.rest import ActionPermission


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
