"""The dashboard's publishing card: what goes out next, and what waits for a decision."""

from datetime import timedelta

from django.utils import timezone

from publishing import selectors
from publishing.models import PostStatus
from riskdesk.permissions import can

NEXT_SHOWN = 4
WEEK = timedelta(days=7)


def dashboard_card(user) -> dict | None:
    """None for people who may not see the calendar; otherwise the card's figures."""
    if not can(user, "brand_post.view"):
        return None
    now = timezone.now()
    upcoming = selectors.posts().filter(
        status=PostStatus.SCHEDULED, scheduled_at__gte=now, scheduled_at__lt=now + WEEK
    )
    return {
        "week": upcoming.count(),
        "held": selectors.held().count(),
        "failed": selectors.posts().filter(status=PostStatus.FAILED).count(),
        "next": list(upcoming.order_by("scheduled_at", "pk")[:NEXT_SHOWN]),
    }
