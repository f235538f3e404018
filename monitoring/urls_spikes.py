"""Pages and API routes of spikes; included by riskdesk/urls.py.

Detection and the acknowledge service live in monitoring.spikes; these views
and the viewset only read, call the service and render.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from monitoring import spikes
from monitoring.models import Mention, SpikeAlert, Stream
from riskdesk.htmx import render_page
from riskdesk.permissions import can, require
from riskdesk.rest import ActionPermission

LIST_SIZE = 100  # spikes are rare (one per storm, cooled down): the list is not paged


class SpikeFilter(django_filters.FilterSet):
    """Shared by the spikes page and /api/v1/spikes/."""

    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=SpikeAlert.Status.choices
    )
    stream = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Stream"), queryset=Stream.objects.order_by("name")
    )
    negative_only = django_filters.BooleanFilter(
        label=gettext_lazy("Counted"),
        widget=forms.Select(
            choices=[
                ("", gettext_lazy("Any")),
                ("true", gettext_lazy("Negative mentions")),
                ("false", gettext_lazy("All mentions")),
            ]
        ),
    )

    class Meta:
        model = SpikeAlert
        fields = ["status", "stream", "negative_only"]


def _spikes():
    return SpikeAlert.objects.select_related("stream", "tag")


# --- Pages -------------------------------------------------------------------------------


@login_required
def spike_list(request):
    require(request.user, "spike.view")
    filterset = SpikeFilter(request.GET, queryset=_spikes())
    # Active first (open), then the most recent.
    active_first = Case(
        When(status=SpikeAlert.Status.OPEN, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    items = list(filterset.qs.order_by(active_first, "-created_at", "-id")[:LIST_SIZE])
    for spike in items:
        _describe(spike)
    return render_page(
        request,
        "monitoring/spike_list.html",
        "monitoring/spike_rows.html",
        {"filter": filterset, "spikes": items, "limit": LIST_SIZE},
    )


@login_required
def spike_detail(request, pk):
    require(request.user, "spike.view")
    spike = _describe(get_object_or_404(_spikes(), pk=pk))
    mentions = None
    if can(request.user, "mention.view"):
        found = Mention.objects.visible_to(request.user).in_bulk(spike.top_mention_ids)
        mentions = [found[pk] for pk in spike.top_mention_ids if pk in found]
    incidents = (
        list(spike.incidents.order_by("-declared_at")) if can(request.user, "incident.view") else []
    )
    return render(
        request,
        "monitoring/spike_detail.html",
        {
            "spike": spike,
            "mentions": mentions,
            "incidents": incidents,
            "can_declare": (
                not any(i.is_open for i in incidents) and can(request.user, "incident.declare")
            ),
            "can_acknowledge": (
                spike.status == SpikeAlert.Status.OPEN
                and can(request.user, "spike.acknowledge", spike)
            ),
        },
    )


@login_required
@require_POST
def spike_acknowledge(request, pk):
    spike = get_object_or_404(SpikeAlert, pk=pk)
    require(request.user, "spike.acknowledge", spike)
    try:
        spikes.spike_acknowledge(actor=request.user, spike=spike)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Spike acknowledged."))
    return redirect("spike_detail", pk=spike.pk)


def _describe(spike: SpikeAlert) -> SpikeAlert:
    """Attach the labels the templates show (no queries: stream and tag are selected)."""
    spike.target_label = spikes.target_label(spike)
    spike.usual = spikes.usual_label(spike.baseline_mean)
    minutes = round((spike.window_end - spike.window_start).total_seconds() / 60)
    spike.window_label = spikes.window_label(minutes)
    return spike


urlpatterns = [
    path("spikes/", spike_list, name="spike_list"),
    path("spikes/<int:pk>/", spike_detail, name="spike_detail"),
    path("spikes/<int:pk>/acknowledge/", spike_acknowledge, name="spike_acknowledge"),
]


# --- API ---------------------------------------------------------------------------------


class SpikeSerializer(serializers.ModelSerializer):
    tag = serializers.SlugRelatedField(slug_field="name", read_only=True)
    target = serializers.SerializerMethodField(help_text="The stream's name or the tag's.")

    class Meta:
        model = SpikeAlert
        fields = [
            "id",
            "stream",
            "tag",
            "target",
            "negative_only",
            "window_start",
            "window_end",
            "count",
            "baseline_mean",
            "baseline_std",
            "zscore",
            "top_mention_ids",
            "top_words",
            "status",
            "created_at",
        ]
        read_only_fields = fields

    def get_target(self, obj) -> str:
        return obj.stream.name if obj.stream_id else obj.tag.name

    def to_representation(self, instance):
        """The top mentions the reader may see, in their order; the others do not exist."""
        data = super().to_representation(instance)
        visible = self._visible_mention_ids()
        data["top_mention_ids"] = [pk for pk in instance.top_mention_ids if pk in visible]
        return data

    def _visible_mention_ids(self) -> set[int]:
        """Of every spike serialized together (a page), in one query."""
        holder = self.parent if self.parent is not None else self
        if not hasattr(holder, "_visible_ids"):
            spikes = holder.instance if self.parent is not None else [self.instance]
            ids = {pk for spike in spikes for pk in spike.top_mention_ids}
            user = self.context["request"].user
            holder._visible_ids = set(
                Mention.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
            )
        return holder._visible_ids


class SpikeViewSet(viewsets.ReadOnlyModelViewSet):
    """Spike alerts, newest first. `acknowledge/` takes an open spike off the active list."""

    serializer_class = SpikeSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "spike.view",
        "retrieve": "spike.view",
        "acknowledge": "spike.acknowledge",
    }
    filterset_class = SpikeFilter
    queryset = _spikes()

    @extend_schema(request=None, responses=SpikeSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        spike = spikes.spike_acknowledge(actor=request.user, spike=self.get_object())
        return Response(self.get_serializer(spike).data)


# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [("spikes", SpikeViewSet, "spike")]
