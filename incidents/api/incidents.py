"""/api/v1/incidents/: list, read and declare incidents; workflow steps are POST actions.

Thin over the services: serializers shape JSON, the services check permission on
the incident and validate (their errors become 403s and 400s with field errors).
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents import freeze as freezes
from incidents import services
from incidents.api.freeze import freeze_state
from incidents.api.serializers import (
    DeclareSerializer,
    FreezeInput,
    FreezeState,
    IncidentSerializer,
    LinkInput,
    LinkResult,
    NoteInput,
    PinInput,
    ReviewInput,
    RoleInput,
    SeverityInput,
    StatementApproveInput,
    StatementDecisionInput,
    StatementInput,
    StatementRef,
    StatementSerializer,
    StatementUpdateInput,
    StatusInput,
    TaskAddInput,
    TaskDoneInput,
    TaskSerializer,
    TimelineEntrySerializer,
    UnfreezeInput,
)
from incidents.filters import IncidentFilter
from incidents.markdown import incident_markdown
from incidents.models import HoldingStatement, Incident, IncidentTask, TimelineEntry
from incidents.services import statements, work
from riskdesk.rest import ActionPermission


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
