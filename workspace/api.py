"""/api/v1/organisation/, /sla-targets/, /team-hours/, /holidays/, /reply-templates/.

Thin over workspace.services, as the pages are: the services check the permission, write the
audit event and refuse bad input (400 with field errors). Durations read and write as text
("30 min", "8 h", "1 d 4 h").
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Team
from inbox.models import Holiday, ReplyTemplate, SlaTarget, TeamHours
from monitoring.models import Priority
from riskdesk.durations import DurationTextSerializerField
from riskdesk.permissions import require
from riskdesk.rest import ActionPermission
from workspace import selectors, services
from workspace.forms import WEEKDAYS


class OrganisationSerializer(serializers.Serializer):
    brand_name = serializers.CharField(max_length=100)
    timezone = serializers.CharField(max_length=64)
    languages = serializers.ListField(child=serializers.ChoiceField(choices=[]), allow_empty=False)
    logo = serializers.FileField(
        required=False, write_only=True, help_text="A PNG, JPEG, GIF or WebP image (multipart)."
    )
    remove_logo = serializers.BooleanField(required=False, write_only=True, default=False)
    logo_url = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages"].child.choices = selectors.language_choices()

    def get_logo_url(self, org) -> str | None:
        return "/settings/organisation/logo/" if org.logo else None


class OrganisationView(APIView):
    """The organisation's settings (admins: `organisation.manage`)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(responses=OrganisationSerializer)
    def get(self, request):
        require(request.user, "organisation.manage")
        return Response(OrganisationSerializer(selectors.organisation()).data)

    @extend_schema(request=OrganisationSerializer, responses=OrganisationSerializer)
    def patch(self, request):
        require(request.user, "organisation.manage")
        org = selectors.organisation()
        current = OrganisationSerializer(org).data
        serializer = OrganisationSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        saved = services.organisation_update(
            actor=request.user,
            brand_name=data.get("brand_name", current["brand_name"]),
            timezone=data.get("timezone", current["timezone"]),
            languages=data.get("languages", current["languages"]),
            logo=data.get("logo"),
            remove_logo=data.get("remove_logo", False),
        )
        return Response(OrganisationSerializer(saved).data)


class SlaTargetSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        help_text="null: the default for every team.",
    )
    priority = serializers.ChoiceField(choices=Priority.choices)
    first_response = DurationTextSerializerField()
    resolution = DurationTextSerializerField()

    class Meta:
        model = SlaTarget
        fields = ["id", "team", "priority", "first_response", "resolution", "business_hours"]
        validators = []  # the service says which twin exists, on the right field


class ServiceWrites:
    """create/update/destroy through a service: `_create(data)`, `_update(obj, data)`."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = self._create(serializer.validated_data)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        saved = self._update(instance, serializer.validated_data)
        return Response(self.get_serializer(saved).data)


class SlaTargetViewSet(
    ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """SLA targets per priority, for every team (team null) or one team."""

    queryset = SlaTarget.objects.select_related("team").order_by("pk")
    serializer_class = SlaTargetSerializer
    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "mention.view",
        "retrieve": "mention.view",
        "create": "sla.manage",
        "update": "sla.manage",
        "partial_update": "sla.manage",
        "destroy": "sla.manage",
    }

    def _create(self, data):
        return services.sla_target_create(actor=self.request.user, **data)

    def _update(self, target, data):
        return services.sla_target_update(actor=self.request.user, target=target, **data)

    def perform_destroy(self, instance):
        services.sla_target_delete(actor=self.request.user, target=instance)


class TeamHoursSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    weekdays = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKDAYS),
        allow_empty=False,
        help_text="0 = Monday ... 6 = Sunday.",
    )
    timezone = serializers.CharField(max_length=64, required=False)

    class Meta:
        model = TeamHours
        fields = ["id", "team", "timezone", "weekdays", "opens", "closes"]


class TeamHoursViewSet(
    ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Each team's business hours; a team without any works round the clock. Creating hours
    for a team that has some replaces them; deleting them makes it round the clock."""

    queryset = TeamHours.objects.select_related("team").order_by("pk")
    serializer_class = TeamHoursSerializer
    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "mention.view",
        "retrieve": "mention.view",
        "create": "sla.manage",
        "update": "sla.manage",
        "partial_update": "sla.manage",
        "destroy": "sla.manage",
    }

    def _save(self, team, data, current=None):
        fields = {"timezone": selectors.organisation().timezone}
        if current is not None:
            fields = {name: getattr(current, name) for name in ("timezone", "weekdays", "opens")}
            fields["closes"] = current.closes
        fields.update({k: v for k, v in data.items() if k != "team"})
        return services.team_hours_set(actor=self.request.user, team=team, **fields)

    def _create(self, data):
        return self._save(data["team"], data, TeamHours.objects.filter(team=data["team"]).first())

    def _update(self, hours, data):
        if data.get("team", hours.team) != hours.team:
            raise serializers.ValidationError({"team": "The team of hours cannot change."})
        return self._save(hours.team, data, hours)

    def perform_destroy(self, instance):
        services.team_hours_clear(actor=self.request.user, team=instance.team)


class HolidaySerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())

    class Meta:
        model = Holiday
        fields = ["id", "team", "date", "name"]
        validators = []


class HolidayViewSet(
    ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Days a team does not work: its business-hours SLA clocks pause on them."""

    queryset = Holiday.objects.select_related("team").order_by("date", "pk")
    serializer_class = HolidaySerializer
    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "mention.view",
        "retrieve": "mention.view",
        "create": "sla.manage",
        "destroy": "sla.manage",
    }

    def _create(self, data):
        return services.holiday_add(actor=self.request.user, **data)

    def perform_destroy(self, instance):
        services.holiday_delete(actor=self.request.user, holiday=instance)


class ReplyTemplateSerializer(serializers.ModelSerializer):
    body = serializers.CharField(trim_whitespace=False)

    class Meta:
        model = ReplyTemplate
        fields = ["id", *services.TEMPLATE_FIELDS]
        validators = []


class ReplyTemplateViewSet(
    ServiceWrites,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Reply templates ({author}, {brand}, {case}); deactivate one with `is_active: false`."""

    queryset = ReplyTemplate.objects.order_by("language", "name", "pk")
    serializer_class = ReplyTemplateSerializer
    permission_classes = [ActionPermission]
    permission_actions = {
        "list": "mention.view",
        "retrieve": "mention.view",
        "create": "reply_template.manage",
        "update": "reply_template.manage",
        "partial_update": "reply_template.manage",
    }

    def _create(self, data):
        return services.reply_template_create(actor=self.request.user, **data)

    def _update(self, template, data):
        return services.reply_template_update(actor=self.request.user, template=template, **data)
