import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from compliance.models import Market, PostStatus, SponsoredPost
from riskdesk.networks import Platform


class SponsoredPostFilter(django_filters.FilterSet):
    """Shared by the posts page and /api/v1/sponsored-posts/."""

    q = django_filters.CharFilter(label=gettext_lazy("Search"), method="search")
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=PostStatus.choices)
    platform = django_filters.ChoiceFilter(label=gettext_lazy("Network"), choices=Platform.choices)
    market = django_filters.ChoiceFilter(
        label=gettext_lazy("Market"), choices=Market.choices, method="by_market"
    )
    failing = django_filters.BooleanFilter(
        label=gettext_lazy("Checks"),
        method="by_failing",
        widget=forms.Select(
            choices=[
                ("", gettext_lazy("Any")),
                ("true", gettext_lazy("Failing checks")),
                ("false", gettext_lazy("No failing check")),
            ]
        ),
    )
    mine = django_filters.BooleanFilter(
        label=gettext_lazy("Author"),
        method="by_mine",
        widget=forms.Select(
            choices=[("", gettext_lazy("Anyone")), ("true", gettext_lazy("Written by me"))]
        ),
    )

    class Meta:
        model = SponsoredPost
        fields = ["q", "status", "platform", "market", "failing", "mine"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(text__icontains=value)
            | Q(campaign__icontains=value)
            | Q(partner_name__icontains=value)
            | Q(partner_handle__icontains=value)
        )

    def by_market(self, queryset, name, value):
        # A JSON list of codes: match the quoted code, which works on SQLite and PostgreSQL.
        return queryset.filter(markets__icontains=f'"{value}"') if value else queryset

    def by_failing(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(check_errors__gt=0) if value else queryset.filter(check_errors=0)

    def by_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        return queryset.filter(author=user) if value and user else queryset
