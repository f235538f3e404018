"""Filters shared by the pages and the API of offboarding cases and access grants."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessVia,
    BrandAccount,
    CaseStatus,
    OffboardingCase,
)
from riskdesk.networks import Platform


class CaseFilter(django_filters.FilterSet):
    """Shared by the cases page and /api/v1/offboarding-cases/."""

    STATE_CHOICES = [
        ("open", _("Open")),
        ("overdue", _("Overdue")),
        ("completed", _("Completed")),
    ]
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=STATE_CHOICES, method="filter_state"
    )
    q = django_filters.CharFilter(label=_("Person"), method="filter_person")

    class Meta:
        model = OffboardingCase
        fields = ["state", "q"]

    def filter_state(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(status=CaseStatus.OPEN, deadline__lt=timezone.now())
        return queryset.filter(status=value)

    def filter_person(self, queryset, name, value):
        return queryset.filter(
            Q(person__display_name__icontains=value) | Q(person__email__icontains=value)
        )


class GrantFilter(django_filters.FilterSet):
    """Shared by the access grants page and /api/v1/access-grants/."""

    STATE_CHOICES = [("active", _("Active")), ("revoked", _("Revoked"))]
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=STATE_CHOICES, method="filter_state"
    )
    q = django_filters.CharFilter(label=_("Person"), method="filter_person")
    platform = django_filters.ChoiceFilter(
        label=_("Network"), choices=Platform.choices, field_name="account__platform"
    )
    account = django_filters.ModelChoiceFilter(
        label=_("Brand account"), queryset=BrandAccount.objects.order_by("platform", "handle")
    )
    via = django_filters.ChoiceFilter(label=_("Through"), choices=AccessVia.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=AccessLevel.choices)
    person = django_filters.NumberFilter(field_name="person_id", widget=forms.HiddenInput)

    class Meta:
        model = AccessGrant
        fields = ["state", "q", "platform", "account", "via", "level", "person"]

    def filter_state(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=value == "active")

    def filter_person(self, queryset, name, value):
        return queryset.filter(
            Q(person__display_name__icontains=value) | Q(person__email__icontains=value)
        )
