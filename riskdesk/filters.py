import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from riskdesk.models import AuditEvent


def _audited_types(request):
    used = AuditEvent.objects.exclude(target_type=None).values("target_type").distinct()
    return ContentType.objects.filter(pk__in=used).order_by("app_label", "model")


class AuditEventFilter(django_filters.FilterSet):
    """Shared by the audit page and /api/v1/audit-events/."""

    actor = django_filters.ModelChoiceFilter(
        label=_("Actor"), queryset=User.objects.order_by("display_name")
    )
    verb = django_filters.CharFilter(label=_("Action"), lookup_expr="startswith")
    target_type = django_filters.ModelChoiceFilter(label=_("Object type"), queryset=_audited_types)
    target_id = django_filters.CharFilter(label=_("Object id"))
    since = django_filters.IsoDateTimeFilter(
        label=_("From"), field_name="created_at", lookup_expr="gte"
    )
    until = django_filters.IsoDateTimeFilter(
        label=_("Until"), field_name="created_at", lookup_expr="lt"
    )
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")

    class Meta:
        model = AuditEvent
        fields = ["actor", "verb", "target_type", "target_id", "since", "until", "q"]

    def filter_text(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(target_label__icontains=value)
            | Q(actor_label__icontains=value)
            | Q(verb__icontains=value)
        )
