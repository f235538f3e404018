import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from policies.models import Policy, PolicyKind, ReviewStatus, TrainingModule, TrainingRecord
from policies.selectors import active_people, today


class PolicyFilter(django_filters.FilterSet):
    """Shared by the policies page and /api/v1/policies/."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=PolicyKind.choices)
    review_status = django_filters.ChoiceFilter(label=_("Review"), choices=ReviewStatus.choices)

    class Meta:
        model = Policy
        fields = ["q", "kind", "review_status"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class TrainingRecordFilter(django_filters.FilterSet):
    """Shared by the training records page and /api/v1/training-records/."""

    user = django_filters.ModelChoiceFilter(
        label=_("Person"), queryset=lambda request: active_people().order_by("display_name")
    )
    module = django_filters.ModelChoiceFilter(
        label=_("Module"), queryset=TrainingModule.objects.order_by("title")
    )
    expired = django_filters.BooleanFilter(
        label=_("Expired"),
        method="filter_expired",
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = TrainingRecord
        fields = ["user", "module", "expired"]

    def filter_expired(self, queryset, name, value):
        expired = Q(expires_on__lt=today())
        return queryset.filter(expired) if value else queryset.exclude(expired)
