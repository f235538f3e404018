"""The incident filter: shared by the incident list, the board and /api/v1/incidents/."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from incidents.forms import incident_people
from incidents.models import OPEN_STATUSES, Incident, Scenario, Severity, Status


class IncidentFilter(django_filters.FilterSet):
    """Shared by the incident list, the board and /api/v1/incidents/."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    state = django_filters.ChoiceFilter(
        label=_("Open or closed"),
        choices=[("open", _("Open")), ("closed", _("Closed"))],
        method="filter_state",
        empty_label=_("All"),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    scenario = django_filters.ChoiceFilter(label=_("Scenario"), choices=Scenario.choices)
    lead = django_filters.ModelChoiceFilter(label=_("Lead"), queryset=incident_people())

    class Meta:
        model = Incident
        fields = ["q", "state", "status", "severity", "scenario", "lead"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        ref = value.upper().removeprefix("INC-")
        condition = Q(title__icontains=value) | Q(summary__icontains=value)
        if ref.isdigit():
            condition |= Q(pk=int(ref))
        return queryset.filter(condition)

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "closed":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset
