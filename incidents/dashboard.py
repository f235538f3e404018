"""The dashboard's incidents card: open incidents by severity, overdue tasks.

The publishing freeze is not repeated here: the banner on every page shows it."""

from django.db.models import Count
from django.utils import timezone

from incidents.models import OPEN_STATUSES, Incident, IncidentTask, Severity
from incidents.selectors import open_tasks_for
from riskdesk.permissions import can

OPEN_SHOWN = 5


def dashboard_card(user) -> dict | None:
    """What `incidents/_dashboard_card.html` shows, in four queries; None for who cannot see
    incidents."""
    if not can(user, "incident.view"):
        return None
    counts = dict(
        Incident.objects.filter(status__in=OPEN_STATUSES)
        .values_list("severity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overdue = IncidentTask.objects.filter(
        state=IncidentTask.State.OPEN,
        due_at__lt=timezone.now(),
        incident__status__in=OPEN_STATUSES,
    ).count()
    return {
        "by_severity": [(severity, counts.get(severity, 0)) for severity in Severity.values],
        "overdue": overdue,
        "mine": open_tasks_for(user).count(),
        "open": list(
            Incident.objects.filter(status__in=OPEN_STATUSES).order_by("severity", "-declared_at")[
                :OPEN_SHOWN
            ]
        ),
    }
