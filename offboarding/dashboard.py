"""The offboarding card of the dashboard: open cases, overdue ones, the nearest deadlines."""

from django.db.models import Count, Q
from django.utils import timezone

from offboarding.models import CaseStatus, OffboardingCase, TaskStatus
from riskdesk.permissions import can

SHOWN = 5


def dashboard_card(user) -> dict | None:
    """None unless the user may see offboarding cases (HR, admins, security)."""
    if not can(user, "offboarding.view"):
        return None
    now = timezone.now()
    open_cases = OffboardingCase.objects.filter(status=CaseStatus.OPEN)
    counts = open_cases.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=now)))
    nearest = list(
        open_cases.select_related("person")
        .annotate(
            tasks_left=Count("tasks", filter=~Q(tasks__status=TaskStatus.DONE)),
            tasks_failed=Count("tasks", filter=Q(tasks__status=TaskStatus.FAILED)),
        )
        .order_by("deadline", "pk")[:SHOWN]
    )
    return {
        "open": counts["open"],
        "overdue": counts["overdue"],
        "cases": nearest,
        "can_open": can(user, "offboarding.open"),
    }
