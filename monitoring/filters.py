import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from monitoring.connectors import connector_choices
from monitoring.models import Stream, StreamStatus


class StreamFilter(django_filters.FilterSet):
    """Shared by the streams page and /api/v1/streams/."""

    connector = django_filters.ChoiceFilter(label=_("Connector"), choices=connector_choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=StreamStatus.choices)
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.order_by("name"), field_name="team"
    )
    enabled = django_filters.BooleanFilter(
        label=_("Enabled"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")

    class Meta:
        model = Stream
        fields = ["connector", "status", "team", "enabled", "q"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(query__icontains=value))
