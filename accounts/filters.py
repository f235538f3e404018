import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import EmploymentStatus, Team, TeamKind, User
from accounts.roles import Role


class UserFilter(django_filters.FilterSet):
    """Shared by the people page and /api/v1/users/."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_text")
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, field_name="groups__name"
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.all(), field_name="teams", to_field_name="slug"
    )
    employment_status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EmploymentStatus.choices
    )

    class Meta:
        model = User
        fields = ["q", "role", "team", "employment_status"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(display_name__icontains=value) | Q(email__icontains=value))


class TeamFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=TeamKind.choices)

    class Meta:
        model = Team
        fields = ["kind"]
