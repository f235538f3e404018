"""/api/v1/incidents/, /api/v1/playbooks/ and /api/v1/publishing-freeze/.

Thin over the services: serializers shape JSON, the services check permission on
the incident and validate (their errors become 403s and 400s with field errors).
Workflow steps are POST actions on the incident.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from incidents import freeze as freezes
from incidents import services
from incidents.forms import IncidentFilter
from incidents.markdown import incident_markdown
from incidents.models import (
    HoldingStatement,
    Incident,
    IncidentRole,
    IncidentTask,
    Playbook,
    PlaybookStep,
    Severity,
    Status,
    TimelineEntry,
)
from incidents.services import playbooks, statements, work
from incidents.services.timeline import describe
from riskdesk.rest import ActionPermission, IdListField

ROLE_FIELDS = IncidentRole.values


def _seconds(value) -> int | None:
    return int(value.total_seconds()) if value is not None else None


# --- Playbooks -------------------------------------------------------------------------------


class PlaybookStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaybookStep
        fields = ["title", "instructions", "role", "due_minutes", "policy_reference"]
        extra_kwargs = {"title": {"allow_blank": True}}


class PlaybookSerializer(serializers.ModelSerializer):
    steps = PlaybookStepSerializer(many=True, required=False, help_text="In order; replaces all.")

    class Meta:
        model = Playbook
        fields = [
            "id",
            "name",
            "scenario",
            "description",
            "default_severity",
            "is_active",
            "steps",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}  # the service checks, case-insensitively


class PlaybookViewSet(viewsets.ModelViewSet):
    """Playbooks and their ordered steps. Admins create, edit and delete them."""

    serializer_class = PlaybookSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "playbook.view",
        "retrieve": "playbook.view",
        "create": "playbook.manage",
        "update": "playbook.manage",
        "partial_update": "playbook.manage",
        "destroy": "playbook.manage",
    }
    queryset = Playbook.objects.prefetch_related("steps")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        steps = data.pop("steps", [])
        serializer.instance = playbooks.playbook_create(
            actor=self.request.user, steps=steps, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        steps = data.pop("steps", None)
        serializer.instance = playbooks.playbook_update(
            actor=self.request.user, playbook=serializer.instance, steps=steps, **data
        )
        serializer.instance = Playbook.objects.prefetch_related("steps").get(
            pk=serializer.instance.pk
        )

    def perform_destroy(self, instance):
        playbooks.playbook_delete(actor=self.request.user, playbook=instance)


# --- Incidents ---------------------------------------------------------------------------------


class IncidentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    severity_label = serializers.CharField(read_only=True)
    metrics = serializers.SerializerMethodField(
        help_text="Seconds: time_to_detect, time_to_acknowledge, time_to_contain, time_to_resolve."
    )

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "severity",
            "severity_label",
            "status",
            "scenario",
            "source",
            "playbook",
            "spike",
            "rule",
            *ROLE_FIELDS,
            "declared_by",
            "first_mention_at",
            "declared_at",
            "acknowledged_at",
            "contained_at",
            "resolved_at",
            "reviewed_at",
            "closing_note",
            "mention_count",
            "metrics",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "IncidentMetrics",
            {
                "time_to_detect": serializers.IntegerField(allow_null=True),
                "time_to_acknowledge": serializers.IntegerField(allow_null=True),
                "time_to_contain": serializers.IntegerField(allow_null=True),
                "time_to_resolve": serializers.IntegerField(allow_null=True),
            },
        )
    )
    def get_metrics(self, obj) -> dict:
        return {
            "time_to_detect": _seconds(obj.time_to_detect),
            "time_to_acknowledge": _seconds(obj.time_to_acknowledge),
            "time_to_contain": _seconds(obj.time_to_contain),
            "time_to_resolve": _seconds(obj.time_to_resolve),
        }


class DeclareSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=Severity.choices)
    playbook = serializers.PrimaryKeyRelatedField(
        queryset=Playbook.objects.all(), required=False, allow_null=True
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    lead = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text="Defaults to you."
    )
    mentions = IdListField(required=False, default=list)
    spike = serializers.IntegerField(required=False, allow_null=True)
    impersonation_mention = serializers.IntegerField(required=False, allow_null=True)


class TaskSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = IncidentTask
        fields = [
            "id", "kind", "position", "title", "instructions", "role", "assignee",
            "policy_reference", "due_at", "state", "done_at", "done_by", "overdue",
        ]  # fmt: skip
        read_only_fields = fields


class TimelineEntrySerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "kind", "at", "actor", "actor_label", "description", "data", "pinned"]
        read_only_fields = fields

    def get_description(self, obj) -> str:
        return describe(obj)


class StatementSerializer(serializers.ModelSerializer):
    is_cleared = serializers.BooleanField(
        read_only=True, help_text="Approved, for this exact text."
    )
    digest = serializers.SerializerMethodField(help_text="Send it back when approving.")

    class Meta:
        model = HoldingStatement
        fields = [
            "id", "title", "channel", "text", "state", "is_cleared", "digest", "created_by",
            "created_at", "updated_at", "decided_by", "decided_at", "legal_comment",
        ]  # fmt: skip
        read_only_fields = fields

    def get_digest(self, obj) -> str:
        return obj.digest()


class StatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SeverityInput(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=IncidentRole.choices)
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True)


class TaskDoneInput(serializers.Serializer):
    task = serializers.IntegerField()
    done = serializers.BooleanField(default=True)


class TaskAddInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(
        choices=IncidentRole.choices, required=False, allow_blank=True, default=""
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True)


class NoteInput(serializers.Serializer):
    text = serializers.CharField()


class PinInput(serializers.Serializer):
    entry = serializers.IntegerField()
    pinned = serializers.BooleanField(default=True)


class LinkInput(serializers.Serializer):
    mentions = IdListField(allow_empty=False)


class LinkResult(serializers.Serializer):
    linked = serializers.IntegerField()
    mention_count = serializers.IntegerField()


class StatementInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    channel = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    text = serializers.CharField()


class StatementUpdateInput(StatementInput):
    statement = serializers.IntegerField()


class StatementRef(serializers.Serializer):
    statement = serializers.IntegerField()


class StatementDecisionInput(serializers.Serializer):
    statement = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class StatementApproveInput(StatementDecisionInput):
    digest = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        help_text="The statement's `digest` as you read it; a stale one is refused.",
    )


class FreezeInput(serializers.Serializer):
    reason = serializers.CharField()


class UnfreezeInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActionItemInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    assignee = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    due_at = serializers.DateTimeField()


class ReviewInput(serializers.Serializer):
    summary = serializers.CharField()
    impact = serializers.CharField()
    went_well = serializers.CharField()
    went_badly = serializers.CharField()
    action_items = ActionItemInput(many=True, required=False, default=list)


class FreezeState(serializers.Serializer):
    frozen = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    incident = inline_serializer(
        "FreezeIncident",
        {
            "id": serializers.IntegerField(),
            "reference": serializers.CharField(),
            "title": serializers.CharField(),
            "severity": serializers.CharField(),
        },
        allow_null=True,
    )
    since = serializers.DateTimeField(allow_null=True)


def _input(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


VIEW = "incident.view"


class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    """Incidents, newest first. POST declares; workflow steps are POST actions.

    Who may do what is decided on the incident by the services: the lead and incident
    managers run it (status, severity, roles, freeze, review), the people holding a role
    work it (tasks, statements, pins), legal approves statements; anyone who sees
    incidents adds notes.
    """

    serializer_class = IncidentSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": "incident.declare",
        **dict.fromkeys(
            [
                "status", "severity", "assign_role", "complete_task", "add_task", "note", "pin",
                "link_mentions", "statements", "add_statement", "update_statement",
                "submit_statement", "approve_statement", "request_changes", "freeze",
                "unfreeze", "review", "tasks", "timeline", "markdown",
            ],
            VIEW,
        ),
    }  # fmt: skip
    filterset_class = IncidentFilter
    queryset = Incident.objects.select_related("playbook")
    http_method_names = ["get", "post", "head", "options"]

    def _done(self, incident):
        incident = Incident.objects.get(pk=incident.pk)
        return Response(IncidentSerializer(incident).data)

    @extend_schema(
        request=DeclareSerializer, responses={201: IncidentSerializer, 200: IncidentSerializer}
    )
    def create(self, request):
        data = _input(DeclareSerializer, request)
        incident = services.incident_declare(
            actor=request.user,
            title=data["title"],
            severity=data["severity"],
            playbook=data.get("playbook"),
            summary=data["summary"],
            lead=data.get("lead"),
            mentions=data["mentions"],
            spike=data.get("spike"),
            impersonation_mention=data.get("impersonation_mention"),
        )
        created = getattr(incident, "created", True)
        return Response(
            IncidentSerializer(Incident.objects.get(pk=incident.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=StatusInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        data = _input(StatusInput, request)
        incident = services.incident_change_status(
            actor=request.user,
            incident=self.get_object(),
            status=data["status"],
            reason=data["reason"],
        )
        return self._done(incident)

    @extend_schema(request=SeverityInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def severity(self, request, pk=None):
        data = _input(SeverityInput, request)
        incident = services.incident_change_severity(
            actor=request.user,
            incident=self.get_object(),
            severity=data["severity"],
            reason=data["reason"],
        )
        return self._done(incident)

    @extend_schema(request=RoleInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="assign-role")
    def assign_role(self, request, pk=None):
        data = _input(RoleInput, request)
        incident = services.incident_assign_role(
            actor=request.user, incident=self.get_object(), role=data["role"], person=data["person"]
        )
        return self._done(incident)

    @extend_schema(responses=TaskSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def tasks(self, request, pk=None):
        incident = self.get_object()
        tasks = incident.tasks.order_by("position", "id")
        return Response(TaskSerializer(tasks, many=True).data)

    @extend_schema(request=TaskDoneInput, responses=TaskSerializer)
    @action(detail=True, methods=["post"], url_path="complete-task")
    def complete_task(self, request, pk=None):
        data = _input(TaskDoneInput, request)
        task = get_object_or_404(IncidentTask, pk=data["task"], incident=self.get_object())
        task = work.task_complete(actor=request.user, task=task, done=data["done"])
        return Response(TaskSerializer(task).data)

    @extend_schema(request=TaskAddInput, responses={201: TaskSerializer})
    @action(detail=True, methods=["post"], url_path="add-task")
    def add_task(self, request, pk=None):
        data = _input(TaskAddInput, request)
        task = work.task_add(
            actor=request.user,
            incident=self.get_object(),
            title=data["title"],
            role=data["role"],
            assignee=data.get("assignee"),
            due_at=data.get("due_at"),
        )
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def timeline(self, request, pk=None):
        entries = self.get_object().timeline.order_by("at", "id")
        return Response(TimelineEntrySerializer(entries, many=True).data)

    @extend_schema(request=NoteInput, responses={201: TimelineEntrySerializer})
    @action(detail=True, methods=["post"])
    def note(self, request, pk=None):
        data = _input(NoteInput, request)
        entry = work.note_add(actor=request.user, incident=self.get_object(), text=data["text"])
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PinInput, responses=TimelineEntrySerializer)
    @action(detail=True, methods=["post"])
    def pin(self, request, pk=None):
        data = _input(PinInput, request)
        entry = get_object_or_404(TimelineEntry, pk=data["entry"], incident=self.get_object())
        entry = work.entry_pin(actor=request.user, entry=entry, pinned=data["pinned"])
        return Response(TimelineEntrySerializer(entry).data)

    @extend_schema(request=LinkInput, responses=LinkResult)
    @action(detail=True, methods=["post"], url_path="link-mentions")
    def link_mentions(self, request, pk=None):
        data = _input(LinkInput, request)
        incident = self.get_object()
        linked = services.incident_link_mentions(
            actor=request.user, incident=incident, mentions=data["mentions"]
        )
        incident.refresh_from_db(fields=["mention_count"])
        return Response({"linked": linked, "mention_count": incident.mention_count})

    @extend_schema(responses=StatementSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def statements(self, request, pk=None):
        return Response(StatementSerializer(self.get_object().statements.all(), many=True).data)

    def _statement(self, statement_id: int) -> HoldingStatement:
        return get_object_or_404(HoldingStatement, pk=statement_id, incident=self.get_object())

    @extend_schema(request=StatementInput, responses={201: StatementSerializer})
    @action(detail=True, methods=["post"], url_path="add-statement")
    def add_statement(self, request, pk=None):
        data = _input(StatementInput, request)
        statement = statements.statement_create(
            actor=request.user, incident=self.get_object(), **data
        )
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StatementUpdateInput, responses=StatementSerializer)
    @action(detail=True, methods=["post"], url_path="update-statement")
    def update_statement(self, request, pk=None):
        data = dict(_input(StatementUpdateInput, request))
        statement = self._statement(data.pop("statement"))
        statement = statements.statement_update(actor=request.user, statement=statement, **data)
        return Response(StatementSerializer(statement).data)

    @extend_schema(request=StatementRef, responses=StatementSerializer)
    @action(detail=True, methods=["post"], url_path="submit-statement")
    def submit_statement(self, request, pk=None):
        data = _input(StatementRef, request)
        statement = statements.statement_submit(
            actor=request.user, statement=self._statement(data["statement"])
        )
        return Response(StatementSerializer(statement).data)

    @extend_schema(request=StatementApproveInput, responses=StatementSerializer)
    @action(detail=True, methods=["post"], url_path="approve-statement")
    def approve_statement(self, request, pk=None):
        data = _input(StatementApproveInput, request)
        statement = statements.statement_approve(
            actor=request.user,
            statement=self._statement(data["statement"]),
            digest=data["digest"],
            comment=data["comment"],
        )
        return Response(StatementSerializer(statement).data)

    @extend_schema(request=StatementDecisionInput, responses=StatementSerializer)
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        data = _input(StatementDecisionInput, request)
        statement = statements.statement_request_changes(
            actor=request.user,
            statement=self._statement(data["statement"]),
            comment=data["comment"],
        )
        return Response(StatementSerializer(statement).data)

    @extend_schema(request=FreezeInput, responses=FreezeState)
    @action(detail=True, methods=["post"])
    def freeze(self, request, pk=None):
        data = _input(FreezeInput, request)
        freezes.freeze_start(actor=request.user, incident=self.get_object(), reason=data["reason"])
        return Response(freeze_state())

    @extend_schema(request=UnfreezeInput, responses=FreezeState)
    @action(detail=True, methods=["post"])
    def unfreeze(self, request, pk=None):
        data = _input(UnfreezeInput, request)
        freezes.freeze_lift(actor=request.user, incident=self.get_object(), note=data["note"])
        return Response(freeze_state())

    @extend_schema(request=ReviewInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = dict(_input(ReviewInput, request))
        incident = self.get_object()
        work.review_submit(actor=request.user, incident=incident, **data)
        return self._done(incident)

    @extend_schema(responses={(200, "text/markdown"): str})
    @action(detail=True, methods=["get"])
    def markdown(self, request, pk=None):
        incident = self.get_object()
        response = HttpResponse(
            incident_markdown(incident), content_type="text/markdown; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{incident.reference}.md"'
        return response


# --- May I publish now? --------------------------------------------------------------------------


def freeze_state() -> dict:
    freeze = freezes.current_freeze()
    if freeze is None:
        return {"frozen": False, "reason": None, "incident": None, "since": None}
    incident = freeze.incident
    return {
        "frozen": True,
        "reason": freeze.reason,
        "incident": {
            "id": incident.pk,
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity_label,
        },
        "since": serializers.DateTimeField().to_representation(freeze.started_at),
    }


class PublishingFreezeViewSet(viewsets.ViewSet):
    """ "May I publish now?" `frozen` is true while an incident has frozen publishing;
    any authenticated client may ask."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=FreezeState)
    def list(self, request):
        return Response(freeze_state())
