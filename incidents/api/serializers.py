"""The incidents API's serializers: what the JSON looks like, and the inputs of the
workflow actions (incidents.api.incidents) and of the playbooks."""

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from accounts.models import User
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
from incidents.services.timeline import describe
from riskdesk.rest import IdListField

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
