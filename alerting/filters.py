import django_filters
from django import forms
from django.utils.translation import gettext_lazy

from alerting.models import SpikeAlert
from monitoring.models import Stream


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
